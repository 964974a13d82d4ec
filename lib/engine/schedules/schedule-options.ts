/** What a schedule does with ticks that no instance started in time (after downtime). */
export type MissedTicksPolicy = 'skip' | 'latest' | 'all';
/** What a tick does while the workflow of the schedule's previous tick is still going. */
export type OverlapPolicy = 'skip' | 'allow';

/**
 * When a schedule ticks, and what it does with missed and overlapping ticks. Give `cron` (with
 * an optional `timezone`) or `every`, not both.
 */
export interface ScheduleTiming {
  /**
   * A cron expression, parsed by croner: five fields (`30 2 * * *`: 02:30 daily) or six with
   * seconds first (`* * * * * *`: every second). Daylight-saving changes follow croner: a time
   * that occurs twice runs once (at the first), a time that does not exist runs at the first
   * valid time after the gap, the same day.
   */
  cron?: string;
  /** The IANA time zone of `cron` (`Europe/Berlin`). @default 'UTC' */
  timezone?: string;
  /** Ticks every `every` ms (at least 1000), counted from the epoch: at whole multiples of it. */
  every?: number;
  /**
   * Missed ticks: those no instance started within `missedAfterMs` of their time. `skip` starts
   * none of them, `latest` the latest one, `all` the latest `maxMissed` of them, oldest first.
   * @default 'skip'
   */
  missed?: MissedTicksPolicy;
  /** With `missed: 'all'`, how many missed ticks at most are started. @default 100 */
  maxMissed?: number;
  /**
   * How late a tick may start and still count as on time: ticks later than this are missed.
   * @default 60000
   */
  missedAfterMs?: number;
  /**
   * A tick while the workflow of the previous tick has not ended: `skip` passes it over,
   * `allow` starts it anyway. @default 'skip'
   */
  overlap?: OverlapPolicy;
}

/** A schedule's definition as `client.schedules.create()` takes it. */
export interface ScheduleOptions extends ScheduleTiming {
  /** The workflow each tick starts (its name or `defineWorkflow` reference). */
  workflow: string | { readonly name: string };
  /** The input each tick's workflow receives. */
  input?: unknown;
}

/** `@Workflow(name, { schedule })`: the workflow's own schedule, whose id is the workflow's name. */
export interface WorkflowScheduleOptions extends ScheduleTiming {
  input?: unknown;
}

/** A schedule as `client.schedules.list()` and `get()` show it. */
export interface ScheduleInfo {
  id: string;
  workflow: string;
  input: unknown;
  cron?: string;
  timezone?: string;
  every?: number;
  missed: MissedTicksPolicy;
  maxMissed: number;
  missedAfterMs: number;
  overlap: OverlapPolicy;
  paused: boolean;
  /** The last tick handled (started, or passed over by a policy). */
  lastTickAt: Date;
  /** The workflow the last handled tick started. */
  lastWorkflowId?: string;
  /** When it next ticks; absent while paused, or when the cron has no later time. */
  nextFireAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export const SCHEDULE_DEFAULTS = {
  timezone: 'UTC',
  missed: 'skip',
  maxMissed: 100,
  missedAfterMs: 60_000,
  overlap: 'skip',
} as const;

/** The shortest `every`: ticks closer than a second apart are not what a durable workflow is for. */
export const MIN_EVERY_MS = 1_000;
