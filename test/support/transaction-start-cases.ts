import type { Persistence, WorkflowContext } from '@lidex/nestjs';
import { makeEngine } from './engine-harness';

/** How far the server's clock, as the engine measured it, may read behind this process's. */
const CLOCK_MARGIN_MS = 50;

/**
 * Runs `body` in the app's own transaction with what `start()` takes as `transaction`, and with
 * a way to insert the app's order row in it; rolls back if `body` throws.
 */
export type Transact = (
  body: (
    transaction: unknown,
    insertOrder: (id: string) => Promise<void>,
  ) => Promise<void>,
) => Promise<void>;

/** One app's way to its SQL database, as the ORM specs (`*-orm`, `mysql-prisma`) open it. */
export interface TransactionStartCases {
  /** The store on the app's ORM or pool, opened in the spec's `beforeAll`. */
  store(): Persistence;
  transact: Transact;
  /** Whether the order row is there, seen from outside any transaction. */
  orderCommitted(id: string): Promise<boolean>;
  /** Inserts an order row outside any transaction. */
  insertOrder(id: string): Promise<void>;
  /** What the store's statements share with the app's: in the second case's name. */
  shares: 'connection' | 'pool';
  /**
   * PostgreSQL: a start committed in the app's transaction wakes an idle worker (its
   * notification), so the first case polls every ten minutes and expects the run within 10 s.
   * Otherwise the worker polls every 200 ms.
   */
  wakesOnCommit: boolean;
  /**
   * The ship step's result, checked with the order-seen step's where given (MySQL: 'shipped 🚀',
   * whose emoji utf8mb4 keeps); 'shipped', not checked, where not.
   */
  shipped?: string;
  /**
   * MySQL: after a start refused for an id that exists, the app's transaction carries on and its
   * own order row commits (checked in the third case).
   */
  carriesOnAfterRefusal: boolean;
}

/**
 * Registers, in the calling `describe`, the three cases every ORM spec runs on a store that
 * starts workflows in the app's transaction: nothing of a rolled-back transaction is left and a
 * committed one runs; a start without a transaction on the same connections; an existing id
 * answers false inside the transaction too. Returns the `fulfil` workflow they run, for the
 * spec's own cases.
 */
export function transactionStartCases(cases: TransactionStartCases) {
  const fulfil = {
    // Its first step says whether the order row was committed when the run began.
    fulfil: async (ctx: WorkflowContext, input: unknown) => {
      const { orderId } = input as { orderId: string };
      const orderSeen = await ctx.step('order seen', () =>
        cases.orderCommitted(orderId),
      );
      await ctx.step('ship', async () => cases.shipped ?? 'shipped');
      return { orderSeen };
    },
  };

  it('leaves neither the order nor its workflow when the transaction rolls back, and runs both once it commits', async () => {
    // Woken on commit, a poll would come in ten minutes: a committed start must be claimed on
    // its notification.
    const { engine } = makeEngine(fulfil, {
      store: cases.store(),
      pollIntervalMs: cases.wakesOnCommit ? 600_000 : 200,
    });
    if (cases.wakesOnCommit) {
      await new Promise((resolve) => setTimeout(resolve, 100)); // the worker is idle
    }
    const rolledBack = cases.transact(async (transaction, insertOrder) => {
      await insertOrder('o-1');
      expect(
        await engine.start(
          'fulfil-o-1',
          'fulfil',
          { orderId: 'o-1' },
          { transaction },
        ),
      ).toBe(true);
      throw new Error('payment declined');
    });
    await expect(rolledBack).rejects.toThrow('payment declined');
    expect(await cases.orderCommitted('o-1')).toBe(false);
    expect(await engine.get('fulfil-o-1')).toBeUndefined();

    const started = Date.now();
    await cases.transact(async (transaction, insertOrder) => {
      await insertOrder('o-2');
      expect(
        await engine.start(
          'fulfil-o-2',
          'fulfil',
          { orderId: 'o-2' },
          { transaction },
        ),
      ).toBe(true);
      // Not visible, and so not run, before the commit.
      expect(await engine.get('fulfil-o-2')).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    expect(await engine.wait('fulfil-o-2', { timeoutMs: 20_000 })).toBe(
      'finished',
    );
    if (cases.wakesOnCommit) {
      expect(Date.now() - started).toBeLessThan(10_000);
    }
    const done = await engine.get('fulfil-o-2');
    expect(done?.result).toEqual({ orderSeen: true });
    if (cases.shipped !== undefined) {
      expect(done?.steps.map((step) => step.result)).toEqual([
        true,
        cases.shipped,
      ]);
    }
    expect(done?.attempts).toBe(1);
    // Read back through the app's driver too, times are dates: the first claim came after start.
    // The engine's clock follows the server's, its offset measured within half a round trip: a
    // time it stored may read a few milliseconds before this process's `started`.
    const since = started - CLOCK_MARGIN_MS;
    expect(done?.firstClaimedAt?.getTime()).toBeGreaterThanOrEqual(since);
    expect(done?.createdAt.getTime()).toBeGreaterThanOrEqual(since);
    expect(await cases.orderCommitted('o-2')).toBe(true);
    // Order and workflow agree: the rolled-back pair is still absent.
    expect(await cases.orderCommitted('o-1')).toBe(false);
    expect(await engine.get('fulfil-o-1')).toBeUndefined();
    expect((await engine.counts()).finished).toBe(1);
  });

  it(`runs workflows started without a transaction on the same ${cases.shares}`, async () => {
    const { engine } = makeEngine(fulfil, { store: cases.store() });
    await cases.insertOrder('o-3');
    expect(await engine.start('fulfil-o-3', 'fulfil', { orderId: 'o-3' })).toBe(
      true,
    );
    expect(await engine.start('fulfil-o-3', 'fulfil', { orderId: 'o-3' })).toBe(
      false,
    );
    expect(await engine.wait('fulfil-o-3', { timeoutMs: 20_000 })).toBe(
      'finished',
    );
  });

  it('answers false, inserting nothing, for an id that exists, inside the transaction too', async () => {
    const { engine } = makeEngine(fulfil, { store: cases.store() });
    await cases.transact(async (transaction, insertOrder) => {
      expect(
        await engine.start(
          'fulfil-o-3',
          'fulfil',
          { orderId: 'x' },
          { transaction },
        ),
      ).toBe(false);
      if (cases.carriesOnAfterRefusal) {
        // The app's transaction carries on: its own row still commits.
        await insertOrder('o-4');
      }
    });
    if (cases.carriesOnAfterRefusal) {
      expect(await cases.orderCommitted('o-4')).toBe(true);
    }
    expect((await engine.get('fulfil-o-3'))?.input).toEqual({
      orderId: 'o-3',
    });
  });

  return fulfil;
}
