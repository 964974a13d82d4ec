import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';
import type { SignalDelivery, StoredStep } from '../stores/persistence';
import { decodeValue, encodeValue } from './codec';

/*
 * What the engine records of signals, as steps of kind `signal` (ids it chooses):
 * - `<wait id>`: the signal a wait consumed (`{ name, seq, payload }`, payload encoded), or
 *   `{ timedOut: true }`;
 * - `lidex:until:<wait id>`: a wait's timeout (`wakeAt`), stored before the wait first releases,
 *   so that a restart or a wake for another signal does not start the timeout again;
 * - `lidex:sent:<id>`: what `ctx.signal()` was answered, so a replay sends nothing again.
 */

/** Names and ids starting with this are Lidex's own (a child's end, a wait's timeout). */
export const RESERVED_PREFIX = 'lidex:';
export const UNTIL_PREFIX = 'lidex:until:';
export const SENT_PREFIX = 'lidex:sent:';

export type WaitOutcome =
  { name: string; seq: number; payload: string } | { timedOut: true };

export interface SentOutcome {
  to: string;
  name: string;
  delivery: SignalDelivery;
}

export const encodeRecord = (value: WaitOutcome | SentOutcome): string =>
  encodeValue(value, 'a signal record');

export const decodeRecord = <T extends WaitOutcome | SentOutcome>(
  step: StoredStep,
): T => decodeValue<T>(step.result!);

/** A signal name a user may send and wait for. */
export function requireSignalName(call: string, name: unknown): string {
  if (
    typeof name !== 'string' ||
    name.length === 0 ||
    name.startsWith(RESERVED_PREFIX)
  ) {
    throw new InvalidArgumentError(messages.signalNameInvalid(call, name));
  }
  return name;
}

/**
 * The signal id `ctx.signal()` sends under: derived from the sending workflow and the call's id,
 * so that a replay (or a retry after a crash) is a duplicate, never a second signal.
 */
export const sentSignalId = (workflowId: string, id: string): string =>
  `${SENT_PREFIX}${workflowId.length}:${workflowId}:${id}`;
