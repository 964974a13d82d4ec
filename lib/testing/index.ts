/**
 * `@lidex/nestjs/testing`: helpers for testing workflows and stores, kept out of the root entry
 * so that production code never loads them.
 *
 * The manual test clock (advance time, run what is due).
 *
 * The store kit: the contract suites every Lidex store passes, for a store written elsewhere to
 * run against its own factory, in Jest or any runner with Jest-compatible globals (no runner's
 * types are needed to compile against them):
 *
 * ```ts
 * persistenceContract(myStoreFactory);
 * operationsContract(myStoreFactory);
 * clockContract(myStoreFactory, 'lease-watch'); // or 'server-clock'
 * signalsContract(myStoreFactory);
 * schedulesContract(myStoreFactory); // a store with `schedules`
 * flowControlContract(myStoreFactory); // priorities, concurrency and rate limits
 * keyedRateLimitContract(myStoreFactory); // rate limits per concurrency key
 * flowSlotsContract(myStoreFactory); // leases held per name and key (dashboard)
 * listFiltersContract(myStoreFactory); // the list's priority and concurrency-key filters
 * retentionContract(myStoreFactory); // a store with `deleteWorkflow` and `purgeWorkflows`
 * childrenContract(myStoreFactory); // parents of child workflows, their ends as signals
 * compensationContract(myStoreFactory); // a store with `recordCompensationStatus`
 * compensationSlotsContract(myStoreFactory); // compensations claimed first within limits
 * ```
 */
export { ManualClock } from './manual-clock';
export {
  clockContract,
  operationsContract,
  persistenceContract,
  deadlinesContract,
  stepAttemptsContract,
  stepLeaseContract,
  versionsContract,
  signalsContract,
  schedulesContract,
  flowControlContract,
  keyedRateLimitContract,
  flowSlotsContract,
  listFiltersContract,
  retentionContract,
  traceContextContract,
  activityContract,
  childrenContract,
  compensationContract,
  compensationSlotsContract,
} from './store-suites';
export type { StoreFactory } from './store-factory';
export type { Expect, Matchers, TestGlobals } from './test-globals';
