/**
 * Workflows ended by this process (finished, aborted, cancelled), told to whoever waits here for
 * one of them (`result()`), so that a caller learns of an end written here at once instead of at
 * its next look. Only waiters are kept, never outcomes: nothing grows with the workflows run.
 */
export class LocalEnds {
  private readonly watchers = new Map<string, Set<() => void>>();

  /** Calls `onEnd` whenever this process ends workflow `workflowId`; returns the unwatch. */
  watch(workflowId: string, onEnd: () => void): () => void {
    let watchers = this.watchers.get(workflowId);
    if (!watchers) this.watchers.set(workflowId, (watchers = new Set()));
    watchers.add(onEnd);
    return () => {
      watchers.delete(onEnd);
      if (watchers.size === 0) this.watchers.delete(workflowId);
    };
  }

  /** This process has written the end of workflow `workflowId`. */
  ended(workflowId: string): void {
    for (const onEnd of this.watchers.get(workflowId) ?? []) onEnd();
  }
}
