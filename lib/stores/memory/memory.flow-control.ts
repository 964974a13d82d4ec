import type { ClaimOptions, LeasedCount, StoredWorkflow } from '../persistence';
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
 * holds and its first claims (per name, and per name and key) in each rate window, from the
 * workflows as they are, then accepts a workflow only within them, counting it as it is taken.
 * It also finds the ready compensating workflows, which a limited claim takes first.
 */
export class MemoryFlowGate {
  private readonly leased = new Map<string, number>();
  private readonly started = new Map<string, number>();
  private readonly compensating: StoredWorkflow[] = [];

  constructor(
    private readonly options: ClaimOptions | undefined,
    workflows: Iterable<StoredWorkflow>,
    now: number,
  ) {
    const limits = options?.limits;
    if (!limits || limits.size === 0) return;
    for (const workflow of workflows) {
      if (workflow.status === 'compensating' && workflow.readyAt! <= now)
        this.compensating.push(workflow);
      const limit = limits.get(workflow.name);
      if (!limit) continue;
      if (workflow.leaseToken) this.hold(workflow);
      const at = workflow.firstClaimedAt;
      if (at === undefined) continue;
      const [all, key] = slots(workflow);
      if (limit.rate && at > now - limit.rate.perMs)
        this.add(this.started, all);
      if (limit.keyRate && key && at > now - limit.keyRate.perMs)
        this.add(this.started, key);
    }
  }

  /** The ready compensating workflows, oldest first: a limited claim takes them first. */
  compensatingFirst(): string[] {
    return this.compensating
      .sort((a, b) => a.readyAt! - b.readyAt!)
      .map((workflow) => workflow.id);
  }

  /** Whether a claim of `workflow` stays within its name's limits. */
  accepts(workflow: StoredWorkflow): boolean {
    const limit = this.options?.limits?.get(workflow.name);
    // A leased workflow (a lapsed lease taken over) already holds its slot.
    if (!limit || workflow.leaseToken) return true;
    const [all, key] = slots(workflow);
    const at = (counts: Map<string, number>, slot: string, max?: number) =>
      max !== undefined && (counts.get(slot) ?? 0) >= max;
    if (at(this.leased, all, limit.concurrency)) return false;
    if (key !== undefined && at(this.leased, key, limit.perKey)) return false;
    // Rate limits count first claims only.
    if (workflow.attempts > 0) return true;
    if (at(this.started, all, limit.rate?.max)) return false;
    return key === undefined || !at(this.started, key, limit.keyRate?.max);
  }

  /** Counts a workflow just claimed (its first claim, when it is one). */
  taken(workflow: StoredWorkflow): void {
    const limit = this.options?.limits?.get(workflow.name);
    if (!limit) return;
    if (workflow.attempts === 0) {
      const [all, key] = slots(workflow);
      this.add(this.started, all);
      if (key !== undefined) this.add(this.started, key);
    }
    if (!workflow.leaseToken) this.hold(workflow);
  }

  private hold(workflow: StoredWorkflow): void {
    const [all, key] = slots(workflow);
    this.add(this.leased, all);
    if (key !== undefined) this.add(this.leased, key);
  }

  private add(counts: Map<string, number>, slot: string): void {
    counts.set(slot, (counts.get(slot) ?? 0) + 1);
  }
}

/** The leases held by workflows of `names`, per key (`Persistence.leasedCounts`). */
export function leasedCounts(
  workflows: Iterable<StoredWorkflow>,
  names: readonly string[],
): LeasedCount[] {
  const counts = new Map<string, LeasedCount>();
  for (const workflow of workflows) {
    if (!workflow.leaseToken || !names.includes(workflow.name)) continue;
    const slot = JSON.stringify([
      workflow.name,
      workflow.concurrencyKey ?? null,
    ]);
    const count = counts.get(slot) ?? {
      name: workflow.name,
      ...(workflow.concurrencyKey === undefined
        ? {}
        : { concurrencyKey: workflow.concurrencyKey }),
      leased: 0,
    };
    count.leased += 1;
    counts.set(slot, count);
  }
  return [...counts.values()];
}

/** The slots a leased workflow holds: its name's, and its key's when it has one. */
function slots(workflow: StoredWorkflow): [string, string?] {
  const all = JSON.stringify([workflow.name]);
  if (workflow.concurrencyKey === undefined) return [all];
  return [all, JSON.stringify([workflow.name, workflow.concurrencyKey])];
}
