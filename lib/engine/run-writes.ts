/**
 * The order of one run's store writes. Where the store says it must (`serialWritesPerWorkflow`:
 * a server that applies concurrent conditional updates of one record as read-then-write), they
 * are sent one at a time, in order, so that a lease renewal never races a step write. Elsewhere
 * they may overlap, and this keeps what the run concludes from their answers sound: the lease is
 * counted from the earliest of the lease-setting writes in flight together (one sent earlier may
 * be applied later), and a refused renewal that overlapped the run's other writes is judged only
 * once those have settled (a finish or a release applied first refuses it, rightly).
 */
export class RunWrites {
  private queue: Promise<unknown> = Promise.resolve();
  /** The writes in flight (not renewals). */
  private readonly pending = new Set<Promise<unknown>>();
  /** When each lease-setting write in flight was sent. */
  private readonly leaseSends: number[] = [];

  constructor(private readonly serial: boolean) {}

  /** Sends a write: after those before it when serial, at once otherwise. */
  send<T>(operation: () => Promise<T>): Promise<T> {
    if (this.serial) return this.queued(operation);
    const result = operation();
    this.pending.add(result);
    const done = () => void this.pending.delete(result);
    result.then(done, done);
    return result;
  }

  /** Sends a renewal: queued like any write when serial, never waited for by `settle()`. */
  renew<T>(operation: () => Promise<T>): Promise<T> {
    return this.serial ? this.queued(operation) : operation();
  }

  /** Waits for the writes in flight now (renewals aside); whether there were any. */
  async settle(): Promise<boolean> {
    if (this.pending.size === 0) return false;
    await Promise.allSettled([...this.pending]);
    return true;
  }

  /**
   * A write that sets the lease's expiry, sent at `sentAt`: once the store accepts it, `extend`
   * is given the earliest send time of the lease-setting writes in flight with it.
   */
  async setLease(
    sentAt: number,
    write: () => Promise<boolean>,
    extend: (sentAt: number) => void,
  ): Promise<boolean> {
    this.leaseSends.push(sentAt);
    try {
      const held = await write();
      if (held) extend(Math.min(...this.leaseSends));
      return held;
    } finally {
      this.leaseSends.splice(this.leaseSends.indexOf(sentAt), 1);
    }
  }

  private queued<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
