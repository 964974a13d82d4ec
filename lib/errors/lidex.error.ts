/** Base class of every error Lidex throws, so callers can tell them apart with `instanceof`. */
export class LidexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
