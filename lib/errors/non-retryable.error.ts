/**
 * Thrown by a step's function for a failure that another attempt cannot mend (a card declined,
 * a request the API refuses as invalid): the step is not retried, whatever its retry policy, and
 * the error reaches the workflow's code at once. `cause` keeps the error it wraps, if any.
 */
export class NonRetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
