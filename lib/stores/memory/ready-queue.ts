interface Entry {
  readyAt: number;
  id: string;
  /** Which scheduling of the workflow this entry is; older ones are skipped. */
  seq: number;
}

/**
 * The workflows that can run, by `readyAt` (a binary min-heap), so that a claim costs the same
 * however many finished workflows the memory store keeps. Rescheduling pushes a new entry and
 * leaves the old one to be skipped when it surfaces.
 */
export class ReadyQueue {
  private readonly heap: Entry[] = [];
  private readonly current = new Map<string, number>();
  private seq = 0;

  /** The workflow is ready at `readyAt`; `undefined` takes it out. */
  schedule(id: string, readyAt: number | undefined): void {
    if (readyAt === undefined) {
      this.current.delete(id);
      return;
    }
    const entry = { readyAt, id, seq: ++this.seq };
    this.current.set(id, entry.seq);
    this.push(entry);
  }

  private push(entry: Entry): void {
    this.heap.push(entry);
    this.up(this.heap.length - 1);
  }

  /**
   * Takes up to `count` workflows ready at `now`, oldest first, out of the queue; those `accept`
   * refuses stay in it, ready as they were.
   */
  takeReady(
    now: number,
    count: number,
    accept: (id: string) => boolean = () => true,
  ): string[] {
    const taken: string[] = [];
    const refused: Entry[] = [];
    while (taken.length < count && this.heap.length > 0) {
      const top = this.heap[0];
      if (this.current.get(top.id) !== top.seq) {
        this.pop();
        continue;
      }
      if (top.readyAt > now) break;
      this.pop();
      if (!accept(top.id)) {
        refused.push(top);
        continue;
      }
      this.current.delete(top.id);
      taken.push(top.id);
    }
    for (const entry of refused) this.push(entry);
    return taken;
  }

  /** The `readyAt` of the oldest workflow ready at `now`, if any is. */
  oldestReadyAt(now: number): number | undefined {
    while (this.heap.length > 0) {
      const top = this.heap[0];
      if (this.current.get(top.id) === top.seq)
        return top.readyAt <= now ? top.readyAt : undefined;
      this.pop();
    }
    return undefined;
  }

  private pop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length === 0) return;
    this.heap[0] = last;
    this.down(0);
  }

  private up(index: number): void {
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(index, parent)) return;
      this.swap(index, parent);
      index = parent;
    }
  }

  private down(index: number): void {
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let first = index;
      if (left < this.heap.length && this.before(left, first)) first = left;
      if (right < this.heap.length && this.before(right, first)) first = right;
      if (first === index) return;
      this.swap(index, first);
      index = first;
    }
  }

  private before(a: number, b: number): boolean {
    const x = this.heap[a];
    const y = this.heap[b];
    return x.readyAt < y.readyAt || (x.readyAt === y.readyAt && x.seq < y.seq);
  }

  private swap(a: number, b: number): void {
    [this.heap[a], this.heap[b]] = [this.heap[b], this.heap[a]];
  }
}
