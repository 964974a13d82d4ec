import type { Persistence, WorkflowContext } from '@lidex/nestjs';
import type { StoreFactory } from '@lidex/nestjs/testing';
import { gate, makeEngine } from '../support/engine-harness';
import { eventually } from '../support/eventually';
import { describeEachMongo, mongoStoreFactory } from '../support/mongo';
import { describeMysql, mysqlStoreFactory } from '../support/mysql';
import { describePostgres, postgresStoreFactory } from '../support/postgres';
import {
  memoryStoreFactory,
  sqliteStoreFactory,
} from '../support/store-factories';

/** Generous: a refund that waits for the workflows behind it waits until they end, here never. */
const REFUND_BOUND_MS = 10_000;

/**
 * Issue #15: a limited workflow cancelled after a step with a compensation gives its slot back,
 * and its compensation must claim a slot again. Before, the workflows already waiting for that
 * slot (older) were claimed first, so with a limit of 1 the refund waited until they had all
 * ended: here, whose steps hold until the test lets them go, it never came. Now a limited claim
 * takes a compensating workflow first: the refund runs before the waiting ones begin.
 */
function compensationFirst(factory: StoreFactory): void {
  describe(`a cancelled limited workflow's compensation (${factory.label} store)`, () => {
    let store: Persistence;
    beforeEach(async () => {
      store = await factory.create();
    });
    afterEach(() => store.close());
    afterAll(() => factory.cleanup());

    const cases = [
      ['limit', { limit: 1 }, undefined],
      ['key', { perKey: 1 }, 'customer-1'],
    ] as const;
    it.each(cases)(
      'runs before the workflows waiting for its slot (a %s of 1)',
      async (_what, concurrency, concurrencyKey) => {
        const ran: string[] = [];
        const shipping = gate();
        const order = async (ctx: WorkflowContext, id: string) => {
          await ctx.step('charge', () => ran.push(`charge ${id}`), {
            compensate: () => ran.push(`refund ${id}`),
          });
          await ctx.step('ship', () => shipping.promise);
        };
        const { engine } = makeEngine({}, { store, concurrency: 10 });
        engine.register('order', order as never, { concurrency });
        const start = (id: string) =>
          engine.start(id, 'order', id, { concurrencyKey });
        await start('a');
        // Cancelled once the charge is recorded: compensations are those of recorded steps, and
        // a charge whose record a cancel overtakes is not refunded (README, Compensating).
        await eventually(
          async () =>
            (await store.getWorkflow('a'))?.steps.some(
              (step) => step.kind === 'step' && step.id === 'charge',
            ),
          REFUND_BOUND_MS,
          'the charge of a recorded',
        );
        await start('b');
        await start('c');
        expect(await engine.cancel('a')).toBe(true);

        await eventually(
          () => ran.includes('refund a'),
          REFUND_BOUND_MS,
          'the refund of a',
        );
        expect(ran.slice(0, 2)).toEqual(['charge a', 'refund a']);
        expect(await engine.wait('a', { timeoutMs: REFUND_BOUND_MS })).toBe(
          'cancelled',
        );
        shipping.open();
        for (const id of ['b', 'c'])
          expect(await engine.wait(id, { timeoutMs: REFUND_BOUND_MS })).toBe(
            'finished',
          );
        expect(ran.filter((line) => line.startsWith('refund'))).toEqual([
          'refund a',
        ]);
      },
      30_000,
    );
  });
}

compensationFirst(memoryStoreFactory());
compensationFirst(sqliteStoreFactory());
describePostgres('PostgreSQL', () => compensationFirst(postgresStoreFactory()));
describeMysql('MySQL', () => compensationFirst(mysqlStoreFactory()));
describeEachMongo('MongoDB on $label', (server) =>
  compensationFirst(mongoStoreFactory(server)),
);
