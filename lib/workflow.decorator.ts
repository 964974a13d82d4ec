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
 * The method must be an instance method of a singleton provider (the default scope).
 * `LidexModule` finds these methods when the app starts; names must be unique in the app.
 */
export function Workflow(name: string): MethodDecorator {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError(
      messages.invalidId('@Workflow() name', name),
    );
  }
  if (name.trim().length === 0) {
    throw new InvalidArgumentError(messages.blankWorkflowName(name));
  }
  const setName = SetMetadata(LIDEX_WORKFLOW_METADATA, name);
  return (target, method, descriptor) => {
    // On a static method the target is the class itself, which discovery never looks at.
    if (typeof target === 'function') {
      throw new InvalidArgumentError(
        messages.staticWorkflow(name, `${target.name}.${String(method)}()`),
      );
    }
    setName(target, method, descriptor);
  };
}
