import type { Persistence, StoredStep } from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import {
  MINUTE,
  T0,
  claimNext,
  keep,
  lease,
  operationsKit,
  step,
} from './suite-kit';

const compensable = (id: string, at = T0): StoredStep => ({
  kind: 'compensable',
  id,
  recordedAt: at,
});

/**
 * Compensation (`cancelWorkflow` with `compensate`, `recordCompensationStatus`): a cancel moves a
 * workflow with compensable steps to `compensating`, ready for a worker; the compensating run's
 * status changes are fenced by its lease.
 */
export function compensationRules(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach } = testGlobals();
  describe('compensation', () => {
    let store: Persistence;

    beforeEach(async () => {
      store = await factory.create();
    });

    afterEach(async () => {
      await store.close();
    });

    const { insert, claimOnly } = operationsKit(() => store);

    /** A running workflow that recorded a compensable step; answers its lease token. */
    const withCompensableStep = async (id: string) => {
      await insert(id);
      const token = await claimOnly(id, T0);
      await store.recordStep(id, token, compensable('pay'), keep(T0));
      await store.recordStep(id, token, step('pay', '"p-1"'), keep(T0));
      return token;
    };

    it('moves a cancelled workflow with compensable steps to compensating, ready since its creation, with its begin record', async () => {
      const token = await withCompensableStep('a');
      expect(
        await store.cancelWorkflow('a', T0 + 1, { compensate: true }),
      ).toBe(true);
      const stored = await store.getWorkflow('a');
      // Created at T0 (`insert`): ready then, for a claim whose time was read before the cancel.
      expect(stored).toMatchObject({ status: 'compensating', readyAt: T0 });
      expect(stored?.leaseToken).toBeUndefined();
      expect(stored?.steps.map((s) => `${s.kind}:${s.id}`)).toEqual([
        'compensable:pay',
        'step:pay',
        'compensating:cancelled',
      ]);
      expect((await store.countWorkflows({})).compensating).toBe(1);
      expect(
        await store.listWorkflows({ status: 'compensating', limit: 5 }),
      ).toHaveLength(1);
      // The run that held it lost its lease.
      expect(
        await store.recordStep('a', token, step('ship', '1'), keep(T0 + 2)),
      ).toBe(false);
      // A worker claims it, with every record a replay needs.
      const claimed = await claimNext(store, T0 + 2, lease(T0 + MINUTE));
      expect(claimed?.steps.map((s) => s.kind)).toEqual([
        'compensable',
        'step',
        'compensating',
      ]);
    });

    it('cancels a workflow without compensable steps, and leaves a compensating one alone', async () => {
      await insert('plain');
      expect(
        await store.cancelWorkflow('plain', T0 + 1, { compensate: true }),
      ).toBe(true);
      expect((await store.getWorkflow('plain'))?.status).toBe('cancelled');

      await withCompensableStep('c');
      await store.cancelWorkflow('c', T0 + 1, { compensate: true });
      expect(
        await store.cancelWorkflow('c', T0 + 5, { compensate: true }),
      ).toBe(true);
      expect(await store.getWorkflow('c')).toMatchObject({
        status: 'compensating',
        updatedAt: T0 + 1,
      });
      // Without `compensate` (terminate), a compensating workflow is cancelled: its compensations stop.
      expect(await store.cancelWorkflow('c', T0 + 6)).toBe(true);
      const stored = await store.getWorkflow('c');
      expect(stored?.status).toBe('cancelled');
      expect(stored?.readyAt).toBeUndefined();
    });

    it('keeps a compensating workflow compensating when a claim takes it, and when its lease is taken over', async () => {
      await withCompensableStep('a');
      await store.cancelWorkflow('a', T0 + 1, { compensate: true });
      const expectCompensating = async (token: string) => {
        expect(await store.getWorkflow('a')).toMatchObject({
          status: 'compensating',
          leaseToken: token,
        });
        const counts = await store.countWorkflows({});
        expect([counts.compensating, counts.running]).toEqual([1, 0]);
        expect(
          await store.listWorkflows({ status: 'running', limit: 5 }),
        ).toEqual([]);
        expect(
          (await store.listWorkflows({ status: 'compensating', limit: 5 })).map(
            (w) => w.id,
          ),
        ).toEqual(['a']);
      };
      // Two leases: a claim of several (read once, then won, on some servers).
      const [claimed, none] = await store.claimReady(T0 + 2, [
        lease(T0 + MINUTE),
        lease(T0 + MINUTE),
      ]);
      expect([claimed?.id, none]).toEqual(['a', undefined]);
      // What tells the run it compensates (and how it ends).
      expect(claimed?.steps.at(-1)).toMatchObject({
        kind: 'compensating',
        id: 'cancelled',
      });
      await expectCompensating(claimed.leaseToken);

      // Its worker died: the lease lapses and another takes it over (as a worker does, from
      // the leases it saw lapse where the store lists them).
      const now = T0 + 2 * MINUTE;
      const seen = store.listLeases ? await store.listLeases(now, 5) : [];
      const next = lease(now + MINUTE);
      const [again] = await store.claimReady(
        now,
        [next],
        store.listLeases ? seen : undefined,
      );
      expect(again?.id).toBe('a');
      await expectCompensating(next.token);

      // A claim under flow limits keeps it too.
      if (store.flowControl) {
        const limited = lease(T0 + 4 * MINUTE);
        const [third] = await store.claimReady(
          T0 + 3 * MINUTE + 1,
          [limited],
          undefined,
          { limits: new Map([['wf', { concurrency: 2, perKey: 1 }]]) },
        );
        expect(third?.id).toBe('a');
        await expectCompensating(limited.token);
      }
    });

    it('fences the compensating run: its status changes need its lease, and a repeat is its own', async () => {
      await withCompensableStep('a');
      await store.cancelWorkflow('a', T0 + 1, { compensate: true });
      const held = await claimNext(store, T0 + 2, lease(T0 + MINUTE));
      const token = held!.leaseToken;
      const change = { status: 'compensating' as const, now: T0 + 3 };
      expect(await store.recordCompensationStatus!('a', token, change)).toBe(
        true,
      );
      expect(await store.getWorkflow('a')).toMatchObject({
        status: 'compensating',
        leaseToken: token,
      });
      expect(
        await store.recordCompensationStatus!('a', 'not-the-lease', change),
      ).toBe(false);

      const end = {
        status: 'cancelled' as const,
        error: { name: 'CompensationError', message: 'refund refused' },
        now: T0 + 4,
      };
      expect(await store.recordCompensationStatus!('a', token, end)).toBe(true);
      expect(await store.recordCompensationStatus!('a', token, end)).toBe(true);
      const stored = await store.getWorkflow('a');
      expect(stored).toMatchObject({
        status: 'cancelled',
        error: { name: 'CompensationError', message: 'refund refused' },
        updatedAt: T0 + 4,
      });
      expect(stored?.leaseToken).toBeUndefined();
      expect(stored?.readyAt).toBeUndefined();
      expect(
        await claimNext(store, T0 + MINUTE, lease(T0 + 2 * MINUTE)),
      ).toBeUndefined();
    });

    it('ends a compensating workflow it holds aborted with recordFailure (abort), its failure counted, a repeat its own', async () => {
      const first = await withCompensableStep('a');
      const failed = { name: 'Error', message: 'no courier' };
      expect(
        await store.recordFailure('a', first, {
          error: failed,
          retryAt: T0 + 1,
          maxFailures: 2,
          now: T0 + 1,
        }),
      ).toEqual({ status: 'failed', failures: 1 });
      const held = await claimNext(store, T0 + 2, lease(T0 + MINUTE));
      const token = held!.leaseToken;
      expect(
        await store.recordCompensationStatus!('a', token, {
          status: 'compensating',
          error: failed,
          now: T0 + 3,
        }),
      ).toBe(true);
      const end = {
        error: failed,
        retryAt: T0 + 4,
        maxFailures: 2,
        abort: true,
        now: T0 + 4,
      };
      expect(await store.recordFailure('a', 'not-the-lease', end)).toBe(
        undefined,
      );
      expect(await store.recordFailure('a', token, end)).toEqual({
        status: 'aborted',
        failures: 2,
      });
      expect(await store.recordFailure('a', token, end)).toEqual({
        status: 'aborted',
        failures: 2,
      });
      const stored = await store.getWorkflow('a');
      expect(stored).toMatchObject({
        status: 'aborted',
        failures: 2,
        error: failed,
      });
      expect(stored?.leaseToken).toBeUndefined();
      expect(stored?.readyAt).toBeUndefined();
      expect(
        await claimNext(store, T0 + MINUTE, lease(T0 + 2 * MINUTE)),
      ).toBeUndefined();
    });
  });
}
