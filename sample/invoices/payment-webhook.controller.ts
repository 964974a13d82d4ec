import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  Headers,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { LidexClient, WorkflowNotFoundError } from '@lidex/nestjs';
import {
  PAYMENT_CONFIRMED,
  type PaymentConfirmation,
} from './collect-payment.workflow';

/**
 * The payment provider's confirmation webhook: it signals the invoice's collect-payment
 * workflow, which waits for it after each capture. The provider's delivery id (a header) is the
 * signal id, so a webhook delivered twice is stored once.
 */
@Controller('webhooks/payments')
export class PaymentWebhookController {
  constructor(private readonly lidex: LidexClient) {}

  @Post(':invoiceId')
  @HttpCode(200)
  async confirm(
    @Param('invoiceId') invoiceId: string,
    @Body() body: { status?: unknown } | undefined,
    @Headers('x-delivery-id') deliveryId?: string,
  ): Promise<{ delivered: boolean }> {
    const status = body?.status;
    if (status !== 'succeeded' && status !== 'failed') {
      throw new BadRequestException('status must be "succeeded" or "failed"');
    }
    const confirmation: PaymentConfirmation = { status };
    try {
      const delivered = await this.lidex.signal(
        `collect-payment-${invoiceId}`,
        PAYMENT_CONFIRMED,
        confirmation,
        deliveryId ? { signalId: deliveryId } : undefined,
      );
      return { delivered };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        throw new NotFoundException(
          `No payment is being collected for invoice ${invoiceId}`,
        );
      }
      throw error;
    }
  }
}
