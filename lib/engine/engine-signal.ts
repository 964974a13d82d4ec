import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { WorkflowNotFoundError } from '../errors/workflow-not-found.error';
import { messages } from '../lidex.messages';
import type {
  NewSignal,
  Persistence,
  SignalDelivery,
} from '../stores/persistence';
import { requireWorkflowId } from './arguments';
import type { StoredValues } from './payloads/stored-values';
import type { LifecycleEmitter } from './lifecycle-emitter';
import { requireSignalName } from './signal-records';

/** Options of `signal()`. */
export interface SignalOptions {
  /**
   * Unique per workflow: a signal sent again with the same id (a retried webhook) is stored once.
   * @default a fresh UUID
   */
  signalId?: string;
}

/** A workflow to signal: its id, or anything that carries it (a child's handle). */
export type SignalTarget = string | { readonly workflowId: string };

export interface SignalDependencies {
  store: Persistence;
  values: StoredValues;
  now: () => number;
  /** A signal was stored: this process's worker looks for work at once (it may have woken one). */
  delivered: () => void;
  /** Where the `signalled` event goes. */
  events: LifecycleEmitter;
}

/**
 * Stores a signal (already checked and encoded) and wakes this worker when it was delivered.
 * The engine's own way in, for `client.signal()`, `ctx.signal()` and a child's end alike.
 */
export async function deliverSignal(
  deps: SignalDependencies,
  signal: Omit<NewSignal, 'now'>,
): Promise<SignalDelivery> {
  const delivery = await deps.store.sendSignal({ ...signal, now: deps.now() });
  if (delivery === 'delivered') {
    deps.events.emit('signalled', () => ({
      workflowId: signal.workflowId,
      at: deps.now(),
      signal: signal.name,
      signalId: signal.signalId,
      ...(deps.events.payloads
        ? {
            payload: deps.values.decode(signal.payload, {
              workflowId: signal.workflowId,
              field: 'signal',
              name: signal.name,
            }),
          }
        : {}),
    }));
    deps.delivered();
  }
  return delivery;
}

/** `signal()`: checks its arguments, encodes the payload, sends; `true` when delivered. */
export async function sendSignal(
  deps: SignalDependencies,
  target: SignalTarget,
  name: string,
  payload: unknown,
  options: SignalOptions | undefined,
): Promise<boolean> {
  const workflowId =
    typeof target === 'object' && target !== null ? target.workflowId : target;
  requireWorkflowId(workflowId);
  requireSignalName('signal()', name);
  if (options !== undefined && (typeof options !== 'object' || !options)) {
    throw new InvalidArgumentError(
      messages.signalOptionsInvalid(
        'signal()',
        options,
        'an object such as { signalId }',
      ),
    );
  }
  const signalId = options?.signalId ?? randomUUID();
  if (typeof signalId !== 'string' || signalId.length === 0) {
    throw new InvalidArgumentError(
      messages.invalidId('signal() option signalId', signalId),
    );
  }
  const what = `payload of signal ${JSON.stringify(name)} to workflow ${JSON.stringify(workflowId)}`;
  const encoded = deps.values.encode(
    payload,
    { workflowId, field: 'signal', name },
    what,
    deps.store.maxValueBytes,
  );
  const delivery = await deliverSignal(deps, {
    workflowId,
    name,
    payload: encoded,
    signalId,
  });
  if (delivery === 'not-found') throw new WorkflowNotFoundError(workflowId);
  return delivery !== 'ended';
}
