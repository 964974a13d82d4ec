import { messages } from '../lidex.messages';
import type { ClaimedWorkflow } from '../stores/persistence';
import { decodeValue } from './codec';
import { cannotSucceedOnRetry, toWorkflowError } from './workflow-error';
import type { HaltReason, RunDependencies } from './workflow-run';
import { WorkflowRun } from './workflow-run';
import type { WorkflowContext, WorkflowHandler } from './types';
import { ContextCalls } from './context-calls';
import { workflowContext } from './workflow-context';

type Outcome =
  | { kind: 'returned'; value: unknown }
  | { kind: 'threw'; error: unknown }
  | { kind: 'halted'; reason: HaltReason };

/** Runs one claimed workflow to its next resting point: finished, failed, or handed back. */
export class WorkflowRunner {
  constructor(
    private readonly deps: RunDependencies,
    private readonly handlers: ReadonlyMap<string, WorkflowHandler>,
  ) {}

  /**
   * Creates the run for a claim; `execute` then drives it. `leaseSentAt`: when the claim was
   * sent, on `deps.monotonic` (the lease is counted from then).
   */
  prepare(claimed: ClaimedWorkflow, leaseSentAt: number): WorkflowRun {
    return new WorkflowRun(claimed, this.deps, leaseSentAt);
  }

  async execute(run: WorkflowRun, encodedInput: string): Promise<void> {
    const { store, options, logger, now } = this.deps;
    const handler = this.handlers.get(run.workflowName);
    if (!handler) {
      logger.warn(
        messages.noHandler(
          run.workflowId,
          run.workflowName,
          options.retryIntervalMs,
        ),
      );
      const readyAt = now() + options.retryIntervalMs;
      await run.write(() =>
        store.releaseLease(run.workflowId, run.leaseToken, {
          readyAt,
          now: now(),
        }),
      );
      this.deps.expectReady(readyAt);
      return;
    }

    // Renewed from when the claim was sent: a claim that came back late is renewed at once.
    run.lease.start();
    try {
      const calls = new ContextCalls(run.workflowId, logger);
      const context = workflowContext(run, calls);
      const outcome = await this.outcome(
        handler,
        context,
        calls,
        run,
        encodedInput,
      );
      const misuse = outcome.kind === 'halted' ? undefined : calls.misuse();
      if (outcome.kind !== 'halted') calls.close();
      if (misuse) await this.fail(run, misuse);
      else if (outcome.kind === 'returned')
        await this.finish(run, outcome.value);
      else if (outcome.kind === 'threw') await this.fail(run, outcome.error);
    } finally {
      run.lease.stop();
    }
  }

  /**
   * Runs the workflow's code until it settles and then until every ctx call it made has (so
   * that a step it did not await is still recorded), or until the run halts.
   */
  private async outcome(
    handler: WorkflowHandler,
    context: WorkflowContext,
    calls: ContextCalls,
    run: WorkflowRun,
    encodedInput: string,
  ): Promise<Outcome> {
    const halted = run.halted.promise.then((reason): Outcome => ({
      kind: 'halted',
      reason,
    }));
    const outcome = await Promise.race([
      this.invoke(handler, context, encodedInput),
      halted,
    ]);
    if (outcome.kind === 'halted') return outcome;
    return Promise.race([calls.returned().then(() => outcome), halted]);
  }

  private async invoke(
    handler: WorkflowHandler,
    context: WorkflowContext,
    encodedInput: string,
  ): Promise<Outcome> {
    try {
      const input = decodeValue(encodedInput);
      return { kind: 'returned', value: await handler(context, input) };
    } catch (error) {
      return { kind: 'threw', error };
    }
  }

  private async finish(run: WorkflowRun, value: unknown): Promise<void> {
    let written: boolean | undefined;
    try {
      const encoded = run.encode(
        value,
        `result of workflow ${JSON.stringify(run.workflowId)}`,
      );
      const now = this.deps.now();
      written = await run.write(() =>
        this.deps.store.recordFinish(run.workflowId, run.leaseToken, {
          result: encoded,
          now,
        }),
      );
    } catch (error) {
      // The result cannot be stored: that is the workflow's failure.
      return this.fail(run, error);
    }
    if (written) {
      this.deps.logger.debug?.(messages.workflowFinished(run.workflowId));
    } else {
      void run.loseLease();
    }
  }

  private async fail(run: WorkflowRun, thrown: unknown): Promise<void> {
    const { store, options, logger, now } = this.deps;
    const error = toWorkflowError(thrown);
    const abort = cannotSucceedOnRetry(thrown);
    const at = now();
    const outcome = await run.write(() =>
      store.recordFailure(run.workflowId, run.leaseToken, {
        error,
        retryAt: at + options.retryIntervalMs,
        maxFailures: options.maxFailures,
        abort,
        now: at,
      }),
    );
    if (outcome) {
      if (outcome.status === 'failed')
        this.deps.expectReady(at + options.retryIntervalMs);
      logger.warn(
        abort
          ? messages.workflowEndedAtOnce(run.workflowId, error.message)
          : messages.workflowFailed(
              run.workflowId,
              outcome.status,
              outcome.failures,
              error.message,
            ),
      );
    } else {
      void run.loseLease();
    }
  }
}
