import { LidexError } from './lidex.error';

/** An argument to a Lidex call (an id, a duration) is not usable. */
export class InvalidArgumentError extends LidexError {}
