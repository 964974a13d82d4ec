/** Leases remembered at most; beyond, the oldest are forgotten (their writes take the safe path). */
const MAX_HELD = 10_000;

/**
 * The leases this store instance handed out (by a claim, or by creating a workflow already
 * claimed), each with the keys of the steps its workflow had when it was taken and of every step
 * written under it since. Only the run holding a lease writes with its token, and only through
 * the instance that handed it out, so a step whose key is not here is known not to be recorded:
 * its write can be fenced by the lease alone, `{ _id, leaseToken }`, which a server without a
 * query planner serves from an index. Every other step write keeps the step's own guard
 * (`stepKeys: { $ne: key }`), which those servers answer by scanning the collection. Nothing
 * depends on a lease being remembered: a forgotten one only takes the slower, guarded path.
 */
export class HeldLeases {
  private readonly byToken = new Map<
    string,
    { workflowId: string; stepKeys: Set<string> }
  >();

  /** A lease was taken on `workflowId`, whose recorded steps have these keys. */
  took(workflowId: string, token: string, stepKeys: Iterable<string>): void {
    this.byToken.set(token, { workflowId, stepKeys: new Set(stepKeys) });
    if (this.byToken.size > MAX_HELD) {
      const oldest = this.byToken.keys().next();
      if (!oldest.done) this.byToken.delete(oldest.value);
    }
  }

  /**
   * Whether the step `key` is known not to be recorded under this lease. Asking counts as
   * writing it: whatever the write's outcome (applied, refused, answer lost), the step may be
   * recorded from then on, so a second write of it is always guarded.
   */
  firstWrite(workflowId: string, token: string, key: string): boolean {
    const held = this.byToken.get(token);
    if (!held || held.workflowId !== workflowId || held.stepKeys.has(key))
      return false;
    held.stepKeys.add(key);
    return true;
  }

  /** The lease ended (released, finished, failed) or was lost. */
  ended(token: string): void {
    this.byToken.delete(token);
  }

  clear(): void {
    this.byToken.clear();
  }
}
