import { LidexError } from '../errors/lidex.error';
import { StoreUnavailableError } from '../errors/store-unavailable.error';
import type { Persistence } from '../stores/persistence';

/**
 * What a client call may have left in the store when its database could not be reached, and so
 * what its caller can do once the database is back (the end of the error's message).
 */
export const CALL_LEFT = {
  read: 'Nothing was written: call it again once the database is back.',
  start:
    'The workflow may or may not have been recorded. A start is idempotent by id: calling ' +
    'start() again with the same id once the database is back starts it at most once.',
  cancel:
    'The workflow may or may not have been cancelled: call it again once the database is ' +
    'back (it answers true once the workflow is cancelled).',
  signal:
    'The signal may or may not have been delivered: send it again with the same signalId once ' +
    'the database is back, and it is delivered once (one sent without a signalId may then be ' +
    'delivered twice).',
  delete:
    'The workflow may or may not have been deleted: call it again once the database is back ' +
    '(it throws WorkflowNotFoundError once the workflow is gone).',
  purge:
    'Some of the ended workflows may have been deleted: call it again once the database is ' +
    'back, and it deletes those that remain.',
  retry:
    'The workflow may or may not have been set to run again: call it again once the database ' +
    'is back (it answers false, changing nothing, once the workflow is no longer ended).',
  trigger:
    "A workflow may or may not have been started (its id begins with the schedule's, then " +
    '"@trigger-"): look for it with list() once the database is back before triggering again, ' +
    'as each trigger starts a workflow of its own.',
  schedule:
    'The schedule may or may not have been changed: call it again once the database is back ' +
    '(a schedule is saved, paused, resumed or removed by id, so a repeat changes nothing more).',
} as const;

export type CallLeft = keyof typeof CALL_LEFT;

/**
 * Runs a client call (`start()`, `get()`, ...) on `store`: an error by which the store says its
 * database could not be reached (`Persistence.isUnreachable`) becomes a `StoreUnavailableError`
 * naming the store, the call and what it may have left, the driver's error as its `cause`.
 * Every other error (Lidex's own, a constraint, a statement the server refused) is thrown as is.
 */
export async function clientCall<T>(
  store: Persistence,
  call: string,
  left: CallLeft,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof LidexError || store.isUnreachable?.(error) !== true)
      throw error;
    throw new StoreUnavailableError(store.describe(), error, 'unreachable', {
      call,
      left: CALL_LEFT[left],
    });
  }
}
