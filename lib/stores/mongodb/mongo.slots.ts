import type { Collection } from 'mongodb';
import type { LeasedCount } from '../persistence';
import type { WorkflowDocument } from './mongo.documents';
import { ensureIndex } from './mongo.setup';

/**
 * Only leased workflows carry `leaseToken`, so this sparse index holds just those: counting the
 * slots in use reads the leases held now, however many workflows the collection keeps.
 */
export async function ensureLeasedIndex(
  workflows: Collection<WorkflowDocument>,
): Promise<void> {
  await ensureIndex(workflows, 'lidex_leased', { leaseToken: 1 }, true);
}

/**
 * Slots in use (`Persistence.leasedCounts`, the dashboard's): the leases held by workflows of
 * `names`, per concurrency key, in one aggregation over the leased workflows (`lidex_leased`).
 */
export async function leasedCounts(
  workflows: Collection<WorkflowDocument>,
  names: readonly string[],
): Promise<LeasedCount[]> {
  if (names.length === 0) return [];
  const rows = await workflows
    .aggregate<{ _id: { name: string; key?: string | null }; n: number }>([
      {
        $match: {
          leaseToken: { $exists: true },
          name: { $in: [...names] },
        },
      },
      {
        $group: {
          _id: { name: '$name', key: '$concurrencyKey' },
          n: { $sum: 1 },
        },
      },
    ])
    .toArray();
  return rows.map(({ _id, n }) => ({
    name: _id.name,
    ...(_id.key == null ? {} : { concurrencyKey: _id.key }),
    leased: n,
  }));
}
