import type { StoreCall } from './counting-store';

/**
 * Knows the moment a workflow's finish is written, by watching the store's calls, so a scenario
 * can time start→finished without polling the store (polling would add its own delay and load).
 */
export class FinishWatch {
  count = 0;
  private readonly waiting = new Map<string, () => void>();
  private readonly done = new Set<string>();
  private countWaiter?: { total: number; resolve: () => void };

  /** Pass to `countingStore(store, watch.onCall)`. */
  readonly onCall = (call: StoreCall): void => {
    if (call.method !== 'recordFinish' || call.result !== true) return;
    const id = String(call.args[0]);
    this.count += 1;
    const waiter = this.waiting.get(id);
    if (waiter) {
      this.waiting.delete(id);
      waiter();
    } else this.done.add(id);
    if (this.countWaiter && this.count >= this.countWaiter.total) {
      this.countWaiter.resolve();
      this.countWaiter = undefined;
    }
  };

  /** Resolves once the workflow's finish is written. */
  finished(id: string): Promise<void> {
    if (this.done.delete(id)) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }

  /** Resolves once `total` finishes have been written in all. */
  allFinished(total: number): Promise<void> {
    if (this.count >= total) return Promise.resolve();
    return new Promise((resolve) => (this.countWaiter = { total, resolve }));
  }
}
