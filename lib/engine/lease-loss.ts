import type { LeaseLossReason } from '../lidex.messages';
import type { StoredWorkflow } from '../stores/persistence';

/**
 * Why a run's fenced write was refused, read from what the store holds now: cancelled, ended by
 * another run, held by a newer claim, or held by nobody.
 */
export function leaseLossReason(
  stored: StoredWorkflow | undefined,
  leaseToken: string,
): LeaseLossReason | 'cancelled' {
  if (!stored) return 'missing';
  switch (stored.status) {
    case 'cancelled':
    case 'finished':
    case 'aborted':
    case 'failed':
      return stored.status;
  }
  if (stored.leaseToken === undefined) return 'released';
  return stored.leaseToken === leaseToken ? 'unknown' : 'taken-over';
}
