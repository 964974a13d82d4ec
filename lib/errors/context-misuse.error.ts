import { LidexError } from './lidex.error';

/**
 * The workflow's code used its context in a way that cannot be recorded: a ctx call it did not
 * await, or one made after the workflow had returned.
 */
export class ContextMisuseError extends LidexError {}
