import {
  LidexEngine,
  MemoryStore,
  type Persistence,
  type WorkflowContext,
  type WorkflowHandler,
} from '@lidex/nestjs';
import { ManualClock } from '@lidex/nestjs/testing';
import { RecordingLogger } from '../support/recording-logger';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A workflow that records its run: one step, so a run is seen in the store. */
export const recordRun: WorkflowHandler = (ctx: WorkflowContext) =>
  ctx.step('ran', () => Promise.resolve(ctx.workflowId));

/** Engines on a manual clock over one store; all closed by `closeAll()`. */
export class ScheduleHarness {
  readonly engines: LidexEngine[] = [];
  readonly logger = new RecordingLogger();

  constructor(
    readonly clock: ManualClock,
    readonly store: Persistence = new MemoryStore(),
  ) {}

  /** An engine (worker started) running `handlers` on the shared clock and store. */
  boot(
    handlers: Record<string, WorkflowHandler> = { job: recordRun },
  ): LidexEngine {
    const engine = new LidexEngine({
      store: this.store,
      clock: this.clock,
      handlers,
      logger: this.logger,
    });
    this.engines.push(engine);
    engine.startWorker();
    return engine;
  }

  /** Stops an engine's worker and ticker without closing the shared store (downtime). */
  async down(engine: LidexEngine): Promise<void> {
    await engine.stopWorker();
  }

  /** The ids of the workflows started so far, oldest first. */
  async startedIds(): Promise<string[]> {
    const page = await this.engines[0].list({ limit: 500 });
    return page.workflows.map((w) => w.id).sort();
  }

  async closeAll(): Promise<void> {
    for (const engine of this.engines) await engine.stopWorker();
    await this.store.close();
  }
}

/** The tick ids of schedule `id` at the given ISO times. */
export const tickIds = (id: string, isoTimes: string[]): string[] =>
  isoTimes.map((iso) => `${id}@${new Date(iso).toISOString()}`);
