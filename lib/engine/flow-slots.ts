import type { FlowLimit, Persistence } from '../stores/persistence';

/** One limited workflow's slots in use (`LidexClient.flowSlots()`, the dashboard). */
export interface FlowSlots {
  name: string;
  /** Its limits, as declared on `@Workflow()` in this instance. */
  concurrency?: number;
  perKey?: number;
  rateLimit?: { max?: number; perKey?: number; perMs: number };
  /** Workflows of the name that hold a lease now, across every instance. */
  used: number;
  /** The keys that hold a lease now, busiest first (at most 20). */
  keys: { key: string; used: number }[];
}

const KEYS_SHOWN = 20;

/** The slots in use of each limited workflow, from the store (`leasedCounts`); none without it. */
export async function flowSlots(
  store: Persistence,
  limits: ReadonlyMap<string, FlowLimit>,
): Promise<{ supported: boolean; workflows: FlowSlots[] }> {
  if (!store.leasedCounts) return { supported: false, workflows: [] };
  const names = [...limits.keys()].sort();
  const counts = await store.leasedCounts(names);
  const workflows = names.map((name): FlowSlots => {
    const limit = limits.get(name)!;
    const mine = counts.filter((count) => count.name === name);
    const keys = mine
      .filter((count) => count.concurrencyKey !== undefined)
      .map((count) => ({ key: count.concurrencyKey!, used: count.leased }))
      .sort((a, b) => b.used - a.used || a.key.localeCompare(b.key))
      .slice(0, KEYS_SHOWN);
    const rate =
      limit.rate || limit.keyRate
        ? {
            ...(limit.rate ? { max: limit.rate.max } : {}),
            ...(limit.keyRate ? { perKey: limit.keyRate.max } : {}),
            perMs: (limit.rate ?? limit.keyRate)!.perMs,
          }
        : undefined;
    return {
      name,
      ...(limit.concurrency === undefined
        ? {}
        : { concurrency: limit.concurrency }),
      ...(limit.perKey === undefined ? {} : { perKey: limit.perKey }),
      ...(rate ? { rateLimit: rate } : {}),
      used: mine.reduce((total, count) => total + count.leased, 0),
      keys,
    };
  });
  return { supported: true, workflows };
}
