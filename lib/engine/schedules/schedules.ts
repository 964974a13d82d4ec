import { InvalidArgumentError } from '../../errors/invalid-argument.error';
import { ScheduleNotFoundError } from '../../errors/schedule-not-found.error';
import { messages } from '../../lidex.messages';
import type {
  Persistence,
  ScheduleRecord,
  ScheduleSaved,
  ScheduleStore,
  WorkflowStatus,
} from '../../stores/persistence';
import { type CallLeft, clientCall } from '../client-call';
import type { Clock } from '../clock';
import type { StoredValues } from '../payloads/stored-values';
import type { LidexLogger } from '../types';
import {
  decodeDefinition,
  encodeDefinition,
  resolveTiming,
} from './schedule-definition';
import type {
  ScheduleInfo,
  ScheduleOptions,
  WorkflowScheduleOptions,
} from './schedule-options';
import { ScheduleTicker } from './schedule-ticker';
import { TickTimes, triggeredWorkflowId } from './schedule-ticks';

export interface SchedulesDependencies {
  store: Persistence;
  values: StoredValues;
  clock: Clock;
  now: () => number;
  logger: LidexLogger;
  requireOpen: (call: string) => void;
  /** Checks that this app may start the workflow (throws `UnknownWorkflowError` if not). */
  requireWorkflow: (name: string) => void;
  runs: (workflow: string) => boolean;
  start: (id: string, workflow: string, input: unknown) => Promise<boolean>;
  status: (id: string) => Promise<WorkflowStatus | undefined>;
}

/**
 * `client.schedules`: durable schedules, each tick of which starts one workflow across all
 * instances. Kept in the store, so they outlive restarts and every instance sees the same ones.
 */
export class Schedules {
  private ticker?: ScheduleTicker;

  constructor(private readonly deps: SchedulesDependencies) {}

  /**
   * Creates the schedule, or updates the one with this id when its definition differs (its
   * paused state and last tick are kept): `created`, `updated` or `unchanged`.
   */
  async create(id: string, options: ScheduleOptions): Promise<ScheduleSaved> {
    const call = `client.schedules.create(${JSON.stringify(id)})`;
    this.deps.requireOpen('schedules.create()');
    requireScheduleId(id, call);
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError(
        messages.invalidSchedule(
          call,
          'options are missing',
          `Give { workflow, cron } or { workflow, every }.`,
        ),
      );
    }
    const { workflow, input, ...timing } = options;
    const name = typeof workflow === 'string' ? workflow : workflow?.name;
    this.deps.requireWorkflow(name);
    const timed = resolveTiming(call, timing, []);
    return this.call('schedules.create()', 'schedule', () =>
      this.save(id, name, input, timed),
    );
  }

  /** The schedule of `@Workflow(name, { schedule })`, saved as the app boots. */
  async declare(
    workflow: string,
    options: WorkflowScheduleOptions,
  ): Promise<ScheduleSaved> {
    const where = `@Workflow(${JSON.stringify(workflow)}) schedule`;
    const { input, ...timing } = options;
    return this.save(
      workflow,
      workflow,
      input,
      resolveTiming(where, timing, []),
    );
  }

  async pause(id: string): Promise<void> {
    this.deps.requireOpen('schedules.pause()');
    await this.call('schedules.pause()', 'schedule', () =>
      this.setPaused(id, true),
    );
  }

  /** Resumes from now: the ticks of the pause are not started. */
  async resume(id: string): Promise<void> {
    this.deps.requireOpen('schedules.resume()');
    await this.call('schedules.resume()', 'schedule', () =>
      this.setPaused(id, false),
    );
    this.ticker?.nudge();
  }

  /** Starts the schedule's workflow now, beside its ticks; answers the new workflow's id. */
  async trigger(id: string): Promise<string> {
    this.deps.requireOpen('schedules.trigger()');
    return this.call('schedules.trigger()', 'trigger', async () => {
      const record = await this.require(id);
      const definition = decodeDefinition(record.definition);
      const workflowId = triggeredWorkflowId(id, this.deps.now());
      await this.deps.start(
        workflowId,
        definition.workflow,
        this.deps.values.decode(definition.input, {
          scheduleId: id,
          field: 'schedule-input',
        }),
      );
      return workflowId;
    });
  }

  /** Deletes the schedule; the workflows it started stay. `false` when there was none. */
  async remove(id: string): Promise<boolean> {
    this.deps.requireOpen('schedules.remove()');
    requireScheduleId(id, 'client.schedules.remove()');
    return this.call('schedules.remove()', 'schedule', () =>
      this.store().removeSchedule(id),
    );
  }

  async get(id: string): Promise<ScheduleInfo | undefined> {
    this.deps.requireOpen('schedules.get()');
    requireScheduleId(id, 'client.schedules.get()');
    const record = await this.call('schedules.get()', 'read', () =>
      this.store().getSchedule(id),
    );
    return record && this.toInfo(record);
  }

  /** Every schedule, by id, with when it next ticks. */
  async list(): Promise<ScheduleInfo[]> {
    this.deps.requireOpen('schedules.list()');
    const records = await this.call('schedules.list()', 'read', () =>
      this.store().listSchedules(),
    );
    return records.map((record) => this.toInfo(record));
  }

  /**
   * A client call on the store: an error by which it says its database could not be reached is
   * a `StoreUnavailableError` naming the call (`client-call.ts`), as for the client's other calls.
   */
  private call<T>(
    call: string,
    left: CallLeft,
    run: () => Promise<T>,
  ): Promise<T> {
    return clientCall(this.deps.store, call, left, run);
  }

  /** Starts ticking (the worker's start): a store without schedules has nothing to tick. */
  startTicking(): void {
    const schedules = this.deps.store.schedules;
    if (!schedules) return;
    this.ticker ??= new ScheduleTicker({
      schedules,
      clock: this.deps.clock,
      now: this.deps.now,
      logger: this.deps.logger,
      runs: this.deps.runs,
      // The input is bound to its schedule; each tick's workflow gets it encoded for itself.
      start: (id, workflow, input, scheduleId) =>
        this.deps.start(
          id,
          workflow,
          this.deps.values.decode(input, {
            scheduleId,
            field: 'schedule-input',
          }),
        ),
      status: this.deps.status,
      hearsElsewhere: typeof this.deps.store.hasForeignWrites === 'function',
    });
    this.ticker.start();
  }

  /** The worker heard of a write elsewhere (the store's `hasForeignWrites`). */
  heardElsewhere(): void {
    this.ticker?.heardElsewhere();
  }

  async stopTicking(): Promise<void> {
    await this.ticker?.stop();
  }

  private async save(
    id: string,
    workflow: string,
    input: unknown,
    timing: ReturnType<typeof resolveTiming>,
  ): Promise<ScheduleSaved> {
    const encodedInput = this.deps.values.encode(
      input,
      { scheduleId: id, field: 'schedule-input' },
      `input of schedule ${JSON.stringify(id)}`,
      this.deps.store.maxValueBytes,
    );
    const definition = { workflow, input: encodedInput, ...timing };
    const now = this.deps.now();
    const saved = await this.store().saveSchedule({
      id,
      definition: encodeDefinition(definition),
      now,
    });
    if (saved !== 'unchanged') {
      this.deps.logger.log(
        messages.scheduleSaved(
          id,
          workflow,
          saved,
          new TickTimes(definition).next(now),
        ),
      );
      this.ticker?.nudge();
    }
    return saved;
  }

  private async setPaused(id: string, paused: boolean): Promise<void> {
    requireScheduleId(id, `client.schedules.${paused ? 'pause' : 'resume'}()`);
    const found = await this.store().pauseSchedule(id, {
      paused,
      now: this.deps.now(),
    });
    if (!found) throw new ScheduleNotFoundError(id);
  }

  private async require(id: string): Promise<ScheduleRecord> {
    requireScheduleId(id, 'client.schedules.trigger()');
    const record = await this.store().getSchedule(id);
    if (!record) throw new ScheduleNotFoundError(id);
    return record;
  }

  private store(): ScheduleStore {
    const schedules = this.deps.store.schedules;
    if (!schedules) {
      throw new InvalidArgumentError(
        messages.schedulesUnsupported(this.deps.store.describe()),
      );
    }
    return schedules;
  }

  private toInfo(record: ScheduleRecord): ScheduleInfo {
    const definition = decodeDefinition(record.definition);
    const { workflow, input, cron, timezone, every } = definition;
    const { missed, maxMissed, missedAfterMs, overlap } = definition;
    const next = record.paused
      ? undefined
      : new TickTimes(definition).next(
          Math.max(record.lastTickAt, this.deps.now()),
        );
    return {
      id: record.id,
      workflow,
      // Shown, not computed with: an input this process cannot decrypt reads as its key.
      input: this.deps.values.display(input, {
        scheduleId: record.id,
        field: 'schedule-input',
      }),
      ...(cron === undefined ? {} : { cron, timezone }),
      ...(every === undefined ? {} : { every }),
      missed,
      maxMissed,
      missedAfterMs,
      overlap,
      paused: record.paused,
      lastTickAt: new Date(record.lastTickAt),
      ...(record.lastWorkflowId === undefined
        ? {}
        : { lastWorkflowId: record.lastWorkflowId }),
      ...(next === undefined ? {} : { nextFireAt: new Date(next) }),
      createdAt: new Date(record.createdAt),
      updatedAt: new Date(record.updatedAt),
    };
  }
}

function requireScheduleId(id: unknown, call: string): asserts id is string {
  if (typeof id !== 'string' || id.trim().length === 0) {
    throw new InvalidArgumentError(
      messages.invalidId(`${call}: a schedule id`, id),
    );
  }
}
