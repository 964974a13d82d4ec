import type { Collection } from 'mongodb';
import { duplicateIndexes } from './mongo.claim-parts';
import type { FlowDocument } from './mongo.flow-documents';

/** A slot's name, `slot:<scope>:<n>`: unique among the holdings (index `lidex_flow_slot`). */
export const slotOf = (scope: string, n: number) => `slot:${scope}:${n}`;

/** The holding of slot `n` of `scope` by `workflowId` under `leaseToken`, taken at `at`. */
export function slotHolding(
  scope: string,
  n: number,
  workflowId: string,
  leaseToken: string,
  at: number,
): FlowDocument {
  const [name] = JSON.parse(scope) as [string];
  return {
    _id: `${slotOf(scope, n)}:${leaseToken}`,
    kind: 'slot',
    name,
    scope,
    n,
    slot: slotOf(scope, n),
    workflowId,
    leaseToken,
    at,
  };
}

/**
 * Inserts the holdings in one command (unordered: each is decided alone, by the unique index, on
 * every MongoDB-compatible server); answers the positions of those refused because their slot is
 * held. Any other failure is raised.
 */
export async function insertSlots(
  flow: Collection<FlowDocument>,
  holdings: FlowDocument[],
): Promise<number[]> {
  try {
    await flow.insertMany(holdings, { ordered: false });
    return [];
  } catch (error) {
    return duplicateIndexes(error, holdings.length);
  }
}
