/** Scopes whose last slot number is remembered at most (one forgotten is drawn at random again). */
const MAX_SCOPES = 1_000;

/**
 * The slot number this store took last in each scope, which its next claim of the scope tries
 * first. Claims of several instances at once that each drew a number at random inserted the
 * same one often (a third of the time with three free), each such refusal costing a round trip;
 * each instance keeping to the number it holds, and moving to another only when refused, soon
 * takes numbers no other instance is taking. A scope not seen yet starts at random.
 */
export class SlotNumbers {
  private readonly last = new Map<string, number>();
  /** `scope n` of the slots this store's claims are inserting now, each with how many. */
  private readonly inserting = new Map<string, number>();

  /**
   * The number to look for a free slot of `scope` from, below `most`: the last taken, unless
   * another claim of this store is inserting it now (then one at random, as for a new scope).
   */
  from(scope: string, most: number): number {
    const last = this.last.get(scope);
    return last === undefined || this.inserting.has(`${scope} ${last % most}`)
      ? Math.floor(Math.random() * most)
      : last % most;
  }

  /** A claim of this store is inserting `slots`, until the function answered is called. */
  insert(slots: readonly { scope?: string; n?: number }[]): () => void {
    const keys = slots.map(({ scope, n }) => `${scope} ${n}`);
    for (const key of keys)
      this.inserting.set(key, (this.inserting.get(key) ?? 0) + 1);
    return () => {
      for (const key of keys) {
        const left = (this.inserting.get(key) ?? 1) - 1;
        if (left > 0) this.inserting.set(key, left);
        else this.inserting.delete(key);
      }
    };
  }

  /** This store took slot `n` of `scope`. */
  took(scope: string, n: number): void {
    this.last.delete(scope);
    this.last.set(scope, n);
    if (this.last.size > MAX_SCOPES) {
      const oldest = this.last.keys().next();
      if (!oldest.done) this.last.delete(oldest.value);
    }
  }
}
