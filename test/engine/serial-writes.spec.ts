import {
  MemoryStore,
  type Persistence,
  type WorkflowContext,
} from '@lidex/nestjs';
import { eventually } from '../support/eventually';
import { makeEngine } from '../support/engine-harness';

const pause = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How long each write waits before it reaches the store, and after, before its answer. */
type Delays = Partial<
  Record<'renewLease' | 'recordStep' | 'recordFinish', [number, number]>
>;

/**
 * A memory store behind a slow link that counts how many writes of one workflow are in flight
 * at once; `serial` is what it says of `serialWritesPerWorkflow`.
 */
function countingStore(delays: Delays, serial?: boolean) {
  const store = new MemoryStore();
  const counting = Object.create(store) as Persistence;
  let inFlight = 0;
  let most = 0;
  for (const [method, [before, after]] of Object.entries(delays)) {
    const call = (
      store[method as keyof Delays] as (...args: unknown[]) => Promise<unknown>
    ).bind(store);
    Object.defineProperty(counting, method, {
      value: async (...args: unknown[]) => {
        most = Math.max(most, ++inFlight);
        try {
          await pause(before);
          const answer = await call(...args);
          await pause(after);
          return answer;
        } finally {
          inFlight -= 1;
        }
      },
    });
  }
  if (serial !== undefined) {
    Object.defineProperty(counting, 'serialWritesPerWorkflow', {
      value: serial,
    });
  }
  return { store: counting, most: () => most };
}

// A 900 ms lease is renewed 300 ms after it was last set; a step write takes 600 ms, so the
// renewal falls due while the step write is in flight. Generous margins: the machine is shared.
const LEASE = { timeoutIntervalMs: 900 };
const SLOW_STEP: Delays = { recordStep: [300, 300], renewLease: [50, 50] };
/** The first step's record is written alone (the last one goes with the finish). */
const twoSteps = async (ctx: WorkflowContext) => {
  await ctx.step('slow', () => 'slow');
  return ctx.step('last', () => 'done');
};

describe("a run's store writes", () => {
  it('overlap (a renewal beside a step write) on a store that does not ask for serial writes', async () => {
    const { store, most } = countingStore(SLOW_STEP);
    const { engine, logger } = makeEngine(
      { wf: twoSteps },
      { store, ...LEASE },
    );
    await engine.start('w', 'wf', null);
    await eventually(
      async () => (await engine.status('w')) === 'finished',
      10_000,
    );
    expect(most()).toBe(2);
    expect(logger.messages('warn')).toEqual([]);
  });

  it('go one at a time where the store says so (serialWritesPerWorkflow)', async () => {
    const { store, most } = countingStore(SLOW_STEP, true);
    const { engine, logger } = makeEngine(
      { wf: twoSteps },
      { store, ...LEASE },
    );
    await engine.start('w', 'wf', null);
    await eventually(
      async () => (await engine.status('w')) === 'finished',
      10_000,
    );
    expect(most()).toBe(1);
    expect(logger.messages('warn')).toEqual([]);
  });

  it('do not take a renewal refused because the run finished meanwhile for a lost lease', async () => {
    // The renewal is sent before the finish but reaches the store after it; the finish's answer
    // comes back last. The store rightly refuses the renewal: the run's lease ended with it.
    const { store } = countingStore({
      renewLease: [400, 0],
      recordFinish: [100, 600],
    });
    const { engine, logger } = makeEngine(
      { wf: () => pause(400).then(() => 'done') },
      { store, ...LEASE },
    );
    await engine.start('w', 'wf', null);
    await eventually(
      async () => (await engine.status('w')) === 'finished',
      10_000,
    );
    await pause(1_500);
    expect(logger.messages('warn')).toEqual([]);
  });
});
