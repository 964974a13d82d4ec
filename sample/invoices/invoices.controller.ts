import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { LidexClient } from '@lidex/nestjs';

@Controller('invoices')
export class InvoicesController {
  constructor(private readonly lidex: LidexClient) {}

  /** Starts collecting an invoice; idempotent per invoice. */
  @Post(':invoiceId/collect')
  @HttpCode(202)
  async collect(
    @Param('invoiceId') invoiceId: string,
  ): Promise<{ workflowId: string; started: boolean }> {
    const workflowId = `collect-payment-${invoiceId}`;
    const started = await this.lidex.start(
      workflowId,
      'collect-payment',
      invoiceId,
    );
    return { workflowId, started };
  }
}
