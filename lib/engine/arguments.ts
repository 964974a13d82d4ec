import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';

/** Ids reach stores as strings only: an object here could become a query operator. */
export function requireWorkflowId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new InvalidArgumentError(messages.invalidId('A workflow id', id));
  }
}

/** A workflow name: a string with something other than whitespace in it. */
export function requireWorkflowName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError(messages.invalidId('A workflow name', name));
  }
  if (name.trim().length === 0) {
    throw new InvalidArgumentError(messages.blankId('A workflow name', name));
  }
}
