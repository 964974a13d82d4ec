import { Injectable } from '@nestjs/common';
import { defineWorkflow, Workflow, type WorkflowContext } from '@lidex/nestjs';
import { AccountRepository } from '../accounts/account.repository';
import { BlockAccount } from '../accounts/block-account.workflow';
import { sampleConfig } from '../sample.config';
import { InvoiceRepository } from './invoice.repository';
import { PaymentApi } from './payment.api';

/** What the payment provider's webhook says about a capture (`PaymentWebhookController`). */
export interface PaymentConfirmation {
  status: 'succeeded' | 'failed';
}

/** The signal the webhook sends to the invoice's collect-payment workflow. */
export const PAYMENT_CONFIRMED = 'payment-confirmed';

export type CollectPaymentResult =
  | { outcome: 'paid'; attempts: number }
  | { outcome: 'already-paid' | 'no-invoice' | 'no-account' }
  | { outcome: 'account-blocked'; blockWorkflowId: string; blocked: string };

/**
 * The workflow's name with its input (the invoice id) and result types: `@Workflow` below and
 * `LidexClient.start`/`get`/`wait` take it, so the compiler checks both sides.
 */
export const CollectPayment = defineWorkflow<string, CollectPaymentResult>(
  'collect-payment',
);

/** The original Lidex example, as a Nest provider. */
@Injectable()
export class CollectPaymentWorkflow {
  constructor(
    private readonly invoices: InvoiceRepository,
    private readonly accounts: AccountRepository,
    private readonly payments: PaymentApi,
  ) {}

  @Workflow(CollectPayment)
  async collectPayment(
    ctx: WorkflowContext,
    invoiceId: string,
  ): Promise<CollectPaymentResult> {
    const invoice = await ctx.step('find-invoice', () =>
      this.invoices.find(invoiceId),
    );
    if (!invoice) return { outcome: 'no-invoice' };
    if (invoice.paid) return { outcome: 'already-paid' };

    const account = await ctx.step('find-account', () =>
      this.accounts.find(invoice.accountId),
    );
    if (!account) return { outcome: 'no-account' };

    // Which attempt's capture the provider confirmed: the one money was taken by.
    let confirmed: number | undefined;
    // Try to capture the payment up to 3 times.
    for (let i = 0; i < 3; i++) {
      // A provider error is retried once, half a second later, under the same idempotency key
      // (the provider applies a key once); a declined card is an answer, not an error. If the
      // workflow is aborted or cancelled later, the confirmed capture is refunded (`compensate`;
      // a replay of the recorded steps sets `confirmed` again before compensations run).
      const success = await ctx.step(
        `capture-payment-${i}`,
        ({ idempotencyKey }) =>
          this.payments.capture(
            account.paymentToken,
            invoice.amount,
            idempotencyKey,
          ),
        {
          retry: { attempts: 2, initialIntervalMs: 500 },
          compensate: (_captured: boolean, { idempotencyKey }) =>
            confirmed === i
              ? this.payments.refund(
                  account.paymentToken,
                  invoice.amount,
                  idempotencyKey,
                )
              : Promise.resolve(false),
        },
      );
      // The provider confirms a capture later, by webhook; no answer in time is a failed attempt.
      const confirmation = success
        ? await ctx.waitForSignal<PaymentConfirmation>(
            `confirmation-${i}`,
            PAYMENT_CONFIRMED,
            { timeoutMs: sampleConfig.paymentConfirmationTimeoutMs },
          )
        : null;
      if (confirmation?.status === 'succeeded') {
        confirmed = i;
        // Tried 3 times a run; a run that cannot mark it fails the workflow, and once it has
        // failed `maxFailures` times it is aborted and the capture above refunded.
        await ctx.step(
          'mark-invoice-as-paid',
          () => this.invoices.markAsPaid(invoice.id),
          { retry: { attempts: 3, initialIntervalMs: 1_000 } },
        );
        return { outcome: 'paid', attempts: i + 1 };
      }
      // A day between attempts (`npm start` makes it 2 s for the demo).
      await ctx.sleep(`sleep-${i}`, sampleConfig.paymentRetryDelayMs);
    }

    // Block the account in a child workflow, wait for it and report what it did. The child's id
    // comes from this workflow's, so collecting the invoice again starts a child of its own.
    const blockWorkflowId = `${ctx.workflowId}-block-account`;
    const { blocked } = await ctx.executeChild(
      'block-account',
      BlockAccount,
      account.id,
      { workflowId: blockWorkflowId },
    );
    return { outcome: 'account-blocked', blockWorkflowId, blocked };
  }
}
