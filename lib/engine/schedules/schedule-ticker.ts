import { messages } from '../../lidex.messages';
import type {
  ScheduleRecord,
  ScheduleStore,
  WorkflowStatus,
} from '../../stores/persistence';
import type { Clock } from '../clock';
import type { LidexLogger } from '../types';
import { describeError } from '../workflow-error';
import {
  decodeDefinition,
  type ScheduleDefinition,
} from './schedule-definition';
import { TickTimes, tickWorkflowId } from './schedule-ticks';

/**
 * How often the ticker reads the schedules again, for those created or changed elsewhere. With
 * none at all on a store that tells of writes elsewhere (`hasForeignWrites`), it reads them only
 * once it has heard of one (a schedule saved elsewhere is a write), at most this often: an idle
 * worker without schedules sends no schedule queries.
 */
export const SCHEDULE_REFRESH_MS = 5_000;

const ENDED: readonly WorkflowStatus[] = ['finished', 'aborted', 'cancelled'];

export interface TickerDependencies {
  schedules: ScheduleStore;
  clock: Clock;
  now: () => number;
  logger: LidexLogger;
  /** Whether this instance runs the workflow (only those start its schedules' ticks). */
  runs: (workflow: string) => boolean;
  /** Starts a workflow with an encoded input; `false` when one has this id. */
  start: (
    id: string,
    workflow: string,
    input: string,
    scheduleId: string,
  ) => Promise<boolean>;
  status: (id: string) => Promise<WorkflowStatus | undefined>;
  /** Whether the store tells of writes elsewhere: `heardElsewhere()` is then called on each. */
  hearsElsewhere: boolean;
}

/**
 * Starts the due ticks of every schedule whose workflow this instance runs, on the engine's
 * clock: it wakes at the soonest next tick (and every few seconds for schedules changed
 * elsewhere). Each tick's workflow id comes from the schedule and the tick, so when several
 * instances see the same tick, one insert wins and the others are refused: a tick starts once.
 */
export class ScheduleTicker {
  private loop?: Promise<void>;
  private stopping = false;
  private wake?: () => void;
  private woken = false;
  /** How many schedules the last successful reading found (none read yet: undefined). */
  private known?: number;
  /** When the schedules were last read, on the monotonic clock. */
  private readAt = -Infinity;
  private cancelHeard?: () => void;

  constructor(private readonly deps: TickerDependencies) {}

  /**
   * Another process wrote to the store (it may have saved a schedule). Without schedules, the
   * ticker reads them again then, at most every SCHEDULE_REFRESH_MS; with some, its timed
   * refresh already does.
   */
  heardElsewhere(): void {
    if (!this.quiet() || this.cancelHeard || this.stopping) return;
    const { clock } = this.deps;
    const wait = Math.max(
      0,
      this.readAt + SCHEDULE_REFRESH_MS - clock.monotonic(),
    );
    this.cancelHeard = clock.setTimer(
      wait,
      () => {
        this.cancelHeard = undefined;
        this.nudge();
      },
      { idle: true },
    );
  }

  start(): void {
    this.stopping = false;
    this.loop ??= this.run();
  }

  /** Looks at the schedules now (one was saved or resumed here). */
  nudge(): void {
    if (this.wake) this.wake();
    else this.woken = true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.cancelHeard?.();
    this.cancelHeard = undefined;
    this.nudge();
    await this.loop;
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let nextTick: number | undefined;
      try {
        nextTick = await this.pass();
      } catch (error) {
        this.deps.logger.warn(
          messages.scheduleTickFailed('*', describeError(error)),
        );
      }
      if (this.stopping) break;
      const wait =
        nextTick === undefined ? undefined : nextTick - this.deps.now();
      await this.sleep(wait);
    }
  }

  /**
   * Waits until the next tick (a timer that does work, so a manual clock fires it on time) or
   * the refresh (a timer that only looks), whichever comes first, or a nudge.
   */
  private sleep(untilTick: number | undefined): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const cancels: (() => void)[] = [];
      const done = (): void => {
        this.wake = undefined;
        for (const cancel of cancels) cancel();
        resolve();
      };
      const { clock } = this.deps;
      if (untilTick !== undefined) {
        cancels.push(clock.setTimer(Math.max(0, untilTick), done));
      }
      if (!this.quiet()) {
        cancels.push(clock.setTimer(SCHEDULE_REFRESH_MS, done, { idle: true }));
      }
      this.wake = done;
    });
  }

  /** No schedules, and the store will tell of writes elsewhere: no timed refresh. */
  private quiet(): boolean {
    return this.deps.hearsElsewhere && this.known === 0;
  }

  /** Handles the due ticks of each schedule; answers the soonest next tick. */
  private async pass(): Promise<number | undefined> {
    let soonest: number | undefined;
    this.readAt = this.deps.clock.monotonic();
    const records = await this.deps.schedules.listSchedules();
    this.known = records.length;
    for (const record of records) {
      if (this.stopping) break;
      if (record.paused) continue;
      let definition: ScheduleDefinition;
      let times: TickTimes;
      try {
        definition = decodeDefinition(record.definition);
        if (!this.deps.runs(definition.workflow)) continue;
        times = new TickTimes(definition);
        await this.fire(record, definition, times);
      } catch (error) {
        this.deps.logger.warn(
          messages.scheduleTickFailed(record.id, describeError(error)),
        );
        continue;
      }
      const next = times.next(Math.max(this.deps.now(), record.lastTickAt));
      if (next !== undefined && (soonest === undefined || next < soonest)) {
        soonest = next;
      }
    }
    return soonest;
  }

  private async fire(
    record: ScheduleRecord,
    definition: ScheduleDefinition,
    times: TickTimes,
  ): Promise<void> {
    const now = this.deps.now();
    const plan = times.plan(record.lastTickAt, now);
    if (plan.through === undefined) return;
    let last = record.lastWorkflowId;
    for (const tick of plan.start) {
      const id = tickWorkflowId(record.id, tick);
      if (definition.overlap === 'skip' && last !== undefined && last !== id) {
        const status = await this.deps.status(last);
        if (status !== undefined && !ENDED.includes(status)) {
          this.deps.logger.log(
            messages.scheduleTickSkipped(record.id, tick, last),
          );
          continue;
        }
      }
      // Refused when another instance started this tick first: it is started, once.
      await this.deps.start(
        id,
        definition.workflow,
        definition.input,
        record.id,
      );
      last = id;
    }
    const advanced = await this.deps.schedules.advanceSchedule(record.id, {
      from: record.lastTickAt,
      to: plan.through,
      workflowId: last === record.lastWorkflowId ? undefined : last,
      now,
    });
    if (advanced && plan.missed) {
      this.deps.logger.log(
        messages.scheduleMissedTicks(record.id, plan.missed, definition.missed),
      );
    }
  }
}
