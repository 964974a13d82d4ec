import { inspect } from 'node:util';
import type { WorkflowError } from './types';

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
