import {
  InvalidArgumentError,
  MemoryStore,
  WorkflowNotFoundError,
} from '@lidex/nestjs';
import { gate, makeEngine, ManualClock } from '../support/engine-harness';
import { eventually } from '../support/eventually';

describe('operating workflows', () => {
  describe('get', () => {
    it('shows attempts and when each step started and how long it took', async () => {
      const clock = new ManualClock(1_700_000_000_000);
      const { engine } = makeEngine(
        {
          wf: async (ctx) => {
            await ctx.step('charge', () => {
              clock.advance(250);
              return 'paid';
            });
            await ctx.sleep('cool-down', 10);
            return 'ok';
          },
        },
        { now: clock.now, sleepInMemoryMaxMs: 0 },
      );
      const started = clock.time;
      await engine.start('w', 'wf', null);
      await eventually(async () => (await engine.get('w'))?.steps.length === 2);
      clock.advance(10);
      expect(await engine.wait('w')).toBe('finished');
      const info = await engine.get('w');
      expect(info?.attempts).toBe(2);
      expect(info?.steps).toEqual([
        {
          kind: 'step',
          id: 'charge',
          result: 'paid',
          startedAt: new Date(started),
          recordedAt: new Date(started + 250),
          durationMs: 250,
        },
        {
          kind: 'sleep',
          id: 'cool-down',
          wakeAt: new Date(started + 260),
          recordedAt: new Date(started + 250),
          durationMs: 10,
        },
      ]);
    });
  });

  describe('cancel', () => {
    it('stops a workflow running here at its next durable point and releases it', async () => {
      const inStep = gate();
      const release = gate();
      const after: string[] = [];
      const { engine, logger } = makeEngine({
        wf: async (ctx) => {
          await ctx.step('slow', async () => {
            inStep.open();
            await release.promise;
          });
          after.push('ran past the step');
          await ctx.step('next', () => after.push('next step'));
        },
      });
      await engine.start('w', 'wf', null);
      await inStep.promise;
      expect(await engine.cancel('w')).toBe(true);
      release.open();
      expect(await engine.wait('w')).toBe('cancelled');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(after).toEqual([]);
      const info = await engine.get('w');
      expect(info?.status).toBe('cancelled');
      expect(info?.steps).toEqual([]);
      expect(info?.readyAt).toBeUndefined();
      expect(logger.has('"w" was cancelled')).toBe(true);
    });

    it.each([
      ['its next step', true],
      ['its finish', false],
    ])(
      'stops a workflow running on another instance when it next writes (%s)',
      async (_, more) => {
        const store = new MemoryStore();
        const inStep = gate();
        const release = gate();
        const after: string[] = [];
        const worker = makeEngine(
          {
            wf: async (ctx) => {
              await ctx.step('slow', async () => {
                inStep.open();
                await release.promise;
              });
              // The step's record waits for the next call or the finish: both are refused.
              if (more) await ctx.step('after', () => after.push('ran'));
              return 'done';
            },
          },
          { store },
        );
        const operator = makeEngine(
          { wf: async () => undefined },
          {
            store,
            worker: false,
          },
        );
        await worker.engine.start('w', 'wf', null);
        await inStep.promise;
        expect(await operator.engine.cancel('w')).toBe(true);
        release.open();
        await eventually(() =>
          worker.logger.has('"w" was cancelled while it ran here'),
        );
        expect(after).toEqual([]);
        const stored = await store.getWorkflow('w');
        expect(stored).toMatchObject({ status: 'cancelled', steps: [] });
        expect(stored?.result).toBeUndefined();
        expect(worker.logger.has('Lost the lease')).toBe(false);
      },
    );

    it('does not cancel a finished workflow, and names an unknown id', async () => {
      const { engine } = makeEngine({ wf: async () => 'done' });
      await engine.start('w', 'wf', null);
      expect(await engine.wait('w')).toBe('finished');
      expect(await engine.cancel('w')).toBe(false);
      expect(await engine.status('w')).toBe('finished');
      await expect(engine.cancel('nope')).rejects.toThrow(
        new WorkflowNotFoundError('nope').message,
      );
      await expect(engine.cancel('nope')).rejects.toBeInstanceOf(
        WorkflowNotFoundError,
      );
    });
  });

  describe('retry', () => {
    it('resumes an aborted workflow from its recorded steps', async () => {
      let mailServerUp = false;
      let charges = 0;
      const { engine } = makeEngine(
        {
          wf: async (ctx) => {
            await ctx.step('charge', () => ++charges);
            await ctx.step('mail', () => {
              if (!mailServerUp) throw new Error('mail server down');
              return 'sent';
            });
            return 'done';
          },
        },
        { maxFailures: 2 },
      );
      await engine.start('w', 'wf', null);
      expect(await engine.wait('w')).toBe('aborted');
      mailServerUp = true;
      expect(await engine.retry('w')).toBe(true);
      expect(await engine.wait('w')).toBe('finished');
      const info = await engine.get('w');
      expect(charges).toBe(1);
      expect(info).toMatchObject({
        result: 'done',
        failures: 0,
        attempts: 3,
      });
      expect(info?.steps.map((step) => step.id)).toEqual(['charge', 'mail']);
    });

    it('runs a cancelled workflow again, and leaves a finished one alone', async () => {
      const { engine } = makeEngine(
        { wf: async () => 'done' },
        {
          worker: false,
        },
      );
      await engine.start('c', 'wf', null);
      await engine.cancel('c');
      expect(await engine.retry('c')).toBe(true);
      expect(await engine.status('c')).toBe('idle');
      engine.startWorker();
      expect(await engine.wait('c')).toBe('finished');
      expect(await engine.retry('c')).toBe(false);
      await expect(engine.retry('nope')).rejects.toBeInstanceOf(
        WorkflowNotFoundError,
      );
    });
  });

  describe('list and counts', () => {
    it('pages through workflows newest first with a cursor, by status and name', async () => {
      const clock = new ManualClock(1_700_000_000_000);
      const { engine } = makeEngine(
        { wf: async () => 'done', report: async () => 'ok' },
        { now: clock.now, worker: false },
      );
      for (let i = 0; i < 5; i++) {
        await engine.start(`w${i}`, 'wf', i);
        clock.advance(1);
      }
      await engine.start('r', 'report', null);
      await engine.cancel('w1');

      const first = await engine.list({ limit: 2 });
      expect(first.workflows.map((w) => w.id)).toEqual(['r', 'w4']);
      const second = await engine.list({ limit: 2, cursor: first.nextCursor });
      expect(second.workflows.map((w) => w.id)).toEqual(['w3', 'w2']);
      const third = await engine.list({ limit: 2, cursor: second.nextCursor });
      expect(third.workflows.map((w) => w.id)).toEqual(['w1', 'w0']);
      expect(third.nextCursor).toBeUndefined();

      expect(
        (await engine.list({ status: 'cancelled' })).workflows,
      ).toMatchObject([{ id: 'w1', name: 'wf', status: 'cancelled' }]);
      expect(
        (await engine.list({ name: 'report' })).workflows.map((w) => w.id),
      ).toEqual(['r']);
      expect(await engine.counts()).toEqual({
        idle: 5,
        running: 0,
        failed: 0,
        finished: 0,
        aborted: 0,
        cancelled: 1,
        compensating: 0,
      });
      expect((await engine.counts({ name: 'wf' })).idle).toBe(4);
    });

    it('explains options it cannot use', async () => {
      const { engine } = makeEngine({ wf: async () => 'done' });
      await expect(engine.list({ limit: 0 })).rejects.toThrow(
        'list() option "limit" must be an integer from 1 to 500, got 0.',
      );
      await expect(
        engine.list({ status: 'done' as never }),
      ).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(engine.list({ cursor: 'not-a-cursor' })).rejects.toThrow(
        'is not a cursor Lidex made',
      );
    });
  });
});
