import { Cron } from 'croner';
import type { ScheduleDefinition } from './schedule-definition';

/** How many on-time ticks one pass starts at most (a one-second schedule has 60 a minute). */
const MAX_ON_TIME_TICKS = 1_000;

/** How many missed ticks a plan counts at most (a one-second cron misses 86,400 a day). */
const MOST_COUNTED = 10_000;

/** The ticks missed before a pass: due longer than `missedAfterMs` ago, not yet handled. */
export interface MissedTicks {
  /** The first and the last of them. */
  from: number;
  through: number;
  /** How many there are, counted up to `MOST_COUNTED` (`counted` false past it). */
  count: number;
  counted: boolean;
  /** How many of them the `missed` policy starts (the latest ones). */
  kept: number;
}

/** The ticks of one schedule that a pass handles, as of `now`. */
export interface TickPlan {
  /** The ticks to start, oldest first: the missed ones the policy keeps, then those on time. */
  start: number[];
  /** The latest tick at or before now: the schedule's last tick once these are handled. */
  through?: number;
  /** The ticks missed, if any were. */
  missed?: MissedTicks;
}

/** The tick times of a definition: computed by croner for a cron, by arithmetic for `every`. */
export class TickTimes {
  private readonly cron?: Cron;

  constructor(private readonly definition: ScheduleDefinition) {
    if (definition.cron !== undefined) {
      this.cron = new Cron(definition.cron, {
        timezone: definition.timezone,
        paused: true,
      });
    }
  }

  /** The first tick strictly after `after`, if there is one. */
  next(after: number): number | undefined {
    if (this.cron) return this.cron.nextRun(new Date(after))?.getTime();
    const every = this.definition.every!;
    return (Math.floor(after / every) + 1) * every;
  }

  /** The latest `count` ticks strictly before `before`, oldest first. */
  previous(count: number, before: number): number[] {
    if (count <= 0) return [];
    if (this.cron) {
      // croner counts in whole seconds, before the second of its reference: the next whole
      // second is where "strictly before `before`" ends, as ticks fall on whole seconds.
      return this.cron
        .previousRuns(count, new Date(Math.ceil(before / 1000) * 1000))
        .map((date) => date.getTime())
        .reverse();
    }
    const every = this.definition.every!;
    const last = Math.floor((before - 1) / every) * every;
    const ticks: number[] = [];
    for (let i = count - 1; i >= 0; i--) ticks.push(last - i * every);
    return ticks;
  }

  /** How many ticks fall from `from` through `through` (both ticks), up to `MOST_COUNTED`. */
  private count(from: number, through: number) {
    const every = this.definition.every;
    if (every !== undefined) {
      const count = Math.floor((through - from) / every) + 1;
      return {
        count: Math.min(count, MOST_COUNTED),
        counted: count <= MOST_COUNTED,
      };
    }
    let count = 1;
    for (
      let tick = this.next(from);
      tick !== undefined && tick <= through;
      tick = this.next(tick)
    ) {
      if (count === MOST_COUNTED) return { count, counted: false };
      count += 1;
    }
    return { count, counted: true };
  }

  /**
   * What is due after `lastTickAt` as of `now`. Ticks of the last `missedAfterMs` are on time
   * and all start; older ones are missed and follow the `missed` policy.
   */
  plan(lastTickAt: number, now: number): TickPlan {
    const [through] = this.previous(1, now + 1);
    if (through === undefined || through <= lastTickAt) return { start: [] };
    const onTimeFrom = now - this.definition.missedAfterMs;
    const firstDue = this.next(lastTickAt);
    const start: number[] = [];
    let missed: MissedTicks | undefined;
    if (firstDue !== undefined && firstDue < onTimeFrom) {
      const { missed: policy, maxMissed } = this.definition;
      const keep = policy === 'skip' ? 0 : policy === 'latest' ? 1 : maxMissed;
      start.push(
        ...this.previous(keep, onTimeFrom).filter((tick) => tick > lastTickAt),
      );
      const [lastMissed] = this.previous(1, onTimeFrom);
      missed = {
        from: firstDue,
        through: lastMissed,
        ...this.count(firstDue, lastMissed),
        kept: start.length,
      };
    }
    let tick = this.next(Math.max(lastTickAt, onTimeFrom - 1));
    while (
      tick !== undefined &&
      tick <= now &&
      start.length < MAX_ON_TIME_TICKS
    ) {
      start.push(tick);
      tick = this.next(tick);
    }
    // More than one pass starts: the next pass goes on from the last one started.
    if (tick !== undefined && tick <= now) {
      return { start, through: start[start.length - 1], missed };
    }
    return { start, through, missed };
  }
}

/** The id of the workflow a tick starts: the same on every instance, so it starts once. */
export const tickWorkflowId = (scheduleId: string, tick: number): string =>
  `${scheduleId}@${new Date(tick).toISOString()}`;

/** The id of a workflow `trigger()` starts now, beside the ticks. */
export const triggeredWorkflowId = (scheduleId: string, now: number): string =>
  `${scheduleId}@trigger-${new Date(now).toISOString()}`;
