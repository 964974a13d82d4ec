import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  Param,
  Post,
} from '@nestjs/common';
import { LidexClient } from '@lidex/nestjs';
import { CollectPayment } from './collect-payment.workflow';
import { InvoiceRepository } from './invoice.repository';

@Controller('invoices')
export class InvoicesController {
  constructor(
    private readonly lidex: LidexClient,
    private readonly invoices: InvoiceRepository,
  ) {}

  /**
   * Starts collecting an invoice; idempotent per invoice. An optional JSON body `{ "note": "…" }`
   * is kept with the invoice, and so appears in the workflow's `find-invoice` step.
   */
  @Post(':invoiceId/collect')
  @HttpCode(202)
  async collect(
    @Param('invoiceId') invoiceId: string,
    @Body() body?: { note?: unknown },
  ): Promise<{ workflowId: string; started: boolean }> {
    const note = body?.note;
    if (note !== undefined) {
      if (typeof note !== 'string' || note.length > 500)
        throw new BadRequestException(
          'note must be a string of at most 500 characters',
        );
      this.invoices.addNote(invoiceId, note);
    }
    const workflowId = `collect-payment-${invoiceId}`;
    const started = await this.lidex.start(
      workflowId,
      CollectPayment,
      invoiceId,
    );
    return { workflowId, started };
  }
}
