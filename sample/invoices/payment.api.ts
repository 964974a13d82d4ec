import { Injectable, Logger } from '@nestjs/common';
import { sampleConfig } from '../sample.config';

/**
 * A stand-in for a payment provider: slow, it declines token `tok_declined`, and during an
 * outage (switched by PaymentProviderController) every capture throws.
 */
@Injectable()
export class PaymentApi {
  private readonly logger = new Logger(PaymentApi.name);
  outage = false;

  /** `idempotencyKey`: the same on every retry of one capture (a real provider applies it once). */
  async capture(
    paymentToken: string,
    amount: number,
    idempotencyKey?: string,
  ): Promise<boolean> {
    await new Promise((resolve) =>
      setTimeout(resolve, sampleConfig.captureDelayMs),
    );
    if (this.outage)
      throw new Error('Payment provider unavailable (outage switched on)');
    const success = paymentToken !== 'tok_declined';
    this.logger.log(
      `Capture of ${amount} with ${paymentToken} (key ${idempotencyKey}): ${success ? 'ok' : 'declined'}`,
    );
    return success;
  }

  /**
   * Gives `amount` back to the card a capture took it from. `idempotencyKey`: the same on every
   * retry of one refund, so a refund retried after a crash is applied once.
   */
  async refund(
    paymentToken: string,
    amount: number,
    idempotencyKey?: string,
  ): Promise<boolean> {
    await new Promise((resolve) =>
      setTimeout(resolve, sampleConfig.captureDelayMs),
    );
    if (this.outage)
      throw new Error('Payment provider unavailable (outage switched on)');
    this.logger.log(
      `Refund of ${amount} to ${paymentToken} (key ${idempotencyKey})`,
    );
    return true;
  }
}
