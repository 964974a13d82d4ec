import type { StoreFactory } from './store-factory';
import { cancelRetryOperations } from './suites/cancel-retry.suite';
import { claimsContract } from './suites/claims.suite';
import { deadlinesContract } from './suites/deadlines.suite';
import { inspectOperations } from './suites/inspect.suite';
import { leasesContract } from './suites/leases.suite';
import { recordsContract } from './suites/records.suite';
import { retentionRules } from './suites/retention.suite';
import { compensationRules } from './suites/compensation.suite';
import { stepAttemptsContract } from './suites/step-attempts.suite';
import { stepLeaseContract } from './suites/step-lease.suite';
import { scheduleRules } from './suites/schedules.suite';
import { testGlobals } from './test-globals';
import { versionsContract } from './suites/versions.suite';

export { clockContract } from './suites/clock.suite';
export { deadlinesContract } from './suites/deadlines.suite';
export { stepAttemptsContract } from './suites/step-attempts.suite';
export { stepLeaseContract } from './suites/step-lease.suite';
export { versionsContract } from './suites/versions.suite';
export { signalsContract } from './suites/signals.suite';
export { flowControlContract } from './suites/flow-control.suite';
export { keyedRateLimitContract } from './suites/keyed-rate.suite';
export { flowSlotsContract } from './suites/flow-slots.suite';
export { listFiltersContract } from './suites/list-filters.suite';
export { traceContextContract } from './suites/trace-context.suite';
export { activityContract } from './suites/activity.suite';
export { childrenContract } from './suites/children.suite';
export { compensationSlotsContract } from './suites/compensation-slots.suite';

/**
 * The store contract (`Persistence`): one case for each rule the engine relies on: claims,
 * leases and fencing, repeated writes, steps, results, failures, ids as data, durability,
 * deadlines. Call it at the top level of a test file, with the factory of the store under test.
 */
export function persistenceContract(factory: StoreFactory): void {
  const { describe, afterAll } = testGlobals();
  describe(`${factory.label} store contract`, () => {
    afterAll(() => factory.cleanup());
    claimsContract(factory);
    leasesContract(factory);
    recordsContract(factory);
    stepAttemptsContract(factory);
    versionsContract(factory);
    deadlinesContract(factory);
    stepLeaseContract(factory);
  });
}

/** What operators ask of every store: inspect, list, count, cancel, retry. */
export function operationsContract(factory: StoreFactory): void {
  const { describe, afterAll } = testGlobals();
  describe(`${factory.label} store operations`, () => {
    afterAll(() => factory.cleanup());
    inspectOperations(factory);
    cancelRetryOperations(factory);
  });
}

/** Schedules (`ScheduleStore`): saving at boot, pausing, advancing the last tick, removing. */
export function schedulesContract(factory: StoreFactory): void {
  const { describe, afterAll } = testGlobals();
  describe(`${factory.label} store schedules`, () => {
    afterAll(() => factory.cleanup());
    scheduleRules(factory);
  });
}

/** Retention (`deleteWorkflow`, `purgeWorkflows`): deleting ended workflows, purging in batches. */
export function retentionContract(factory: StoreFactory): void {
  const { describe, afterAll } = testGlobals();
  describe(`${factory.label} store retention`, () => {
    afterAll(() => factory.cleanup());
    retentionRules(factory);
  });
}

/** Compensation: the cancel that compensates, and the compensating run's fenced status. */
export function compensationContract(factory: StoreFactory): void {
  const { describe, afterAll } = testGlobals();
  describe(`${factory.label} store compensation`, () => {
    afterAll(() => factory.cleanup());
    compensationRules(factory);
  });
}
