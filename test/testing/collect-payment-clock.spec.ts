import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Test } from '@nestjs/testing';
import {
  LidexClient,
  LidexModule,
  MemoryStore,
  type Persistence,
} from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { ManualClock } from '@lidex/nestjs/testing';
import { BlockAccount } from '../../sample/accounts/block-account.workflow';
import { CollectPayment } from '../../sample/invoices/collect-payment.workflow';
import { InvoicesModule } from '../../sample/invoices/invoices.module';
import { PaymentApi } from '../../sample/invoices/payment.api';
import { reportFigures } from '../support/figures';
import { tempDir } from '../support/temp-dir';

const DAY = 24 * 60 * 60 * 1000;

/**
 * The "done when": the sample's collect-payment workflow, with its real one-day sleeps
 * between three attempts, runs to account-blocked on the manual clock, as the README shows.
 */
describe.each([
  ['memory', (): Persistence => new MemoryStore()],
  [
    'sqlite',
    (dir: string): Persistence =>
      new SqliteStore({ path: join(dir, 'lidex.sqlite') }),
  ],
])('collect-payment on the manual clock (%s store)', (label, makeStore) => {
  const dir = tempDir('lidex-clock-');
  afterAll(() => dir.remove());

  it('blocks the account after three attempts a day apart, in well under a second', async () => {
    const clock = new ManualClock(new Date('2030-01-01T09:00:00Z'));
    const moduleRef = await Test.createTestingModule({
      imports: [
        LidexModule.forRoot({ persistence: makeStore(dir.path), clock }),
        InvoicesModule,
      ],
    })
      .overrideProvider(PaymentApi)
      .useValue({ capture: () => Promise.resolve(false) })
      .compile();
    const app = await moduleRef.createNestApplication({ logger: false }).init();
    try {
      const lidex = app.get(LidexClient);
      const started = performance.now();
      await lidex.start('collect-payment-13', CollectPayment, '13');
      await clock.advance(3 * DAY);
      const wallMs = performance.now() - started;

      const payment = await lidex.get('collect-payment-13', CollectPayment);
      expect(payment?.status).toBe('finished');
      // block-account ran as a child, and the parent reports its result.
      expect(payment?.result).toEqual({
        outcome: 'account-blocked',
        blockWorkflowId: 'collect-payment-13-block-account',
        blocked: 'acc-13',
      });
      expect(payment?.children).toEqual([
        {
          workflowId: 'collect-payment-13-block-account',
          name: 'block-account',
          parentClose: 'cancel',
        },
      ]);
      const sleeps = payment!.steps.filter((step) => step.kind === 'sleep');
      expect(sleeps.map((sleep) => sleep.id)).toEqual([
        'sleep-0',
        'sleep-1',
        'sleep-2',
      ]);
      for (const sleep of sleeps) {
        expect(sleep.wakeAt!.getTime() - sleep.recordedAt.getTime()).toBe(DAY);
      }
      // Each attempt ran when the day before it was over: on the clock, not on the wall.
      expect(sleeps[2].wakeAt!.toISOString()).toBe('2030-01-04T09:00:00.000Z');
      expect(payment!.updatedAt.toISOString()).toBe('2030-01-04T09:00:00.000Z');
      const block = await lidex.get(
        'collect-payment-13-block-account',
        BlockAccount,
      );
      expect(block).toMatchObject({
        status: 'finished',
        result: { blocked: 'acc-13' },
        parent: { workflowId: 'collect-payment-13', parentClose: 'cancel' },
      });
      expect(block!.updatedAt.toISOString()).toBe('2030-01-04T09:00:00.000Z');

      // Measured (tens of ms); the bound leaves a loaded machine a wide margin.
      reportFigures(`collect-payment on the manual clock (${label})`, {
        wallMs: Math.round(wallMs),
      });
      process.stdout.write(
        `collect-payment, three days on the manual clock (${label}): ${wallMs.toFixed(1)} ms of wall time\n`,
      );
      expect(wallMs).toBeLessThan(1_000);
    } finally {
      await app.close();
    }
  });

  const bootCapturing = async () => {
    const clock = new ManualClock(new Date('2030-01-01T09:00:00Z'));
    const moduleRef = await Test.createTestingModule({
      imports: [
        LidexModule.forRoot({ persistence: makeStore(dir.path), clock }),
        InvoicesModule,
      ],
    })
      .overrideProvider(PaymentApi)
      .useValue({ capture: () => Promise.resolve(true) })
      .compile();
    const app = await moduleRef.createNestApplication({ logger: false }).init();
    return { clock, app, lidex: app.get(LidexClient) };
  };

  it('counts a capture the provider never confirms as failed: each waits a day, then the account is blocked', async () => {
    const { clock, app, lidex } = await bootCapturing();
    try {
      // Invoice 13 collected again (on SQLite, in the store where collect-payment-13 blocked its
      // account): this collection runs a child of its own.
      await lidex.start('unconfirmed-13', CollectPayment, '13');
      await clock.advance(6 * DAY - 1);
      expect((await lidex.get('unconfirmed-13'))?.status).toBe('running');
      await clock.advance(1);
      const payment = await lidex.get('unconfirmed-13', CollectPayment);
      expect(payment?.result).toEqual({
        outcome: 'account-blocked',
        blockWorkflowId: 'unconfirmed-13-block-account',
        blocked: 'acc-13',
      });
      const waits = payment!.steps.filter((step) => step.kind === 'signal');
      expect(waits.map((wait) => [wait.id, wait.result])).toEqual([
        ['confirmation-0', null],
        ['confirmation-1', null],
        ['confirmation-2', null],
      ]);
      expect(payment!.updatedAt.toISOString()).toBe('2030-01-07T09:00:00.000Z');
    } finally {
      await app.close();
    }
  });

  it('marks the invoice paid when the webhook confirms the capture, hours later', async () => {
    const { clock, app, lidex } = await bootCapturing();
    try {
      await lidex.start('confirmed-42', CollectPayment, '42');
      await clock.advance(5 * 60 * 60 * 1000);
      const waiting = await lidex.get('confirmed-42');
      expect(waiting?.waitingFor).toEqual({
        kind: 'signal',
        name: 'payment-confirmed',
        until: new Date('2030-01-02T09:00:00.000Z'),
      });
      expect(
        await lidex.signal('confirmed-42', 'payment-confirmed', {
          status: 'succeeded',
        }),
      ).toBe(true);
      // The signal wakes the worker at once: no time passes on the clock.
      await clock.advance(0);
      const paid = await lidex.get('confirmed-42', CollectPayment);
      expect(paid?.result).toEqual({ outcome: 'paid', attempts: 1 });
      expect(paid?.updatedAt.toISOString()).toBe('2030-01-01T14:00:00.000Z');
    } finally {
      await app.close();
    }
  });
});
