import type {
  FlowLimit,
  NewSignal,
  ParentLink,
  Persistence,
  SignalDelivery,
} from '../stores/persistence';
import type { FamilyDependencies } from './child-family';
import type { Clock } from './clock';
import type { LifecycleEmitter } from './lifecycle-emitter';
import type { Tracing } from './tracing/run-tracing';
import type { ResolvedEngineOptions } from './options';
import type { LidexLogger } from './types';
import type { StoredValues } from './payloads/stored-values';

/** What the engine hands every stage of a run: the store, the options, the clocks, the log. */
export interface RunDependencies {
  store: Persistence;
  /** Values as the store keeps them: serialised, then through the payload codec if any. */
  values: StoredValues;
  options: ResolvedEngineOptions;
  logger: LidexLogger;
  now: () => number;
  /** A monotonic clock (ms), for how long a lease lasts as this process knows it. */
  monotonic: () => number;
  /** The clock every timer of the engine is set on. */
  clock: Clock;
  /** The engine wrote that the workflow is ready again at `readyAt`: the worker looks then. */
  expectReady: (readyAt: number) => void;
  /** Compares this worker's clock with the store's (at most once a minute); never throws. */
  checkClock: () => Promise<void>;
  /** Whether the app passed its own clock (`now`): takeovers then follow it as it is. */
  appClock: boolean;
  /** This process wrote the workflow's end (finished, aborted, cancelled): `result()` learns of it. */
  ended: (workflowId: string) => void;
  /** `ctx.start()`: the engine's own `start`, idempotent by id. */
  startWorkflow: (id: string, name: string, input: unknown) => Promise<boolean>;
  /** `ctx.startChild()`: `start` with the child's parent (and deadline), idempotent by id. */
  startChild: (
    id: string,
    name: string,
    input: unknown,
    parent: ParentLink,
    timeoutMs: number | undefined,
  ) => Promise<boolean>;
  /** The workflow names this instance has handed back for want of a handler (warned once each). */
  unhandled: Set<string>;
  /** The version this instance runs of each workflow it has a handler for (claims skip newer). */
  versions: ReadonlyMap<string, number>;
  /** The flow limits this instance applies to each workflow it has a handler for. */
  limits: ReadonlyMap<string, FlowLimit>;
  /** `ctx.signal()`: the engine's own send (at its time), which wakes this worker too. */
  sendSignal: (signal: Omit<NewSignal, 'now'>) => Promise<SignalDelivery>;
  /** Telling a parent of its child's end, cancelling children (`child-family.ts`). */
  family: FamilyDependencies;
  /** Where the run's lifecycle events go (`lifecycle-emitter.ts`). */
  events: LifecycleEmitter;
  /** Spans and metrics (OpenTelemetry, or no-ops: `tracing/`). */
  tracing: Tracing;
}
