/** Metadata key under which `@Workflow(name)` stores the workflow's name on a method. */
export const LIDEX_WORKFLOW_METADATA = 'lidex:workflow';

/** Injection token of the `LidexEngine` behind the module. */
export const LIDEX_ENGINE = Symbol('LIDEX_ENGINE');

/** The Nest logger context of every Lidex log line. */
export const LIDEX_LOGGER_CONTEXT = 'Lidex';
