import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';
import { unknownKey } from '../model/option-keys';
import {
  TERMINAL_STATUSES,
  type WaitOptions,
  WORKFLOW_STATUSES,
  type WorkflowStatus,
} from './types';

/** How `wait()` looks: which statuses, how many times, how far apart. */
export interface WaitPlan {
  statuses: readonly WorkflowStatus[];
  attempts: number;
  intervalMs: number;
}

const WAIT_OPTIONS: readonly (keyof WaitOptions)[] = [
  'statuses',
  'timeoutMs',
  'intervalMs',
];

/**
 * The plan of `wait(id, statuses, times, ms)` or `wait(id, options)`, refusing arguments that
 * would make it wait for nothing (a status that does not exist, a typo in an option's name).
 */
export function waitPlan(
  statusesOrOptions: unknown,
  times: unknown,
  ms: unknown,
): WaitPlan {
  if (Array.isArray(statusesOrOptions)) {
    const attempts = times ?? 1;
    if (
      typeof attempts !== 'number' ||
      !Number.isInteger(attempts) ||
      attempts < 1
    )
      throw invalid('times', times, 'an integer >= 1');
    return {
      statuses: requireStatuses(statusesOrOptions),
      attempts,
      intervalMs: requireMs('ms', ms ?? 1_000),
    };
  }
  if (typeof statusesOrOptions !== 'object' || statusesOrOptions === null)
    throw invalid(
      'options',
      statusesOrOptions,
      'an array of statuses or an object',
    );
  const unknown = unknownKey('wait()', statusesOrOptions, WAIT_OPTIONS);
  if (unknown) throw new InvalidArgumentError(unknown.message);
  const options = statusesOrOptions as WaitOptions;
  const intervalMs = Math.max(
    1,
    requireMs('intervalMs', options.intervalMs ?? 50),
  );
  const timeoutMs = requireMs('timeoutMs', options.timeoutMs ?? 30_000);
  return {
    statuses:
      options.statuses === undefined
        ? TERMINAL_STATUSES
        : requireStatuses(options.statuses),
    attempts: Math.ceil(timeoutMs / intervalMs) + 1,
    intervalMs,
  };
}

function requireStatuses(statuses: unknown): readonly WorkflowStatus[] {
  if (!Array.isArray(statuses) || statuses.length === 0)
    throw invalid('statuses', statuses, 'a non-empty array of statuses');
  for (const status of statuses as unknown[]) {
    if (!WORKFLOW_STATUSES.includes(status as WorkflowStatus))
      throw new InvalidArgumentError(
        messages.unknownWaitStatus(status, WORKFLOW_STATUSES),
      );
  }
  return statuses as WorkflowStatus[];
}

function requireMs(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw invalid(what, value, 'a number >= 0');
  return value;
}

const invalid = (what: string, value: unknown, expected: string) =>
  new InvalidArgumentError(messages.invalidWaitArgument(what, value, expected));
