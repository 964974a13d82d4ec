import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { CollectPaymentWorkflow } from './collect-payment.workflow';
import { InvoiceRepository } from './invoice.repository';
import { InvoicesController } from './invoices.controller';
import { PaymentApi } from './payment.api';
import { PaymentProviderController } from './payment-provider.controller';
import { PaymentWebhookController } from './payment-webhook.controller';

@Module({
  imports: [AccountsModule],
  providers: [InvoiceRepository, PaymentApi, CollectPaymentWorkflow],
  controllers: [
    InvoicesController,
    PaymentProviderController,
    PaymentWebhookController,
  ],
})
export class InvoicesModule {}
