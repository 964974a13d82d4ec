import ms from 'ms';
import { InvalidArgumentError } from '../../errors/invalid-argument.error';
import { InvalidOptionsError } from '../../errors/invalid-options.error';
import { messages } from '../../lidex.messages';
import { unknownKey } from '../../model/option-keys';
import { UnknownOptionError } from '../../errors/unknown-option.error';
import { TERMINAL_STATUSES, type WorkflowStatus } from '../../model';

/** A length of time: milliseconds, or a string such as `'30d'`, `'12h'`, `'90 days'` (`ms`). */
export type Duration = number | string;

/** The statuses a workflow ends in, which retention and purges delete. */
export type EndedStatus = 'finished' | 'aborted' | 'cancelled';

/**
 * How long ended workflows are kept, per status (`forRoot({ retention })`). A status not given is
 * kept for ever. Workers delete what is older, a batch at a time, on the engine's clock.
 */
export interface RetentionOptions {
  finished?: Duration;
  aborted?: Duration;
  cancelled?: Duration;
  /**
   * Workflows deleted per batch; a full batch is followed by the next after `pauseMs`.
   * @default 100
   */
  batchSize?: number;
  /**
   * How often a worker looks for workflows past their retention.
   * @default 60000
   */
  intervalMs?: number;
  /**
   * The pause between two full batches, so that claims and writes go on between them.
   * @default 50
   */
  pauseMs?: number;
}

export interface ResolvedRetention {
  /** How long each status is kept, for the statuses that are not kept for ever. */
  keep: Partial<Record<EndedStatus, number>>;
  batchSize: number;
  intervalMs: number;
  pauseMs: number;
}

export const RETENTION_DEFAULTS = {
  batchSize: 100,
  intervalMs: 60_000,
  pauseMs: 50,
};

const KEYS = [
  'finished',
  'aborted',
  'cancelled',
  'batchSize',
  'intervalMs',
  'pauseMs',
];

/** A duration in milliseconds, from a number or an `ms` string; `where` names it in errors. */
export function parseDuration(where: string, value: unknown): number {
  const parsed =
    typeof value === 'string' && value.trim() !== ''
      ? ms(value as ms.StringValue)
      : value;
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0) {
    throw new InvalidArgumentError(messages.invalidDuration(where, value));
  }
  return parsed;
}

/** The module's `retention` option, checked, with its defaults. */
export function resolveRetention(options: unknown): ResolvedRetention {
  const resolved: ResolvedRetention = { keep: {}, ...RETENTION_DEFAULTS };
  if (options === undefined) return resolved;
  if (
    typeof options !== 'object' ||
    options === null ||
    Array.isArray(options)
  ) {
    throw new InvalidOptionsError(
      'retention',
      options,
      messages.retentionShape(),
    );
  }
  const unknown = unknownKey('retention', options, KEYS);
  if (unknown) throw new UnknownOptionError(unknown.key, unknown.message);
  const given = options as Record<string, unknown>;
  for (const status of TERMINAL_STATUSES as EndedStatus[]) {
    if (given[status] === undefined) continue;
    try {
      resolved.keep[status] = parseDuration(
        `retention.${status}`,
        given[status],
      );
    } catch {
      throw new InvalidOptionsError(
        `retention.${status}`,
        given[status],
        messages.durationShape(),
      );
    }
  }
  for (const key of ['batchSize', 'intervalMs', 'pauseMs'] as const) {
    const value = given[key];
    if (value === undefined) continue;
    const min = key === 'pauseMs' ? 0 : 1;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      throw new InvalidOptionsError(
        `retention.${key}`,
        value,
        `an integer >= ${min}`,
      );
    }
    resolved[key] = value;
  }
  return resolved;
}

/** The statuses `purge({ status })` names, checked: ended ones only. */
export function endedStatuses(status: unknown): EndedStatus[] {
  const list =
    status === undefined
      ? TERMINAL_STATUSES
      : Array.isArray(status)
        ? status
        : [status];
  for (const one of list as unknown[]) {
    if (!TERMINAL_STATUSES.includes(one as WorkflowStatus)) {
      throw new InvalidArgumentError(messages.purgeStatus(one));
    }
  }
  return [...new Set(list)] as EndedStatus[];
}
