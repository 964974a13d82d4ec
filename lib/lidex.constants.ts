/** Metadata key under which `@Workflow(name)` stores the workflow's name on a method. */
export const LIDEX_WORKFLOW_METADATA = 'lidex:workflow';

/** Metadata key under which `@Workflow(name, { version })` stores the workflow's version. */
export const LIDEX_WORKFLOW_VERSION_METADATA = 'lidex:workflow-version';
export const LIDEX_WORKFLOW_FLOW_METADATA = 'lidex:workflow-flow';
/** Metadata key of the schedule given by `@Workflow(name, { schedule })`. */
export const LIDEX_SCHEDULE_METADATA = 'lidex:workflow-schedule';

/** Injection token of the `LidexEngine` behind the module. */
export const LIDEX_ENGINE = Symbol('LIDEX_ENGINE');

/** The Nest logger context of every Lidex log line. */
export const LIDEX_LOGGER_CONTEXT = 'Lidex';

/** Metadata key of the `@StartWorkflowOn` / `@SignalWorkflowOn` triggers on a class or method. */
export const LIDEX_EVENT_TRIGGERS_METADATA = 'lidex:event-triggers';
