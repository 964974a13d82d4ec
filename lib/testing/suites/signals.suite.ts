import type {
  LeaseRelease,
  Persistence,
  StoredStep,
  WaitTarget,
} from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import {
  MINUTE,
  T0,
  claimNext,
  keep,
  lease,
  operationsKit,
  otherStore,
} from './suite-kit';

const forSignal = (name: string, until?: number): WaitTarget =>
  until === undefined
    ? { kind: 'signal', name }
    : { kind: 'signal', name, until };

/** A release that waits for signal `name` (no timeout unless `until`), having seen `seen`. */
const waitFor = (
  name: string,
  now: number,
  seen = 0,
  until?: number,
): LeaseRelease => ({
  readyAt: until,
  now,
  wait: { for: forSignal(name, until), signalsSeen: seen },
});

/**
 * Signals: kept with their workflow before any wait, numbered in order, stored once per
 * `signalId`; a waiting workflow released and woken by them, never missing one sent meanwhile.
 */
export function signalsContract(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach, afterAll } =
    testGlobals();
  describe(`${factory.label} store signals`, () => {
    afterAll(() => factory.cleanup());
    let store: Persistence;
    const kit = operationsKit(() => store);

    beforeEach(async () => {
      store = await factory.create();
    });

    afterEach(async () => {
      await store.close();
    });

    const send = (
      workflowId: string,
      name: string,
      signalId: string,
      now = T0,
      payload = `"${signalId}"`,
      to = store,
    ) => to.sendSignal({ workflowId, name, payload, signalId, now });

    /** Claims `id` and releases it waiting for `name`, as a run that reached the wait does. */
    const waiting = async (
      id: string,
      name: string,
      now: number,
      until?: number,
    ) => {
      const token = await kit.claimOnly(id, now);
      expect(
        await store.releaseLease(id, token, waitFor(name, now, 0, until)),
      ).toBe(true);
    };

    it('keeps a signal sent before any wait, and hands it to the claim', async () => {
      await kit.insert('a');
      expect(await send('a', 'paid', 's1', T0, '{"amount":5}')).toBe(
        'delivered',
      );
      const claimed = await claimNext(store, T0 + 1, lease(T0 + MINUTE));
      expect(claimed?.signals).toEqual([
        {
          seq: 1,
          name: 'paid',
          payload: '{"amount":5}',
          signalId: 's1',
          sentAt: T0,
        },
      ]);
      expect((await store.getWorkflow('a'))?.signals).toHaveLength(1);
    });

    it('numbers signals in the order they were sent, across names', async () => {
      await kit.insert('a');
      await send('a', 'x', 'one', T0 + 1);
      await send('a', 'y', 'two', T0 + 2);
      await send('a', 'x', 'three', T0 + 3);
      const claimed = await claimNext(store, T0 + 5, lease(T0 + MINUTE));
      expect(
        claimed?.signals.map(({ seq, name, signalId }) => [
          seq,
          name,
          signalId,
        ]),
      ).toEqual([
        [1, 'x', 'one'],
        [2, 'y', 'two'],
        [3, 'x', 'three'],
      ]);
      const stored = await store.getWorkflow('a');
      expect(stored?.signals.map((signal) => signal.seq)).toEqual([1, 2, 3]);
    });

    it('stores a repeated signalId once, keeping the first', async () => {
      await kit.insert('a');
      expect(await send('a', 'paid', 's1', T0, '"first"')).toBe('delivered');
      expect(await send('a', 'paid', 's1', T0 + 1, '"second"')).toBe(
        'duplicate',
      );
      await kit.insert('b');
      expect(await send('b', 'paid', 's1')).toBe('delivered');
      const stored = await store.getWorkflow('a');
      expect(stored?.signals).toHaveLength(1);
      expect(stored?.signals[0].payload).toBe('"first"');
    });

    it('answers not-found for a workflow that does not exist', async () => {
      expect(await send('nope', 'paid', 's1')).toBe('not-found');
      expect(await store.getWorkflow('nope')).toBeUndefined();
    });

    it('stores nothing for a workflow that ended, and says so', async () => {
      await kit.withStatus('f', 'finished');
      await kit.withStatus('a', 'aborted');
      await kit.withStatus('c', 'cancelled');
      for (const id of ['f', 'a', 'c']) {
        expect(await send(id, 'paid', 's1')).toBe('ended');
        const stored = await store.getWorkflow(id);
        expect(stored?.signals).toEqual([]);
        expect(stored?.readyAt).toBeUndefined();
      }
    });

    it('records a consumed signal once per wait id, fenced by the lease', async () => {
      await kit.insert('a');
      await send('a', 'paid', 's1');
      const held = await claimNext(store, T0, lease(T0 + MINUTE));
      const consumed: StoredStep = {
        kind: 'signal',
        id: 'wait-paid',
        result: '{"seq":1}',
        recordedAt: T0 + 1,
      };
      const token = held!.leaseToken;
      expect(await store.recordStep('a', token, consumed, keep(T0 + 1))).toBe(
        true,
      );
      expect(
        await store.recordStep(
          'a',
          token,
          { ...consumed, result: '{"seq":2}' },
          keep(T0 + 2),
        ),
      ).toBe(true);
      expect(await store.recordStep('a', 'stale', consumed, keep(T0 + 2))).toBe(
        false,
      );
      const stored = await store.getWorkflow('a');
      expect(stored?.steps).toEqual([consumed]);
    });

    it('releases a waiting workflow with no timeout, shows what it waits for, and wakes it on a signal', async () => {
      await kit.insert('a');
      await waiting('a', 'paid', T0);
      const stored = await store.getWorkflow('a');
      expect(stored).toMatchObject({
        status: 'running',
        waitingFor: { kind: 'signal', name: 'paid' },
      });
      expect(stored?.readyAt).toBeUndefined();
      expect(stored?.leaseToken).toBeUndefined();
      const year = 365 * 24 * 60 * MINUTE;
      expect(
        await claimNext(store, T0 + year, lease(T0 + year + MINUTE)),
      ).toBeUndefined();

      expect(await send('a', 'paid', 's1', T0 + 10)).toBe('delivered');
      const woken = await store.getWorkflow('a');
      expect(woken?.readyAt).toBe(T0 + 10);
      expect(woken?.waitingFor).toBeUndefined();
      const claimed = await claimNext(store, T0 + 10, lease(T0 + MINUTE));
      expect(claimed?.id).toBe('a');
      expect(claimed?.signals.map((signal) => signal.signalId)).toEqual(['s1']);
    });

    it('makes a wait with a timeout ready at its timeout, and a signal wakes it sooner', async () => {
      await kit.insert('a');
      await kit.insert('b');
      for (let i = 0; i < 2; i++) {
        const held = await claimNext(store, T0, lease(T0 + MINUTE));
        expect(
          await store.releaseLease(
            held!.id,
            held!.leaseToken,
            waitFor('paid', T0, 0, T0 + 60 * MINUTE),
          ),
        ).toBe(true);
      }
      expect(await store.getWorkflow('a')).toMatchObject({
        readyAt: T0 + 60 * MINUTE,
        waitingFor: { kind: 'signal', name: 'paid', until: T0 + 60 * MINUTE },
      });
      await send('b', 'paid', 's1', T0 + 5);
      expect((await store.getWorkflow('b'))?.readyAt).toBe(T0 + 5);
      const atTimeout = await claimNext(
        store,
        T0 + 60 * MINUTE,
        lease(T0 + 61 * MINUTE),
      );
      expect(atTimeout?.id).toBe('b');
      const next = await claimNext(
        store,
        T0 + 60 * MINUTE,
        lease(T0 + 61 * MINUTE),
      );
      expect(next?.id).toBe('a');
      expect((await store.getWorkflow('a'))?.waitingFor).toBeUndefined();
    });

    it('leaves a leased workflow its lease expiry when a signal arrives', async () => {
      await kit.insert('a');
      const held = await claimNext(store, T0, lease(T0 + MINUTE));
      expect(await send('a', 'paid', 's1', T0 + 5)).toBe('delivered');
      const stored = await store.getWorkflow('a');
      expect(stored).toMatchObject({
        status: 'running',
        readyAt: T0 + MINUTE,
        leaseToken: held!.leaseToken,
      });
      expect(
        await claimNext(store, T0 + 10, lease(T0 + MINUTE)),
      ).toBeUndefined();
    });

    it('leaves a workflow that does not wait (idle, sleeping) its ready time', async () => {
      await kit.insert('idle', T0 + 100);
      await kit.insert('sleeper');
      const held = await claimNext(store, T0, lease(T0 + MINUTE));
      expect(held?.id).toBe('sleeper');
      const sleep: StoredStep = {
        kind: 'sleep',
        id: 'nap',
        wakeAt: T0 + 60 * MINUTE,
        recordedAt: T0,
      };
      await store.recordStep('sleeper', held!.leaseToken, sleep, {
        readyAt: T0 + 60 * MINUTE,
        release: true,
        now: T0,
      });
      await send('idle', 'paid', 's1', T0 + 5);
      await send('sleeper', 'paid', 's1', T0 + 5);
      expect((await store.getWorkflow('idle'))?.readyAt).toBe(T0 + 100);
      expect((await store.getWorkflow('sleeper'))?.readyAt).toBe(
        T0 + 60 * MINUTE,
      );
    });

    it('makes a wait ready at once when a signal arrived after its claim (signalsSeen behind)', async () => {
      await kit.insert('a');
      await send('a', 'other', 's0');
      const held = await claimNext(store, T0, lease(T0 + MINUTE));
      expect(held?.signals).toHaveLength(1);
      await send('a', 'paid', 's1', T0 + 5);
      expect(
        await store.releaseLease(
          'a',
          held!.leaseToken,
          waitFor('paid', T0 + 7, 1, T0 + 60 * MINUTE),
        ),
      ).toBe(true);
      const stored = await store.getWorkflow('a');
      expect(stored?.readyAt).toBe(T0 + 7);
      expect(stored?.waitingFor).toBeUndefined();
      const again = await claimNext(store, T0 + 7, lease(T0 + MINUTE));
      expect(again?.signals.map((signal) => signal.seq)).toEqual([1, 2]);
    });

    it('answers a repeated wait release as its applied try', async () => {
      await kit.insert('a');
      const token = await kit.claimOnly('a', T0);
      const release = waitFor('paid', T0);
      expect(await store.releaseLease('a', token, release)).toBe(true);
      expect(await store.releaseLease('a', token, release)).toBe(true);
      expect(await store.releaseLease('a', 'never-held', release)).toBe(false);
      expect((await store.getWorkflow('a'))?.waitingFor).toEqual(
        forSignal('paid'),
      );
    });

    it('lists the waiting workflows with what they wait for', async () => {
      await kit.insert('w', T0);
      await kit.insert('busy', T0 + 1);
      await waiting('w', 'paid', T0 + 2);
      const all = await store.listWorkflows({ limit: 10 });
      expect(all.find((summary) => summary.id === 'w')?.waitingFor).toEqual(
        forSignal('paid'),
      );
      const listed = await store.listWorkflows({
        limit: 10,
        waiting: 'signal',
      });
      expect(listed.map((summary) => summary.id)).toEqual(['w']);
      expect(
        await store.listWorkflows({ limit: 10, waiting: 'child' }),
      ).toEqual([]);
    });

    it('never misses a signal racing the wait release, from two store objects', async () => {
      const ids = Array.from({ length: 24 }, (_, i) => `r${i}`);
      for (const [i, id] of ids.entries()) await kit.insert(id, T0 + i);
      const held = await store.claimReady(
        T0 + 100,
        ids.map(() => lease(T0 + MINUTE)),
      );
      expect(held).toHaveLength(ids.length);
      const other = await otherStore(factory, store);
      // Half send first, half release first; the two objects interleave as two processes do.
      await Promise.all(
        held.flatMap((claimed, i) => {
          const signal = () =>
            send(claimed.id, 'paid', 's1', T0 + 200, '"x"', other.store(i + 1));
          const release = () =>
            other
              .store(i)
              .releaseLease(
                claimed.id,
                claimed.leaseToken,
                waitFor('paid', T0 + 200, 0),
              );
          return i % 2 === 0 ? [signal(), release()] : [release(), signal()];
        }),
      );
      await other.close();
      const woken = await store.claimReady(
        T0 + 200,
        ids.map(() => lease(T0 + 2 * MINUTE)),
      );
      expect(woken.map((claimed) => claimed.id).sort()).toEqual(
        [...ids].sort(),
      );
      for (const claimed of woken) expect(claimed.signals).toHaveLength(1);
    });

    it('never misses a signal racing the claim of a waiting workflow at its timeout, from two store objects', async () => {
      const ids = Array.from({ length: 24 }, (_, i) => `c${i}`);
      for (const [i, id] of ids.entries()) {
        await kit.insert(id, T0 + i);
        // Its timeout comes at T0 + 200, just as the signal does.
        await waiting(id, 'paid', T0 + 50, T0 + 200);
      }
      const other = await otherStore(factory, store);
      const seen = new Map<string, number>();
      const claims = await Promise.all(
        ids.flatMap((id, i) => [
          send(id, 'paid', 's1', T0 + 200, '"x"', other.store(i + 1)).then(
            () => [],
          ),
          claimNext(other.store(i), T0 + 200, lease(T0 + MINUTE)).then(
            (claimed) => (claimed ? [claimed] : []),
          ),
        ]),
      );
      // Each claim that did not see `paid` waits again, as its run would, with what it saw.
      for (const claimed of claims.flat()) {
        const top = claimed.signals.length;
        seen.set(claimed.id, top);
        if (top < 1) {
          await store.releaseLease(
            claimed.id,
            claimed.leaseToken,
            waitFor('paid', T0 + 300, top),
          );
        }
      }
      await other.close();
      const again = await store.claimReady(
        T0 + 300,
        ids.map(() => lease(T0 + 2 * MINUTE)),
      );
      for (const claimed of again) seen.set(claimed.id, claimed.signals.length);
      expect([...seen.keys()].sort()).toEqual([...ids].sort());
      for (const id of ids) expect(seen.get(id)).toBe(1);
    });
  });
}
