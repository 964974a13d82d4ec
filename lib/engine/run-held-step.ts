import type { StoredStep } from '../stores/persistence';

/** A step record held back: `send` writes it alone, `written` follows its write. */
export interface HeldRecord {
  readonly step: StoredStep;
  /** Writes it alone: `true` when written, `false` or `undefined` when the run stopped. */
  send(): Promise<boolean | undefined>;
  /** Called once it is written, alone or with the finish. */
  written(): void;
}

const NOTHING_HELD = Promise.resolve(true);

/**
 * A run's newest step record, held back from the store until the run's next `ctx` call, its end
 * or the end of the event loop's turn, whichever comes first. A workflow that returns right after
 * its last step then writes that step with its finish, one write in place of two, on a store that
 * takes it (`finishTakesStep`). Meanwhile only the workflow's own code runs, between two calls,
 * and that code has no effects (the README's rule): should the process stop before the write, the
 * step runs again on the next claim, as any step whose record was not written.
 *
 * Anything that follows a step (its next call, an effect, any other end of the run) first
 * `settle()`s: the held record is sent and every record sent is waited for, so nothing moves on
 * before the step is durable.
 */
export class HeldStep {
  private held?: HeldRecord;
  private readonly sending = new Set<Promise<boolean | undefined>>();
  private turnEnd?: NodeJS.Immediate;

  /** Holds `record`; one held before it is sent now. */
  hold(record: HeldRecord): void {
    if (this.held) this.send();
    this.held = record;
    // The code went on to something other than a ctx call (an await of its own): write it then.
    this.turnEnd ??= setImmediate(() => {
      this.turnEnd = undefined;
      this.send();
    });
  }

  /** Sends the held record, if any, and waits for all sent: `false` when one was not written. */
  settle(): Promise<boolean> {
    this.send();
    if (this.sending.size === 0) return NOTHING_HELD;
    if (this.sending.size === 1) {
      const [only] = this.sending;
      return only.then((written) => written === true);
    }
    return Promise.all([...this.sending]).then((written) =>
      written.every((one) => one === true),
    );
  }

  /**
   * The held record, taken to be written with the run's finish (the caller then calls its
   * `written`); those already sent are still `settle()`d first.
   */
  take(): HeldRecord | undefined {
    const { held } = this;
    this.held = undefined;
    return held;
  }

  /** The run halted: the held record is not written (its step runs again on the next claim). */
  drop(): void {
    this.held = undefined;
    if (this.turnEnd) clearImmediate(this.turnEnd);
    this.turnEnd = undefined;
  }

  private send(): void {
    const { held } = this;
    if (!held) return;
    this.held = undefined;
    const sent = held.send().then((written) => {
      if (written === true) held.written();
      return written;
    });
    this.sending.add(sent);
    // A refusal reaches whoever settles (the next call, or the finish); none is left unhandled.
    const done = () => void this.sending.delete(sent);
    sent.then(done, done);
  }
}
