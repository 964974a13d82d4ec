import type { Persistence } from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import { MINUTE, T0, lease } from './suite-kit';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/**
 * Trace context (`NewWorkflow.traceContext`): the W3C traceparent of the span that started a
 * workflow is kept with it, as given, and handed to every claim (a restart included), so each
 * run's span links to the start.
 */
export function traceContextContract(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach } = testGlobals();
  describe(`${factory.label} trace context`, () => {
    let store: Persistence;

    beforeEach(async () => {
      store = await factory.create();
    });

    afterEach(async () => {
      await store.close();
    });

    it('keeps the trace context a workflow started with, hands it to every claim (also on another instance) and answers it when read', async () => {
      await store.insertWorkflow({
        id: 'traced',
        name: 'wf',
        input: '1',
        now: T0,
        traceContext: TRACEPARENT,
      });
      await store.insertWorkflow({
        id: 'plain',
        name: 'wf',
        input: '1',
        now: T0 + 1,
      });
      const first = await store.claimReady(T0 + 10, [
        lease(T0 + MINUTE),
        lease(T0 + MINUTE),
      ]);
      expect(first.map((w) => [w.id, w.traceContext])).toEqual([
        ['traced', TRACEPARENT],
        ['plain', undefined],
      ]);
      // Read back (the dashboard, `getWorkflow`): the same context, and none where none was kept.
      expect((await store.getWorkflow('traced'))?.traceContext).toBe(
        TRACEPARENT,
      );
      const plain = await store.getWorkflow('plain');
      expect(plain?.id).toBe('plain');
      expect(plain?.traceContext).toBeUndefined();
      await store.releaseLease('traced', first[0].leaseToken, {
        readyAt: T0 + 20,
        now: T0 + 20,
      });
      // Another instance (another store object over the same data) claims it next.
      const other = await factory.reopen();
      try {
        const again = await other.claimReady(T0 + 30, [lease(T0 + MINUTE)]);
        expect(again.map((w) => [w.id, w.traceContext])).toEqual([
          ['traced', TRACEPARENT],
        ]);
      } finally {
        if (other !== store) await other.close();
      }
    });

    it('keeps the trace context of a workflow inserted already claimed', async () => {
      await store.insertWorkflow(
        { id: 'a', name: 'wf', input: '1', now: T0, traceContext: TRACEPARENT },
        { token: 'token-of-insert', until: T0 + MINUTE },
      );
      await store.releaseLease('a', 'token-of-insert', {
        readyAt: T0 + 5,
        now: T0 + 5,
      });
      const taken = await store.claimReady(T0 + 10, [lease(T0 + MINUTE)]);
      expect(taken.map((w) => [w.id, w.traceContext])).toEqual([
        ['a', TRACEPARENT],
      ]);
    });
  });
}
