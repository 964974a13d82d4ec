import { InvalidArgumentError } from '../../errors/invalid-argument.error';
import { WorkflowNotEndedError } from '../../errors/workflow-not-ended.error';
import { WorkflowNotFoundError } from '../../errors/workflow-not-found.error';
import { messages } from '../../lidex.messages';
import type { Persistence } from '../../stores/persistence';
import type { Clock } from '../clock';
import {
  type Duration,
  type EndedStatus,
  endedStatuses,
  parseDuration,
  type ResolvedRetention,
} from './retention-options';
import { purgeOlder } from './retention-sweeper';

/** What `client.purge()` deletes: ended workflows older than `olderThan`, of `status`. */
export interface PurgeOptions {
  /** How long ago they ended (`updatedAt`): milliseconds or a string such as `'30d'`. */
  olderThan: Duration;
  /** One ended status or several; all three when absent. */
  status?: EndedStatus | EndedStatus[];
}

export interface RetentionCalls {
  store: Persistence;
  clock: Clock;
  now: () => number;
  retention: ResolvedRetention;
}

/** Refuses a store without the retention calls, naming it. */
export function requireRetention(store: Persistence): void {
  if (!store.deleteWorkflow || !store.purgeWorkflows) {
    throw new InvalidArgumentError(
      messages.retentionUnsupported(store.describe()),
    );
  }
}

/** Deletes an ended workflow; throws for one that has not ended or does not exist. */
export async function deleteEnded(
  store: Persistence,
  id: string,
): Promise<void> {
  requireRetention(store);
  const deleted = await store.deleteWorkflow!(id);
  if (deleted === undefined) throw new WorkflowNotFoundError(id);
  if (!deleted) {
    const status = (await store.getWorkflow(id))?.status;
    if (status === undefined) throw new WorkflowNotFoundError(id);
    throw new WorkflowNotEndedError(id, status);
  }
}

/** Deletes every ended workflow of the statuses older than `olderThan`; answers how many. */
export async function purgeEnded(
  calls: RetentionCalls,
  options: PurgeOptions,
): Promise<number> {
  requireRetention(calls.store);
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(
      messages.invalidDuration('purge({ olderThan })', options),
    );
  }
  const olderThanMs = parseDuration('purge({ olderThan })', options.olderThan);
  const statuses = endedStatuses(options.status);
  const endedBefore = calls.now() - olderThanMs;
  let deleted = 0;
  for (const status of statuses) {
    deleted += await purgeOlder(calls, {
      status,
      endedBefore,
      limit: calls.retention.batchSize,
      pauseMs: 0,
    });
  }
  return deleted;
}
