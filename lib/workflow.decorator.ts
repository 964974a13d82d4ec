import { SetMetadata } from '@nestjs/common';
import { InvalidArgumentError } from './errors/invalid-argument.error';
import { LIDEX_WORKFLOW_METADATA } from './lidex.constants';
import { messages } from './lidex.messages';

/**
 * Marks a provider method as the workflow `name`. The method receives the workflow context and
 * the input given to `LidexClient.start`, and returns the workflow's result:
 *
 * ```ts
 * @Workflow('collect-payment')
 * async collectPayment(ctx: WorkflowContext, invoiceId: string): Promise<void> { ... }
 * ```
 *
 * The provider must be a singleton (the default scope). `LidexModule` finds these methods when
 * the app starts; names must be unique in the app.
 */
export function Workflow(name: string): MethodDecorator {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError(
      messages.invalidId('@Workflow() name', name),
    );
  }
  return SetMetadata(LIDEX_WORKFLOW_METADATA, name);
}
