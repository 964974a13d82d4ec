import { InvalidOptionsError } from './invalid-options.error';

/**
 * An option key that has no effect where it was given: a typo, or an option in the wrong place
 * (returned by `useFactory` when it belongs beside it, or the other way round).
 */
export class UnknownOptionError extends InvalidOptionsError {
  constructor(option: string, message: string) {
    super(option, undefined, '');
    this.message = message;
  }
}
