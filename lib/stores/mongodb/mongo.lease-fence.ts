import { InvalidArgumentError } from '../../errors/invalid-argument.error';
import { messages } from '../../lidex.messages';
import { byId } from './mongo.documents';
import type { HeldLeases } from './mongo.held-leases';
import type { Opened } from './mongo.open';
import type { WritesInFlight } from './mongo.writes-in-flight';

/**
 * The filter of every lease-fenced write: exactly the keys of the `lidex_lease` index, as plain
 * values, so that servers without a query planner serve it from that index. Id and token are
 * strings, which a query never reads as operators.
 */
export const leased = (id: string, leaseToken: string) => {
  if (typeof leaseToken !== 'string') {
    throw new InvalidArgumentError(
      messages.invalidId('A lease token', leaseToken),
    );
  }
  return { ...byId(id), leaseToken };
};

/** What the store's run writes share with it: its open parts and its lease bookkeeping. */
export interface MongoStoreState {
  /** The open store's parts; throws unless `init()` ran. */
  open(): Opened;
  /** The same, or undefined while the store is closed. */
  opened(): Opened | undefined;
  held: HeldLeases;
  inFlight: WritesInFlight;
}

/** The run writes of the MongoDB store: every one fenced by the run's lease token. */
export abstract class LeaseFencedWrites {
  constructor(private readonly store: MongoStoreState) {}

  protected get held(): HeldLeases {
    return this.store.held;
  }

  protected get inFlight(): WritesInFlight {
    return this.store.inFlight;
  }

  protected get opened(): Opened | undefined {
    return this.store.opened();
  }

  protected open(): Opened {
    return this.store.open();
  }

  /**
   * After a write that let `leaseToken` go: if it was applied, the slots the lease holds are
   * deleted (sent after it, so that no claim counts them free while the workflow is still
   * leased; not waited for: this store's next claim waits for it);
   * if not, the lease was lost and whoever took the workflow over holds them. Answers `applied`.
   */
  protected freed(leaseToken: string, applied: boolean): boolean {
    const { flow } = this.open();
    if (!applied) flow.forget(leaseToken);
    else flow.freed(leaseToken);
    return applied;
  }

  /** The workflow, if `leaseToken` was the last lease to let go of it and none holds it since. */
  protected async letGoBy(workflowId: string, leaseToken: string) {
    const doc = await this.open().workflows.findOne(byId(workflowId), {
      projection: { status: 1, failures: 1, leaseToken: 1, lastLease: 1 },
    });
    return doc?.leaseToken === undefined && doc?.lastLease === leaseToken
      ? doc
      : undefined;
  }
}
