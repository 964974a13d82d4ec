import { ContextMisuseError } from '../errors/context-misuse.error';
import { messages } from '../lidex.messages';
import { type LazyText, textOf } from './lazy-text';
import { describeError } from './workflow-error';
import type { LidexLogger } from './types';

/**
 * A promise that notes when the workflow's code uses it: `await`, `then`, `catch`, `finally` and
 * `Promise.all` and its kind all call `then` on a promise of a subclass. Promises derived from it
 * are plain ones.
 */
class ObservedPromise<T> extends Promise<T> {
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  observed = false;

  override then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.observed = true;
    return super.then(onFulfilled, onRejected);
  }
}

/**
 * Attaches handlers without counting as the workflow's code using the promise; the promise it
 * returns is a plain one.
 */
const quietly = (
  promise: Promise<unknown>,
  onFulfilled: () => void,
  onRejected: (error: unknown) => void,
): Promise<void> =>
  Promise.prototype.then.call(
    promise,
    onFulfilled,
    onRejected,
  ) as Promise<void>;

interface Call {
  /** The call as the code wrote it (`ctx.step("a")`), built when a message needs it. */
  what: LazyText;
  promise: ObservedPromise<unknown>;
  /** Settles when the call has, whatever its outcome. */
  done: Promise<void>;
  settled: boolean;
  failure?: string;
}

/**
 * Every call a workflow's code makes on its `ctx`, tracked, so that a call the code did not
 * await, or one made after it returned, is a clear `ContextMisuseError` rather than an unhandled
 * rejection (which ends the process), a side effect left unrecorded, or a call that never
 * settles. Internal: the code sees only the facade (`workflow-context.ts`).
 */
export class ContextCalls {
  private readonly calls: Call[] = [];
  private state: 'running' | 'returned' | 'closed' = 'running';
  private late?: ContextMisuseError;

  constructor(
    private readonly workflowId: string,
    private readonly logger: LidexLogger,
  ) {}

  /**
   * The workflow's code has settled: later calls are refused. Resolves once every call made
   * before has settled (a call still running has its result recorded; a halted run's never do,
   * so race this with the run's halt).
   */
  async returned(): Promise<void> {
    this.state = 'returned';
    while (this.calls.some((call) => !call.settled)) {
      await Promise.all(this.calls.map((call) => call.done));
    }
  }

  /** The first misuse: a call the code never used, or one made after it returned. */
  misuse(): ContextMisuseError | undefined {
    const unused = this.calls.find((call) => !call.promise.observed);
    if (unused) {
      return new ContextMisuseError(
        messages.ctxCallNotAwaited(
          this.workflowId,
          textOf(unused.what),
          unused.failure,
        ),
      );
    }
    return this.late;
  }

  /** The run's outcome is written: a late call can now only be refused and logged. */
  close(): void {
    this.state = 'closed';
  }

  /** Runs a call of the workflow's code, tracked; refused once the code has returned. */
  track<T>(what: LazyText, call: () => Promise<T>): Promise<T> {
    if (this.state !== 'running') return this.refuse(what);
    const promise = new ObservedPromise<T>((resolve, reject) => {
      call().then(resolve, reject);
    });
    const tracked: Call = {
      what,
      promise,
      done: Promise.resolve(),
      settled: false,
    };
    // Handled from the start: a rejection the code never awaits must not end the process.
    tracked.done = quietly(
      promise,
      () => {
        tracked.settled = true;
      },
      (error) => {
        tracked.settled = true;
        tracked.failure = describeError(error);
      },
    );
    this.calls.push(tracked);
    return promise;
  }

  private refuse<T>(what: LazyText): Promise<T> {
    const error = new ContextMisuseError(
      messages.ctxCallAfterEnd(this.workflowId, textOf(what)),
    );
    this.logger.error(error.message);
    if (this.state === 'returned') this.late ??= error;
    const refused = new ObservedPromise<T>((_resolve, reject) => reject(error));
    void quietly(
      refused,
      () => undefined,
      () => undefined,
    );
    return refused;
  }
}
