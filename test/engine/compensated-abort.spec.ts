import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { join } from 'node:path';
import {
  ChildWorkflowError,
  LIDEX_CHANNELS,
  type LidexEvent,
  type WorkflowContext,
  type WorkflowHandler,
} from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { messages } from '../../lib/lidex.messages';
import { gate, makeEngine } from '../support/engine-harness';
import { eventually } from '../support/eventually';
import { inProcessStores } from '../support/in-process-stores';
import { tempDir } from '../support/temp-dir';

/**
 * A workflow that fails for good after a step with a compensation ends `aborted` by way of
 * `compensating`. Whoever waits for that end hears of it as of any abort: its parent (the README:
 * "A child that failed for good ... throws a ChildWorkflowError in the parent"), the `aborted`
 * lifecycle event and the `lidex:workflow:aborted` channel (the README's alerting example).
 */

/** A child whose code fails after a compensable step; `undo` runs as its compensation. */
const failingChild =
  (undo: () => Promise<void> = async () => undefined): WorkflowHandler =>
  async (ctx: WorkflowContext) => {
    await ctx.step('charge', () => ({ id: 'ch-1' }), { compensate: undo });
    throw new Error('no courier');
  };

/** A parent that answers how its child ended, as the README's catch of ChildWorkflowError does. */
const parent: WorkflowHandler = async (ctx: WorkflowContext) => {
  try {
    return await ctx.executeChild('ship', 'order', null);
  } catch (error) {
    if (!(error instanceof ChildWorkflowError)) throw error;
    return {
      childId: error.childId,
      status: error.status,
      message: error.error.message,
    };
  }
};

const dir = tempDir('lidex-compensated-abort-');
afterAll(() => dir.remove());
const stores = inProcessStores(dir);

describe.each(stores)(
  'a workflow aborted after compensating (%s store)',
  (_label, makeStore) => {
    it("tells its parent, whose executeChild() throws ChildWorkflowError with the child's error", async () => {
      const { engine } = makeEngine(
        { parent, order: failingChild() },
        { store: makeStore(), maxFailures: 2 },
      );
      await engine.store.init();
      await engine.start('p-1', 'parent', null);
      await expect(
        engine.result('p-1', { timeoutMs: 10_000 }),
      ).resolves.toEqual({
        childId: 'p-1/ship',
        status: 'aborted',
        message: 'no courier',
      });
      expect(await engine.status('p-1/ship')).toBe('aborted');
      expect((await engine.get('p-1/ship'))?.compensations).toMatchObject([
        { stepId: 'charge', status: 'compensated' },
      ]);
    });

    it.each([1, 2])(
      'counts its failures as a plain abort does, and logs the abort at WARN with its error (maxFailures %i)',
      async (maxFailures) => {
        const plain: WorkflowHandler = async () => {
          throw new Error('no courier');
        };
        const { engine, logger } = makeEngine(
          { order: failingChild(), plain },
          { store: makeStore(), maxFailures },
        );
        await engine.store.init();
        await engine.start('o-2', 'order', null);
        await engine.start('o-3', 'plain', null);
        for (const id of ['o-2', 'o-3'])
          expect(await engine.wait(id, { timeoutMs: 10_000 })).toBe('aborted');
        // The README: `aborted` (failed `maxFailures` times); `get(id).failures` says how many.
        expect((await engine.get('o-3'))?.failures).toBe(maxFailures);
        expect((await engine.get('o-2'))?.failures).toBe(maxFailures);
        const warned = logger.lines
          .filter((line) => line.level === 'warn')
          .map((line) => line.message);
        for (const id of ['o-2', 'o-3'])
          expect(warned).toContain(
            messages.workflowFailed(id, 'aborted', maxFailures, 'no courier'),
          );
      },
    );

    it('is an aborted event and a message on lidex:workflow:aborted, with its error', async () => {
      const published: unknown[] = [];
      const listener = (message: unknown) => published.push(message);
      subscribe(LIDEX_CHANNELS.aborted, listener);
      const events: LidexEvent[] = [];
      try {
        const { engine } = makeEngine(
          { order: failingChild() },
          { store: makeStore(), maxFailures: 2 },
        );
        const stop = engine.events.subscribe((event) => events.push(event));
        try {
          await engine.store.init();
          await engine.start('o-1', 'order', null);
          expect(await engine.wait('o-1', { timeoutMs: 10_000 })).toBe(
            'aborted',
          );
          await eventually(
            () => events.some((e) => e.type === 'aborted'),
            5000,
            'the aborted event of o-1',
          ).catch(() => undefined);
        } finally {
          stop();
        }
      } finally {
        unsubscribe(LIDEX_CHANNELS.aborted, listener);
      }
      const told = {
        type: 'aborted',
        workflowId: 'o-1',
        workflowName: 'order',
        error: { name: 'Error', message: 'no courier' },
        failures: 2,
      };
      expect(events.filter((e) => e.type === 'aborted')).toMatchObject([told]);
      expect(
        published.filter((m) => (m as LidexEvent).workflowId === 'o-1'),
      ).toMatchObject([told]);
      expect(
        events.filter((e) => e.workflowId === 'o-1').map((e) => e.type),
      ).toEqual(expect.arrayContaining(['failed', 'compensated', 'aborted']));
    });
  },
);

it('a worker that takes a compensating child over from a stopped one ends it aborted and tells the parent', async () => {
  const path = join(dir.path, 'takeover.sqlite');
  const held = gate();
  const undone: string[] = [];
  // The first worker's compensation never returns: it stops with the child `compensating`.
  const first = makeEngine(
    {
      parent,
      order: failingChild(async () => {
        undone.push('first');
        await held.promise;
      }),
    },
    {
      store: new SqliteStore({ path }),
      timeoutIntervalMs: 1000,
      shutdownGraceMs: 50,
    },
  );
  try {
    await first.engine.store.init();
    await first.engine.start('p-2', 'parent', null);
    await eventually(
      async () => (await first.engine.status('p-2/ship')) === 'compensating',
      10_000,
      'the child to be compensating',
    );
    await first.engine.close();
    const events: LidexEvent[] = [];
    const second = makeEngine(
      {
        parent,
        order: failingChild(async () => {
          undone.push('second');
        }),
      },
      {
        store: new SqliteStore({ path }),
        timeoutIntervalMs: 1000,
        maxFailures: 1,
      },
    );
    await second.engine.store.init();
    const stop = second.engine.events.subscribe((event) => events.push(event));
    try {
      await expect(
        second.engine.result('p-2', { timeoutMs: 15_000 }),
      ).resolves.toEqual({
        childId: 'p-2/ship',
        status: 'aborted',
        message: 'no courier',
      });
    } finally {
      stop();
    }
    expect(undone).toEqual(['first', 'second']);
    expect(events.filter((e) => e.type === 'aborted')).toMatchObject([
      { workflowId: 'p-2/ship', error: { message: 'no courier' } },
    ]);
  } finally {
    held.open();
  }
}, 30_000);
