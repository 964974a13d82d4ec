import { LidexError } from './lidex.error';

/**
 * A step's attempt ran past the step's `timeoutMs`: its `signal` was aborted with this error and
 * the attempt counts as failed (retried when the policy allows).
 */
export class StepTimeoutError extends LidexError {}
