/**
 * This store's lease-fenced writes still awaiting the server's answer, by workflow. On a server
 * that applies a conditional update as read-then-write (FerretDB 1.x), such a write can land
 * after a cancel and write the workflow back over it; a cancel waits for this store's own
 * writes of that workflow to settle before it checks again.
 */
export class WritesInFlight {
  private readonly writes = new Map<string, Set<Promise<unknown>>>();

  /** Runs `write`, remembered under `workflowId` until it settles. */
  track<T>(workflowId: string, write: () => Promise<T>): Promise<T> {
    const promise = write();
    let pending = this.writes.get(workflowId);
    if (!pending) this.writes.set(workflowId, (pending = new Set()));
    pending.add(promise);
    const forget = () => {
      pending.delete(promise);
      if (pending.size === 0 && this.writes.get(workflowId) === pending) {
        this.writes.delete(workflowId);
      }
    };
    promise.then(forget, forget);
    return promise;
  }

  /** Resolves once every write of `workflowId` sent before this call has settled. */
  async settled(workflowId: string): Promise<void> {
    const pending = this.writes.get(workflowId);
    if (pending) await Promise.allSettled([...pending]);
  }
}
