import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import {
  LidexClient,
  LidexModule,
  MemoryStore,
  type Persistence,
} from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { ManualClock } from '@lidex/nestjs/testing';
import {
  CollectPayment,
  PAYMENT_CONFIRMED,
} from '../../sample/invoices/collect-payment.workflow';
import { InvoiceRepository } from '../../sample/invoices/invoice.repository';
import { InvoicesModule } from '../../sample/invoices/invoices.module';
import { PaymentApi } from '../../sample/invoices/payment.api';
import { tempDir } from '../support/temp-dir';

const MINUTE = 60 * 1000;

/** The invoices of the sample, except that marking one paid always fails (a database down). */
class BrokenInvoices extends InvoiceRepository {
  override markAsPaid(): void {
    throw new Error('invoices database unavailable');
  }
}

/**
 * The "the sample refunds a captured payment when marking the invoice paid fails for
 * good": collect-payment's capture has a compensation that refunds it, and the workflow aborts
 * once marking the invoice paid has failed its attempts in every run (`maxFailures`).
 */
describe.each([
  ['memory', (): Persistence => new MemoryStore()],
  [
    'sqlite',
    (dir: string): Persistence =>
      new SqliteStore({ path: join(dir, 'lidex.sqlite') }),
  ],
])('collect-payment refunds (%s store)', (_label, makeStore) => {
  const dir = tempDir('lidex-refund-');
  afterAll(() => dir.remove());

  it('refunds the confirmed capture once when marking the invoice paid fails for good', async () => {
    const clock = new ManualClock(new Date('2030-01-01T09:00:00Z'));
    const captures: string[] = [];
    const refunds: { token: string; amount: number; key?: string }[] = [];
    const payments = {
      capture: (_token: string, _amount: number, key?: string) => {
        captures.push(key ?? '');
        return Promise.resolve(true);
      },
      refund: (token: string, amount: number, key?: string) => {
        refunds.push({ token, amount, key });
        return Promise.resolve(true);
      },
    };
    const moduleRef = await Test.createTestingModule({
      imports: [
        LidexModule.forRoot({
          persistence: makeStore(dir.path),
          clock,
          retryIntervalMs: MINUTE,
        }),
        InvoicesModule,
      ],
    })
      .overrideProvider(PaymentApi)
      .useValue(payments)
      .overrideProvider(InvoiceRepository)
      .useValue(new BrokenInvoices())
      .compile();
    const app = await moduleRef.createNestApplication({ logger: false }).init();
    try {
      const lidex = app.get(LidexClient);
      await lidex.start('refund-42', CollectPayment, '42');
      await clock.advance(MINUTE);
      expect(
        await lidex.signal('refund-42', PAYMENT_CONFIRMED, {
          status: 'succeeded',
        }),
      ).toBe(true);
      // Each run tries to mark the invoice paid a few times, then fails; three runs abort it.
      for (let i = 0; i < 20; i++) {
        const status = (await lidex.get('refund-42'))?.status;
        if (status === 'aborted') break;
        await clock.advance(MINUTE);
      }
      const payment = await lidex.get('refund-42', CollectPayment);
      expect(payment?.status).toBe('aborted');
      expect(payment?.error?.message).toContain(
        'invoices database unavailable',
      );
      expect(payment?.compensations).toEqual([
        expect.objectContaining({
          stepId: 'capture-payment-0',
          status: 'compensated',
        }),
      ]);
      // Marking it paid never succeeded: three attempts in each of the three runs.
      const mark = payment!.steps.find(
        (step) => step.id === 'mark-invoice-as-paid',
      );
      expect(mark?.error?.message).toBe('invoices database unavailable');
      expect(mark?.attempts).toHaveLength(9);
      // One capture, refunded once, for the invoice's amount, to the card it was taken from.
      expect(captures).toHaveLength(1);
      expect(refunds).toEqual([
        { token: 'tok_visa', amount: 420, key: expect.any(String) },
      ]);
      expect(refunds[0].key).not.toBe(captures[0]);
    } finally {
      await app.close();
    }
  });
});
