import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';

/** A workflow registered without a version is version 1. */
export const DEFAULT_VERSION = 1;

/**
 * The version stored for a workflow started by an instance that does not run it (`clientOnly`)
 * and was given no `version`: unknown. Any worker claims it, and its `ctx.version` is the
 * version of the worker that runs it.
 */
export const UNKNOWN_VERSION = 0;

/** Checks a version given by the app (`@Workflow()`, `register()`, `start()`), naming it. */
export function requireVersion(where: string, value: unknown): number {
  if (value === undefined) return DEFAULT_VERSION;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(
      messages.invalidWorkflowVersion(where, value),
    );
  }
  return value;
}

/**
 * The version to store for a workflow being started: the one `start()` was given, else the
 * version this instance runs of it, else unknown.
 */
export function startVersion(
  given: number | undefined,
  runs: number | undefined,
): number {
  return given ?? runs ?? UNKNOWN_VERSION;
}

/** What `ctx.version` says: the version the workflow started on, or the runner's if unknown. */
export function contextVersion(
  stored: number,
  runs: number | undefined,
): number {
  return stored === UNKNOWN_VERSION ? (runs ?? DEFAULT_VERSION) : stored;
}
