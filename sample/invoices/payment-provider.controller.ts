import { Controller, Delete, Post } from '@nestjs/common';
import { PaymentApi } from './payment.api';

/**
 * Switches a simulated outage of the payment provider on and off, to watch workflows fail,
 * abort after `maxFailures`, and finish when retried from the dashboard once it is over.
 */
@Controller('payment-provider/outage')
export class PaymentProviderController {
  constructor(private readonly payments: PaymentApi) {}

  @Post()
  start(): { outage: boolean } {
    this.payments.outage = true;
    return { outage: true };
  }

  @Delete()
  end(): { outage: boolean } {
    this.payments.outage = false;
    return { outage: false };
  }
}
