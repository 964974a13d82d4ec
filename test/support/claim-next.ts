import type { ClaimedWorkflow, Lease, Persistence } from '@lidex/nestjs';

/** Claims one ready workflow (the oldest), as most contract tests need. */
export async function claimNext(
  store: Persistence,
  now: number,
  lease: Lease,
): Promise<ClaimedWorkflow | undefined> {
  const [claimed] = await store.claimReady(now, [lease]);
  return claimed;
}
