import type { ClaimOptions, StoredWorkflow } from '../persistence';
import { ReadyQueue } from './ready-queue';

/**
 * The memory store's ready workflows by priority: one queue (by `readyAt`) per priority, taken
 * highest first, or by `readyAt` alone across them for a claim with `oldestFirst`.
 */
export class PriorityReady {
  private readonly queues = new Map<number, ReadyQueue>();
  private readonly priorities = new Map<string, number>();
  /** The priorities that have a queue, highest first. */
  private order: number[] = [];

  /** The workflow's priority, set once when it is inserted. */
  setPriority(id: string, priority: number): void {
    this.priorities.set(id, priority);
  }

  schedule(id: string, readyAt: number | undefined): void {
    this.queue(this.priorities.get(id) ?? 0).schedule(id, readyAt);
  }

  takeReady(
    now: number,
    count: number,
    accept: (id: string) => boolean,
    oldestFirst = false,
  ): string[] {
    const taken: string[] = [];
    if (!oldestFirst) {
      for (const priority of this.order) {
        if (taken.length >= count) break;
        const queue = this.queues.get(priority)!;
        taken.push(...queue.takeReady(now, count - taken.length, accept));
      }
      return taken;
    }
    const refusedFrom = new Set<ReadyQueue>();
    while (taken.length < count) {
      let oldest: ReadyQueue | undefined;
      let oldestAt = Infinity;
      for (const queue of this.queues.values()) {
        if (refusedFrom.has(queue)) continue;
        const at = queue.oldestReadyAt(now);
        if (at !== undefined && at < oldestAt) [oldest, oldestAt] = [queue, at];
      }
      if (!oldest) break;
      const [id] = oldest.takeReady(now, 1, accept);
      if (id === undefined) refusedFrom.add(oldest);
      else taken.push(id);
    }
    return taken;
  }

  private queue(priority: number): ReadyQueue {
    let queue = this.queues.get(priority);
    if (!queue) {
      this.queues.set(priority, (queue = new ReadyQueue()));
      this.order = [...this.queues.keys()].sort((a, b) => b - a);
    }
    return queue;
  }
}

/**
 * A claim's flow limits over the memory store: counts the leases each limited name (and key)
 * holds and its first claims in each rate window, then accepts a workflow only within them,
 * counting it as it is taken.
 */
export class MemoryFlowGate {
  private readonly leased = new Map<string, number>();
  private readonly firstClaims: Map<string, number[]>;

  constructor(
    private readonly options: ClaimOptions | undefined,
    workflows: Iterable<StoredWorkflow>,
    firstClaims: Map<string, number[]>,
    private readonly now: number,
  ) {
    this.firstClaims = firstClaims;
    const limits = options?.limits;
    if (!limits || limits.size === 0) return;
    for (const workflow of workflows) {
      if (!workflow.leaseToken || !limits.has(workflow.name)) continue;
      this.hold(workflow);
    }
  }

  /** Whether a claim of `workflow` stays within its name's limits. */
  accepts(workflow: StoredWorkflow): boolean {
    const limit = this.options?.limits?.get(workflow.name);
    // A leased workflow (a lapsed lease taken over) already holds its slot.
    if (!limit || workflow.leaseToken) return true;
    const [all, key] = slots(workflow);
    if (limit.concurrency !== undefined && this.count(all) >= limit.concurrency)
      return false;
    if (
      limit.perKey !== undefined &&
      key !== undefined &&
      this.count(key) >= limit.perKey
    )
      return false;
    if (limit.rate && workflow.attempts === 0) {
      const since = this.now - limit.rate.perMs;
      const times = (this.firstClaims.get(workflow.name) ?? []).filter(
        (at) => at > since,
      );
      this.firstClaims.set(workflow.name, times);
      if (times.length >= limit.rate.max) return false;
    }
    return true;
  }

  /** Counts a workflow just claimed (its first claim, when it is one). */
  taken(workflow: StoredWorkflow): void {
    const limit = this.options?.limits?.get(workflow.name);
    if (!limit) return;
    if (limit.rate && workflow.attempts === 0) {
      const times = this.firstClaims.get(workflow.name) ?? [];
      times.push(this.now);
      this.firstClaims.set(workflow.name, times);
    }
    if (!workflow.leaseToken) this.hold(workflow);
  }

  private hold(workflow: StoredWorkflow): void {
    const [all, key] = slots(workflow);
    this.add(all, 1);
    if (key !== undefined) this.add(key, 1);
  }

  private count(slot: string): number {
    return this.leased.get(slot) ?? 0;
  }

  private add(slot: string, n: number): void {
    this.leased.set(slot, this.count(slot) + n);
  }
}

/** The slots a leased workflow holds: its name's, and its key's when it has one. */
function slots(workflow: StoredWorkflow): [string, string?] {
  const all = JSON.stringify([workflow.name]);
  if (workflow.concurrencyKey === undefined) return [all];
  return [all, JSON.stringify([workflow.name, workflow.concurrencyKey])];
}
