import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { CollectPaymentWorkflow } from './collect-payment.workflow';
import { InvoiceRepository } from './invoice.repository';
import { InvoicesController } from './invoices.controller';
import { PaymentApi } from './payment.api';

@Module({
  imports: [AccountsModule],
  providers: [InvoiceRepository, PaymentApi, CollectPaymentWorkflow],
  controllers: [InvoicesController],
})
export class InvoicesModule {}
