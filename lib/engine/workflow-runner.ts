import type { ClaimedWorkflow } from '../stores/persistence';
import { messages } from '../lidex.messages';
import { cancelChildren, parentWasCancelled } from './child-family';
import { ContextCalls } from './context-calls';
import type { StoredValues } from './payloads/stored-values';
import type { RunDependencies } from './run-dependencies';
import {
  type CodeOutcome,
  recordOutcome,
  releaseUnhandled,
} from './run-outcome';
import { RunDeadline } from './run-deadline';
import { type HaltReason, RunWriter } from './run-writer';
import type { WorkflowContext, WorkflowHandler } from './types';
import { workflowContext } from './workflow-context';
import { WorkflowRun } from './workflow-run';
import {
  abortCompensator,
  compensateClaimed,
  compensatingClaim,
} from './compensation/compensating-run';

/*
 * How a run flows (docs/architecture.md). Values go one way, one stage per file, no stage
 * calling back into the one before it:
 *
 *   lidex-engine.ts      start(): checks the id and the name
 *   engine-start.ts      encodes the input (codec.ts) and inserts it, leased here when there is room
 *   worker.ts            claims ready workflows (or takes the one just inserted), holds PreparedRuns
 *   workflow-runner.ts   this file: builds the stages below, decodes the input, calls the code
 *                        with the facade, waits for its calls, hands the outcome on
 *   workflow-context.ts  the facade, the `ctx` the code sees; context-calls.ts tracks each call
 *   workflow-run.ts      replays recorded steps and sleeps, encodes step results, counts room
 *   run-writer.ts        the run's one way to the store: fenced, queued, retried writes; the
 *                        lease (renewed by run-lease.ts) and the halt
 *   run-outcome.ts       encodes the result; records finished or failed
 *   lib/stores           the Persistence the engine was given
 */

/** A claimed workflow, ready to run: what the worker holds while it runs. */
export interface PreparedRun {
  readonly workflowId: string;
  /** Shutdown: stop at the next durable point and hand the workflow back. */
  requestStop(): void;
  /** Stop at once (cancelled, or the drain timed out); nothing more is written. */
  halt(reason: HaltReason): void;
  /** Runs the workflow to its next resting point: finished, failed, or handed back. */
  execute(): Promise<void>;
}

type Ended = CodeOutcome | { kind: 'halted'; reason: HaltReason };

/** Runs one claimed workflow to its next resting point: finished, failed, or handed back. */
export class WorkflowRunner {
  constructor(
    private readonly deps: RunDependencies,
    private readonly handlers: ReadonlyMap<string, WorkflowHandler>,
  ) {}

  /**
   * Builds the stages for a claim; `execute()` then runs them. `leaseSentAt`: when the claim was
   * sent, on `deps.monotonic` (the lease is counted from then).
   */
  prepare(claimed: ClaimedWorkflow, leaseSentAt: number): PreparedRun {
    const writer = new RunWriter(claimed, this.deps, leaseSentAt);
    const deadline = new RunDeadline(
      claimed.deadlineAt,
      writer,
      this.deps,
      claimed.parent,
    );
    const compensating = compensatingClaim(claimed) !== undefined;
    const run = new WorkflowRun(
      claimed,
      writer,
      this.deps,
      deadline,
      compensating,
    );
    return {
      workflowId: claimed.id,
      requestStop: () => writer.requestStop(),
      halt: (reason) => void writer.halt(reason),
      execute: () => this.execute(claimed, writer, run, deadline),
    };
  }

  private async execute(
    claimed: ClaimedWorkflow,
    writer: RunWriter,
    run: WorkflowRun,
    deadline: RunDeadline,
  ): Promise<void> {
    // Claimed past its deadline: ended here, whether or not this instance has its code.
    if (await deadline.enforce()) {
      writer.trace.end('deadline');
      return;
    }
    if (await this.cancelledWithParent(claimed, writer)) {
      writer.trace.end('cancelled');
      return;
    }
    const handler = this.handlers.get(claimed.name);
    if (!handler) {
      writer.trace.end('unhandled');
      return releaseUnhandled(writer, this.deps, claimed.name, deadline);
    }
    let outcome = 'stopped';

    // Renewed from when the claim was sent: a claim that came back late is renewed at once.
    writer.startLease();
    this.deps.events.emit('claimed', () => ({
      workflowId: claimed.id,
      workflowName: claimed.name,
      at: writer.claimedAt,
      version: claimed.version,
    }));
    try {
      const calls = new ContextCalls(claimed.id, this.deps.logger);
      const context = workflowContext(run, calls);
      if (compensatingClaim(claimed)) {
        const replay = invoke(
          handler,
          context,
          claimed.input,
          this.deps.values,
          claimed.id,
        );
        return await compensateClaimed(claimed, writer, this.deps, run, replay);
      }
      const ended = await this.runCode(
        handler,
        context,
        calls,
        claimed.input,
        writer,
      );
      outcome = ended.kind === 'halted' ? ended.reason : ended.kind;
      if (ended.kind === 'halted') return;
      const misuse = calls.misuse();
      calls.close();
      if (await deadline.enforce()) return;
      await recordOutcome(
        writer,
        this.deps,
        misuse ? { kind: 'threw', error: misuse } : ended,
        deadline,
        claimed.parent,
        abortCompensator(claimed, writer, this.deps, run),
      );
    } finally {
      writer.stopLease();
      writer.trace.end(outcome);
    }
  }

  /**
   * A child claimed after its parent was cancelled (a crash in the cascade) cancels itself and
   * its own children, without running: `true` then.
   */
  private async cancelledWithParent(
    claimed: ClaimedWorkflow,
    writer: RunWriter,
  ): Promise<boolean> {
    const { parent } = claimed;
    if (!parent || parent.parentClose !== 'cancel') return false;
    const gone = await writer.write(() =>
      parentWasCancelled(this.deps.store, parent),
    );
    if (!gone) return false;
    const reason = {
      name: 'WorkflowCancelledError',
      message: messages.childCancelledWithParent(claimed.id, parent.workflowId),
    };
    const now = this.deps.now();
    const cancelled = await writer.write(() =>
      this.deps.store.cancelWorkflow(claimed.id, now, { reason }),
    );
    if (cancelled) {
      await writer.write(async () => {
        await cancelChildren(this.deps.family, claimed.id, now);
        return true;
      });
      this.deps.ended(claimed.id);
    }
    void writer.halt('cancelled');
    return true;
  }

  /**
   * Runs the workflow's code until it settles and then until every ctx call it made has (so
   * that a step it did not await is still recorded), or until the run halts.
   */
  private async runCode(
    handler: WorkflowHandler,
    context: WorkflowContext,
    calls: ContextCalls,
    encodedInput: string,
    writer: RunWriter,
  ): Promise<Ended> {
    const halted = writer.halted.promise.then((reason): Ended => ({
      kind: 'halted',
      reason,
    }));
    const ended = await Promise.race([
      writer.trace.within(() =>
        invoke(
          handler,
          context,
          encodedInput,
          this.deps.values,
          writer.workflowId,
        ),
      ),
      halted,
    ]);
    if (ended.kind === 'halted') return ended;
    return Promise.race([calls.returned().then(() => ended), halted]);
  }
}

/** Decodes the input and calls the workflow's code; what it throws is its outcome. */
async function invoke(
  handler: WorkflowHandler,
  context: WorkflowContext,
  encodedInput: string,
  values: StoredValues,
  workflowId: string,
): Promise<CodeOutcome> {
  try {
    const input = values.decode(encodedInput, { workflowId, field: 'input' });
    return { kind: 'returned', value: await handler(context, input) };
  } catch (error) {
    return { kind: 'threw', error };
  }
}
