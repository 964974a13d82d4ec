import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  defineWorkflow,
  InvalidArgumentError,
  LidexEngine,
  MemoryStore,
  type Persistence,
  WorkflowAbortedError,
  WorkflowCancelledError,
  WorkflowNotFoundError,
  WorkflowTimeoutError,
} from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { ManualClock } from '@lidex/nestjs/testing';
import { messages } from '../../lib/lidex.messages';
import { clockEngine } from '../support/clock-engine';
import { gate, makeEngine } from '../support/engine-harness';
import { tempDir } from '../support/temp-dir';

const Sum = defineWorkflow<{ a: number; b: number }, { sum: number }>('sum');

/** A store that counts its `getWorkflow` calls: how often a waiting caller looks. */
function countingReads(store: Persistence): {
  store: Persistence;
  reads: () => number;
} {
  let reads = 0;
  const counted = Object.create(store) as Persistence;
  counted.getWorkflow = (id) => {
    reads += 1;
    return store.getWorkflow(id);
  };
  return { store: counted, reads: () => reads };
}

const within = <T>(promise: Promise<T>, ms: number): Promise<T | 'late'> =>
  Promise.race([
    promise,
    new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), ms)),
  ]);

describe('client.result()', () => {
  it('resolves with the output, typed by the reference', async () => {
    const { engine } = makeEngine({
      sum: (ctx, input: { a: number; b: number }) =>
        ctx.step('add', () => ({ sum: input.a + input.b })),
    });
    await engine.start('s', Sum, { a: 2, b: 3 });
    const result: { sum: number } = await engine.result('s', Sum);
    expect(result).toEqual({ sum: 5 });
    expect(await engine.result('s')).toEqual({ sum: 5 });
  });

  it('answers at once when the workflow finishes in this process, without the clock moving', async () => {
    // The manual clock never moves here: a result that came from a look after a pause would never come.
    const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
    const open = gate();
    const { engine } = clockEngine(
      {
        wf: async (ctx) => {
          await ctx.step('wait', () => open.promise);
          return 'done';
        },
      },
      { clock },
    );
    await engine.start('w', 'wf', null);
    const result = engine.result('w');
    await new Promise((resolve) => setTimeout(resolve, 50));
    open.open();
    expect(await within(result, 5_000)).toBe('done');
  });

  it('throws WorkflowAbortedError carrying the error of a workflow that failed for good', async () => {
    const { engine } = makeEngine(
      {
        wf: () => Promise.reject(new Error('card declined')),
      },
      { maxFailures: 1 },
    );
    await engine.start('w', 'wf', null);
    const thrown = await engine.result('w').catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(WorkflowAbortedError);
    expect((thrown as WorkflowAbortedError).error).toMatchObject({
      name: 'Error',
      message: 'card declined',
    });
    expect((thrown as Error).message).toBe(
      messages.workflowAborted('w', 'card declined'),
    );
  });

  it('throws WorkflowCancelledError for a cancelled workflow', async () => {
    const { engine } = makeEngine({
      wf: async (ctx) => {
        await ctx.sleep('long', 60 * 60_000);
        return 'never';
      },
    });
    await engine.start('w', 'wf', null);
    const result = engine.result('w').catch((error: unknown) => error);
    await engine.cancel('w');
    const thrown = await within(result, 5_000);
    expect(thrown).toBeInstanceOf(WorkflowCancelledError);
    expect((thrown as WorkflowCancelledError).workflowId).toBe('w');
    expect((thrown as WorkflowCancelledError).reason).toBeUndefined();
  });

  it('throws WorkflowNotFoundError for an unknown id, InvalidArgumentError for a bad timeout', async () => {
    const { engine } = makeEngine({});
    await expect(engine.result('nope')).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
    await expect(
      engine.result('nope', { timeoutMs: -1 }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('gives up with WorkflowTimeoutError, looking at the store a few times, not every 50 ms', async () => {
    const counted = countingReads(new MemoryStore());
    // No worker: the workflow stays idle for as long as the caller waits.
    const { engine } = makeEngine(
      { wf: () => Promise.resolve('x') },
      { store: counted.store, worker: false },
    );
    await engine.start('w', 'wf', null);
    const before = counted.reads();
    const started = performance.now();
    const thrown = await engine
      .result('w', { timeoutMs: 3_000 })
      .catch((error: unknown) => error);
    const waitedMs = performance.now() - started;
    expect(thrown).toBeInstanceOf(WorkflowTimeoutError);
    expect((thrown as Error).message).toBe(
      messages.resultTimedOut('w', 3_000, 'idle'),
    );
    expect(waitedMs).toBeGreaterThanOrEqual(2_900);
    // wait() at its 50 ms interval looks 61 times in 3 s; result() backs off to one look a second.
    const reads = counted.reads() - before;
    expect(reads).toBeLessThanOrEqual(10);
    expect(reads).toBeGreaterThanOrEqual(4);
  });

  it('resolves the output of a workflow finished by another process over the same file', async () => {
    const dir = tempDir('lidex-result-');
    const path = join(dir.path, 'lidex.sqlite');
    const caller = new LidexEngine({
      store: new SqliteStore({ path }),
      handlers: {},
      clientOnly: true,
    });
    await caller.store.init();
    const worker = new LidexEngine({
      store: new SqliteStore({ path }),
      handlers: {
        sum: (ctx, input: { a: number; b: number }) =>
          ctx.step('add', () => ({ sum: input.a + input.b })),
      },
      pollIntervalMs: 20,
    });
    await worker.store.init();
    try {
      await caller.start('s', Sum, { a: 1, b: 1 });
      const result = caller.result('s', Sum, { timeoutMs: 10_000 });
      worker.startWorker();
      expect(await result).toEqual({ sum: 2 });
    } finally {
      await worker.close();
      await caller.close();
      dir.remove();
    }
  });
});
