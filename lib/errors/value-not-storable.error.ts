import { LidexError } from './lidex.error';

/** A step result, workflow input or workflow result cannot be stored faithfully. */
export class ValueNotStorableError extends LidexError {}
