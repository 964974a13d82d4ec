export { LidexModule } from './lidex.module';
export { LidexClient } from './lidex.client';
export {
  Workflow,
  type WorkflowMethodDecorator,
  type WorkflowOptions,
} from './workflow.decorator';
export {
  defineWorkflow,
  type Storable,
  type WorkflowInput,
  type WorkflowRef,
  type WorkflowResult,
  type WorkflowStartArgs,
} from './engine/workflow-ref';
export type { StartArgs, StartOptions } from './engine/start-options';
export type { WorkflowFlowOptions } from './engine/flow-limits';
export type { FlowSlots } from './engine/flow-slots';
export type { SignalOptions, SignalTarget } from './engine/engine-signal';
export type { LidexModuleOptions } from './lidex-options.interface';
export type { LidexDashboardOptions } from './dashboard/dashboard-options.interface';

export { LidexEngine, type EngineConfig } from './engine/lidex-engine';
export {
  LIDEX_CHANNELS,
  type EventError,
  type LidexEvent,
  type LidexEventMap,
  type LidexEventType,
} from './engine/lifecycle-events';
export type {
  LifecycleEmitter,
  LidexEventListener,
} from './engine/lifecycle-emitter';
export type { ObservabilityOptions } from './engine/observability-options';
export type { LidexEventFilter } from './lidex-events';
export type { Activity, ActivityMinute } from './engine/engine-activity';
export { ENGINE_DEFAULTS, type EngineOptions } from './engine/options';
export type {
  StepAttempt,
  StepOptions,
  StepRetryPolicy,
} from './engine/step-policy';
export { systemClock, type Clock, type TimerOptions } from './engine/clock';
export {
  TERMINAL_STATUSES,
  WORKFLOW_STATUSES,
  type LidexLogger,
  type ListOptions,
  type ResultOptions,
  type StepAttemptInfo,
  type SignalInfo,
  type StepInfo,
  type WaitForSignalOptions,
  type ChildOptions,
  type ChildHandle,
  type ChildInfo,
  type WaitingFor,
  type WaitOptions,
  type WorkflowContext,
  type WorkflowCounts,
  type WorkflowError,
  type WorkflowHandler,
  type WorkflowInfo,
  type WorkflowPage,
  type WorkflowStatus,
  type WorkflowSummary,
} from './engine/types';

export type {
  ClaimOptions,
  FlowLimit,
  CancelRecord,
  ClaimedWorkflow,
  FailureRecord,
  FinishRecord,
  Lease,
  LeaseRelease,
  StepOutcome,
  NewSignal,
  NewWorkflow,
  SignalDelivery,
  StoredSignal,
  WaitRelease,
  WaitTarget,
  Persistence,
  SeenLease,
  StepKind,
  StoredStep,
  StoredWorkflow,
  WorkflowQuery,
  WorkflowSummaryRecord,
} from './stores/persistence';
export { MemoryStore } from './stores/memory/memory.store';

export { LidexError } from './errors/lidex.error';
export { DuplicateStepIdError } from './errors/duplicate-step-id.error';
export { DuplicateWorkflowError } from './errors/duplicate-workflow.error';
export { InvalidArgumentError } from './errors/invalid-argument.error';
export { InvalidOptionsError } from './errors/invalid-options.error';
export { LidexClosedError } from './errors/lidex-closed.error';
export { ModuleImportedTwiceError } from './errors/module-imported-twice.error';
export { RequestScopedWorkflowError } from './errors/request-scoped-workflow.error';
export { StoreUnavailableError } from './errors/store-unavailable.error';
export { UnknownOptionError } from './errors/unknown-option.error';
export { UnknownWorkflowError } from './errors/unknown-workflow.error';
export { ValueNotStorableError } from './errors/value-not-storable.error';
export { WorkflowNotFoundError } from './errors/workflow-not-found.error';
export { ContextMisuseError } from './errors/context-misuse.error';
export { NonRetryableError } from './errors/non-retryable.error';
export { StepTimeoutError } from './errors/step-timeout.error';
export type { Schedules } from './engine/schedules/schedules';
export type {
  MissedTicksPolicy,
  OverlapPolicy,
  ScheduleInfo,
  ScheduleOptions,
  ScheduleTiming,
  WorkflowScheduleOptions,
} from './engine/schedules/schedule-options';
export type {
  ScheduleAdvance,
  ScheduleDraft,
  ScheduleRecord,
  ScheduleSaved,
  ScheduleStore,
} from './stores/persistence';
export { ScheduleNotFoundError } from './errors/schedule-not-found.error';
export { WorkflowNotEndedError } from './errors/workflow-not-ended.error';
export type { CompensationInfo } from './engine/types';
export type {
  CompensationKind,
  CompensationStatusChange,
} from './stores/persistence';
export type { PurgeOptions } from './engine/retention/engine-retention';
export type {
  Duration,
  EndedStatus,
  RetentionOptions,
} from './engine/retention/retention-options';
export type { WorkflowPurge } from './stores/persistence';
export { DeadlineExceededError } from './errors/deadline-exceeded.error';
export { WorkflowAbortedError } from './errors/workflow-aborted.error';
export { WorkflowCancelledError } from './errors/workflow-cancelled.error';
export { ChildWorkflowError } from './errors/child-workflow.error';
export { WorkflowTimeoutError } from './errors/workflow-timeout.error';
export { EventBusMissingError } from './errors/event-bus-missing.error';
export { PayloadCodecError } from './errors/payload-codec.error';
export type { PayloadCodec } from './engine/payloads/payload-codec';
export type { PayloadContext } from './model/payload-context';
export {
  aesGcmCodec,
  type AesGcmCodecOptions,
} from './engine/payloads/aes-gcm-codec';
