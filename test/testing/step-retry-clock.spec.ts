import { join } from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  defineWorkflow,
  LidexClient,
  LidexModule,
  MemoryStore,
  NonRetryableError,
  type Persistence,
  Workflow,
  type WorkflowContext,
} from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { ManualClock } from '@lidex/nestjs/testing';
import { tempDir } from '../support/temp-dir';

const MINUTE = 60_000;

/** A payment API that declines the first calls, then accepts; it notes what it was sent. */
@Injectable()
class PaymentGateway {
  failuresLeft = 2;
  refuse?: Error;
  readonly calls: { attempt: number; key: string; at: number }[] = [];
  constructor(private readonly clock: ManualClock) {}

  charge(attempt: number, key: string): Promise<string> {
    this.calls.push({ attempt, key, at: this.clock.now() });
    if (this.refuse) return Promise.reject(this.refuse);
    if (this.failuresLeft-- > 0)
      return Promise.reject(new Error(`gateway busy (${attempt})`));
    return Promise.resolve(`receipt-${attempt}`);
  }
}

const Charge = defineWorkflow<
  string,
  { receipt: string } | { declined: string }
>('charge-card');

@Injectable()
class ChargeWorkflow {
  constructor(private readonly gateway: PaymentGateway) {}

  @Workflow(Charge)
  async charge(ctx: WorkflowContext, orderId: string) {
    try {
      const receipt = await ctx.step(
        `charge-${orderId}`,
        ({ attempt, idempotencyKey }) =>
          this.gateway.charge(attempt, idempotencyKey),
        {
          retry: {
            attempts: 4,
            initialIntervalMs: MINUTE,
            backoffCoefficient: 2,
            jitter: 0,
          },
        },
      );
      return { receipt };
    } catch (error) {
      return { declined: (error as Error).message };
    }
  }
}

describe.each([
  ['memory', (): Persistence => new MemoryStore()],
  [
    'sqlite',
    (dir: string): Persistence =>
      new SqliteStore({ path: join(dir, 'lidex.sqlite') }),
  ],
])('a step retried on the manual clock (%s store)', (_label, makeStore) => {
  const dir = tempDir('lidex-step-retry-');
  afterAll(() => dir.remove());

  async function boot(clock: ManualClock) {
    const gateway = new PaymentGateway(clock);
    @Module({
      providers: [
        ChargeWorkflow,
        { provide: PaymentGateway, useValue: gateway },
      ],
    })
    class PaymentsModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        LidexModule.forRoot({ persistence: makeStore(dir.path), clock }),
        PaymentsModule,
      ],
    }).compile();
    const app = await moduleRef.createNestApplication({ logger: false }).init();
    return { app, lidex: app.get(LidexClient), gateway };
  }

  it('retries a step that throws twice after one, then two minutes, and finishes with the third result', async () => {
    const clock = new ManualClock(new Date('2030-01-01T09:00:00Z'));
    const { app, lidex, gateway } = await boot(clock);
    try {
      await lidex.start('order-1', Charge, '1');
      await clock.runDue();
      expect(gateway.calls.map((call) => call.attempt)).toEqual([1]);
      // The backoff (a minute, longer than sleepInMemoryMaxMs) released the workflow durably.
      expect((await lidex.get('order-1', Charge))?.readyAt?.toISOString()).toBe(
        '2030-01-01T09:01:00.000Z',
      );

      await clock.advance(MINUTE - 1);
      expect(gateway.calls).toHaveLength(1);
      await clock.advance(1);
      expect(gateway.calls.map((call) => call.attempt)).toEqual([1, 2]);
      await clock.advance(2 * MINUTE);
      expect(gateway.calls.map((call) => call.attempt)).toEqual([1, 2, 3]);

      const order = await lidex.get('order-1', Charge);
      expect(order?.status).toBe('finished');
      expect(order?.result).toEqual({ receipt: 'receipt-3' });
      expect(order?.failures).toBe(0);
      const step = order!.steps.find((s) => s.id === 'charge-1')!;
      expect(step.result).toBe('receipt-3');
      expect(
        step.attempts!.map((a) => ({
          attempt: a.attempt,
          error: a.error?.message,
          startedAt: a.startedAt.toISOString(),
        })),
      ).toEqual([
        {
          attempt: 1,
          error: 'gateway busy (1)',
          startedAt: '2030-01-01T09:00:00.000Z',
        },
        {
          attempt: 2,
          error: 'gateway busy (2)',
          startedAt: '2030-01-01T09:01:00.000Z',
        },
        { attempt: 3, error: undefined, startedAt: '2030-01-01T09:03:00.000Z' },
      ]);
      // One key for every attempt: the payment API sees one payment, however often it is retried.
      expect(new Set(gateway.calls.map((call) => call.key)).size).toBe(1);
      expect(gateway.calls[0].key).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      );
    } finally {
      await app.close();
    }
  });

  it('hands the workflow the error of a NonRetryableError at once, which it may catch', async () => {
    const clock = new ManualClock(new Date('2030-01-01T09:00:00Z'));
    const { app, lidex, gateway } = await boot(clock);
    try {
      gateway.refuse = new NonRetryableError('card expired');
      await lidex.start('order-2', Charge, '2');
      await clock.runDue();
      const order = await lidex.get('order-2', Charge);
      expect(order?.status).toBe('finished');
      expect(order?.result).toEqual({ declined: 'card expired' });
      expect(gateway.calls).toHaveLength(1);
      const step = order!.steps.find((s) => s.id === 'charge-2')!;
      expect(step.attempts!.map((a) => a.error?.message)).toEqual([
        'card expired',
      ]);
    } finally {
      await app.close();
    }
  });
});
