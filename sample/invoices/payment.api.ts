import { Injectable, Logger } from '@nestjs/common';
import { sampleConfig } from '../sample.config';

/** A stand-in for a payment provider: slow, and it declines token `tok_declined`. */
@Injectable()
export class PaymentApi {
  private readonly logger = new Logger(PaymentApi.name);

  async capture(paymentToken: string, amount: number): Promise<boolean> {
    await new Promise((resolve) =>
      setTimeout(resolve, sampleConfig.captureDelayMs),
    );
    const success = paymentToken !== 'tok_declined';
    this.logger.log(
      `Capture of ${amount} with ${paymentToken}: ${success ? 'ok' : 'declined'}`,
    );
    return success;
  }
}
