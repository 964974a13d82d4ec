import { Cron } from 'croner';
import { InvalidArgumentError } from '../../errors/invalid-argument.error';
import { messages } from '../../lidex.messages';
import {
  MIN_EVERY_MS,
  type MissedTicksPolicy,
  type OverlapPolicy,
  SCHEDULE_DEFAULTS,
  type ScheduleTiming,
} from './schedule-options';

/** A schedule's timing and policies with every default filled in: what is stored. */
export interface ScheduleDefinition {
  workflow: string;
  /** The encoded input. */
  input: string;
  cron?: string;
  timezone?: string;
  every?: number;
  missed: MissedTicksPolicy;
  maxMissed: number;
  missedAfterMs: number;
  overlap: OverlapPolicy;
}

const TIMING_KEYS = [
  'cron',
  'timezone',
  'every',
  'missed',
  'maxMissed',
  'missedAfterMs',
  'overlap',
];

/**
 * Checks a schedule's timing and policies, throwing `InvalidArgumentError` that names `where`
 * (the decorator or the call) and the fix; answers them with the defaults filled in.
 */
export function resolveTiming(
  where: string,
  timing: unknown,
  extraKeys: readonly string[],
): Omit<ScheduleDefinition, 'workflow' | 'input'> {
  const fail = (problem: string, fix: string): never => {
    throw new InvalidArgumentError(
      messages.invalidSchedule(where, problem, fix),
    );
  };
  if (typeof timing !== 'object' || timing === null || Array.isArray(timing)) {
    return fail(
      `a schedule must be an object, got ${JSON.stringify(timing) ?? typeof timing}`,
      `Give { cron: '0 3 * * *', timezone: 'Europe/Berlin' } or { every: 60_000 }.`,
    );
  }
  const given = timing as ScheduleTiming & Record<string, unknown>;
  const unknown = Object.keys(given).filter(
    (key) => !TIMING_KEYS.includes(key) && !extraKeys.includes(key),
  );
  if (unknown.length > 0) {
    fail(
      `unknown schedule option(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}`,
      `The options are ${[...TIMING_KEYS, ...extraKeys].join(', ')}.`,
    );
  }
  const { cron, every } = given;
  if ((cron === undefined) === (every === undefined)) {
    fail(
      cron === undefined
        ? 'a schedule needs a cron expression or an interval'
        : 'a schedule takes cron or every, not both',
      `Give either { cron: '0 3 * * *' } or { every: 60_000 } (ms).`,
    );
  }
  const missed = given.missed ?? SCHEDULE_DEFAULTS.missed;
  if (!['skip', 'latest', 'all'].includes(missed)) {
    fail(
      `missed must be 'skip', 'latest' or 'all', got ${JSON.stringify(missed)}`,
      `'skip' starts no missed tick, 'latest' the latest one, 'all' up to maxMissed of them.`,
    );
  }
  const overlap = given.overlap ?? SCHEDULE_DEFAULTS.overlap;
  if (!['skip', 'allow'].includes(overlap)) {
    fail(
      `overlap must be 'skip' or 'allow', got ${JSON.stringify(overlap)}`,
      `'skip' passes over a tick while the previous tick's workflow is still going.`,
    );
  }
  const maxMissed = given.maxMissed ?? SCHEDULE_DEFAULTS.maxMissed;
  const missedAfterMs = given.missedAfterMs ?? SCHEDULE_DEFAULTS.missedAfterMs;
  for (const [name, value, min] of [
    ['maxMissed', maxMissed, 1],
    ['missedAfterMs', missedAfterMs, 0],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < min) {
      fail(
        `${name} must be a whole number >= ${min}, got ${JSON.stringify(value)}`,
        `Give a number such as ${name === 'maxMissed' ? 10 : 60_000}.`,
      );
    }
  }
  const policies = { missed, maxMissed, missedAfterMs, overlap };
  if (every !== undefined) {
    if (given.timezone !== undefined) {
      fail(
        'timezone applies to cron, not to every',
        `Drop timezone, or give { cron, timezone }.`,
      );
    }
    if (!Number.isSafeInteger(every) || every < MIN_EVERY_MS) {
      fail(
        `every must be a whole number of ms >= ${MIN_EVERY_MS}, got ${JSON.stringify(every)}`,
        `Give { every: 1_000 } for each second, or a cron with seconds ('*/5 * * * * *').`,
      );
    }
    return { every, ...policies };
  }
  const timezone = given.timezone ?? SCHEDULE_DEFAULTS.timezone;
  checkTimezone(timezone, fail);
  checkCron(cron, timezone, fail);
  return { cron, timezone, ...policies };
}

function checkTimezone(
  timezone: unknown,
  fail: (problem: string, fix: string) => never,
): void {
  try {
    if (typeof timezone !== 'string') throw new RangeError('not a string');
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    fail(
      `timezone ${JSON.stringify(timezone)} is not an IANA time zone`,
      `Give a name such as 'Europe/Berlin', 'America/New_York' or 'UTC'.`,
    );
  }
}

function checkCron(
  cron: unknown,
  timezone: string,
  fail: (problem: string, fix: string) => never,
): void {
  try {
    if (typeof cron !== 'string') throw new Error('not a string');
    new Cron(cron, { timezone, paused: true });
  } catch (error) {
    fail(
      `cron ${JSON.stringify(cron)} is not a cron expression (${error instanceof Error ? error.message : String(error)})`,
      `Give five fields (minute hour day month weekday: '30 2 * * *') or six with seconds first.`,
    );
  }
}

/** The stored text: keys in one order, so that an unchanged schedule compares equal. */
export function encodeDefinition(definition: ScheduleDefinition): string {
  const { workflow, input, cron, timezone, every } = definition;
  const { missed, maxMissed, missedAfterMs, overlap } = definition;
  return JSON.stringify({
    workflow,
    input,
    cron,
    timezone,
    every,
    missed,
    maxMissed,
    missedAfterMs,
    overlap,
  });
}

export function decodeDefinition(text: string): ScheduleDefinition {
  return JSON.parse(text) as ScheduleDefinition;
}
