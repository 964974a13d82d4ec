import { inspect } from 'node:util';
import { ChildWorkflowError } from '../errors/child-workflow.error';
import { ContextMisuseError } from '../errors/context-misuse.error';
import { DuplicateStepIdError } from '../errors/duplicate-step-id.error';
import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { ValueNotStorableError } from '../errors/value-not-storable.error';
import type { WorkflowError } from './types';

/** Errors that come out the same on every run of the same code: retrying cannot help. */
const DETERMINISTIC_ERRORS = [
  ValueNotStorableError,
  DuplicateStepIdError,
  InvalidArgumentError,
  ContextMisuseError,
  ChildWorkflowError,
];

/**
 * Whether a workflow that threw this must end at once rather than be retried: the error (or one
 * of its causes, when the workflow's code wrapped it) is one that every retry would meet again.
 */
export function cannotSucceedOnRetry(thrown: unknown): boolean {
  const seen = new Set<unknown>();
  for (let error = thrown; error instanceof Error; error = error.cause) {
    if (seen.has(error)) return false;
    seen.add(error);
    if (DETERMINISTIC_ERRORS.some((kind) => error instanceof kind)) return true;
  }
  return false;
}

/** What is stored for anything a workflow throws: Errors keep name, message and stack. */
export function toWorkflowError(thrown: unknown): WorkflowError {
  if (thrown instanceof Error) {
    return {
      name: thrown.name,
      message: thrown.message,
      stack: thrown.stack,
    };
  }
  if (typeof thrown === 'string') return { name: 'Error', message: thrown };
  return {
    name: 'NonErrorThrown',
    message: `The workflow threw a non-Error value: ${inspect(thrown, { depth: 4 })}`,
  };
}

/** A short description of an error for a log line. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : inspect(error);
}
