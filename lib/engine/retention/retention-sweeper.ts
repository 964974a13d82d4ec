import { messages } from '../../lidex.messages';
import type { Persistence } from '../../stores/persistence';
import type { Clock } from '../clock';
import type { LidexLogger } from '../types';
import { describeError } from '../workflow-error';
import type { EndedStatus, ResolvedRetention } from './retention-options';

export interface RetentionDependencies {
  store: Persistence;
  clock: Clock;
  now: () => number;
  logger: LidexLogger;
  retention: ResolvedRetention;
}

/**
 * Deletes batches of ended workflows until none of a status is older than `keep` says, one batch
 * at a time, with a pause between batches; `undefined` when asked to stop meanwhile.
 */
export async function purgeOlder(
  deps: Pick<RetentionDependencies, 'store' | 'clock'>,
  batch: {
    status: EndedStatus;
    endedBefore: number;
    limit: number;
    pauseMs: number;
  },
  stopping: () => boolean = () => false,
): Promise<number> {
  const { store, clock } = deps;
  let deleted = 0;
  for (;;) {
    const n = await store.purgeWorkflows!({
      status: batch.status,
      endedBefore: batch.endedBefore,
      limit: batch.limit,
    });
    deleted += n;
    if (n < batch.limit || stopping()) return deleted;
    if (batch.pauseMs > 0) {
      await new Promise<void>((resolve) =>
        clock.setTimer(batch.pauseMs, resolve),
      );
    }
  }
}

/**
 * The worker's retention: every `intervalMs` on the engine's clock, deletes what is past each
 * status's retention, in batches. Every instance sweeps; batches of different instances delete
 * different workflows (a workflow is deleted once), so more instances only share the work.
 */
export class RetentionSweeper {
  private loop?: Promise<void>;
  private stopping = false;
  private cancelSleep?: () => void;
  private wake?: () => void;

  constructor(private readonly deps: RetentionDependencies) {}

  get enabled(): boolean {
    return Object.keys(this.deps.retention.keep).length > 0;
  }

  start(): void {
    if (!this.enabled) return;
    this.stopping = false;
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.cancelSleep?.();
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    const { retention, logger } = this.deps;
    while (!this.stopping) {
      for (const [status, keepMs] of Object.entries(retention.keep) as [
        EndedStatus,
        number,
      ][]) {
        if (this.stopping) break;
        try {
          const deleted = await purgeOlder(
            this.deps,
            {
              status,
              endedBefore: this.deps.now() - keepMs,
              limit: retention.batchSize,
              pauseMs: retention.pauseMs,
            },
            () => this.stopping,
          );
          if (deleted > 0)
            logger.debug?.(messages.retentionDeleted(status, deleted));
        } catch (error) {
          logger.warn(messages.retentionFailed(status, describeError(error)));
        }
      }
      if (this.stopping) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.cancelSleep = this.deps.clock.setTimer(
          retention.intervalMs,
          resolve,
        );
      });
      this.wake = undefined;
      this.cancelSleep = undefined;
    }
  }
}
