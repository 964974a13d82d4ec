import type { ParentLink } from '../stores/persistence';
import { ClockCheck } from './clock-check';
import { type EngineConfig, engineClock } from './engine-config';
import { readStatus } from './engine-reads';
import type { WorkflowRegistry } from './engine-registry';
import { deliverSignal, type SignalDependencies } from './engine-signal';
import { startWorkflow } from './engine-start';
import type { ResultDependencies } from './engine-result';
import type { WaitDependencies } from './engine-wait';
import { LifecycleEmitter } from './lifecycle-emitter';
import { LocalEnds } from './local-ends';
import type { ResolvedEngineOptions } from './options';
import { StoredValues } from './payloads/stored-values';
import type { RetentionCalls } from './retention/engine-retention';
import { RetentionSweeper } from './retention/retention-sweeper';
import type { RunDependencies } from './run-dependencies';
import { Schedules } from './schedules/schedules';
import type { StartOptions } from './start-options';
import { loadTracing } from './tracing/load-tracing';
import type { LidexLogger } from './types';
import { Worker } from './worker';
import { WorkflowRunner } from './workflow-runner';
import type { WorkflowRef } from './workflow-ref';

/** `start()` in every form, checks included: the public call, `ctx.start()`, a child, a tick. */
export type StartCall = (
  id: string,
  workflow: string | WorkflowRef,
  input?: unknown,
  options?: StartOptions,
  parent?: ParentLink,
) => Promise<boolean>;

/**
 * The parts an engine is made of, wired to one another; each group of its operations
 * (`engine-start.ts`, `engine-reads.ts`, `engine-control.ts`, `engine-lifecycle.ts`, ...) takes
 * the few it needs.
 */
export interface EngineParts {
  /** What every stage of a run is handed (the store, the options, the clocks, the log). */
  run: RunDependencies;
  registry: WorkflowRegistry;
  worker: Worker;
  /** Ends written here, for `result()` to learn of at once. */
  ends: LocalEnds;
  wait: WaitDependencies;
  /** `wait()`'s, and the ends written here. */
  results: ResultDependencies;
  signals: SignalDependencies;
  retention: RetentionCalls;
  sweeper: RetentionSweeper;
  schedules: Schedules;
  start: StartCall;
  /** Throws `LidexClosedError` once the engine is closed, naming the call. */
  requireOpen: (call: string) => void;
}

const silentLogger: LidexLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * Builds an engine's parts from its config (checked, its options resolved and its workflows
 * registered): values through the codec, the clocks, the events, the worker and its runner,
 * signals, retention and schedules.
 */
export function wireEngine(
  config: EngineConfig,
  options: ResolvedEngineOptions,
  registry: WorkflowRegistry,
  requireOpen: (call: string) => void,
): EngineParts {
  const store = config.store;
  /** Values as the store keeps them (through the payload codec, when one is configured). */
  const values = new StoredValues(options.codec);
  const logger = config.logger ?? silentLogger;
  const events = new LifecycleEmitter(
    options.observability.eventPayloads,
    logger,
  );
  const ends = new LocalEnds();
  const { clock, own } = engineClock(config);
  const wait: WaitDependencies = { store, values, clock, requireOpen };
  const monotonic = () => clock.monotonic();
  const check = new ClockCheck({
    store,
    options,
    logger,
    localNow: () => clock.now(),
    monotonic,
    followServer: !own,
  });
  const now = () => check.now();
  const start: StartCall = (id, workflow, input, startOptions, parent) =>
    startWorkflow(
      { run, worker, registry, requireOpen },
      id,
      workflow,
      input,
      startOptions,
      parent,
    );
  const run: RunDependencies = {
    store,
    values,
    options,
    logger,
    now,
    monotonic,
    clock,
    expectReady: (readyAt) => worker.expectReady(readyAt),
    unhandled: new Set(),
    checkClock: () => check.check(),
    appClock: own,
    ended: (workflowId) => ends.ended(workflowId),
    startWorkflow: (id, name, input) => start(id, name, input),
    startChild: (id, name, input, parent, timeoutMs) =>
      start(id, name, input, { timeoutMs }, parent),
    family: {
      store,
      values,
      now,
      sendSignal: (signal) => deliverSignal(signals, signal),
      cancelled: (workflowId) => {
        for (const running of worker.runsOf(workflowId)) {
          running.halt('cancelled');
        }
        ends.ended(workflowId);
        // A cancelled child may compensate: ready now, this worker may take it at once.
        worker.nudge();
      },
    },
    versions: registry.versions,
    limits: registry.limits,
    sendSignal: (signal) => deliverSignal(signals, signal),
    events,
    tracing: loadTracing(options.observability.tracing, () =>
      store.countWorkflows({}),
    ),
  };
  const signals: SignalDependencies = {
    store,
    values,
    now,
    delivered: () => worker.nudge(),
    events,
  };
  const worker = new Worker(
    run,
    new WorkflowRunner(run, registry.handlers),
    () => schedules.heardElsewhere(),
  );
  const retention: RetentionCalls = {
    store,
    clock,
    now,
    retention: options.retention,
  };
  const sweeper = new RetentionSweeper({ ...retention, logger });
  const schedules = new Schedules({
    store,
    values,
    clock,
    now,
    logger,
    requireOpen,
    requireWorkflow: (name) => registry.requireStartable(name),
    runs: (name) => registry.handlers.has(name),
    start: (id, name, input) => start(id, name, input),
    status: (id) => readStatus({ run, requireOpen }, id),
  });
  return {
    run,
    registry,
    worker,
    ends,
    wait,
    results: { ...wait, ends },
    signals,
    retention,
    sweeper,
    schedules,
    start,
    requireOpen,
  };
}
