import { parentParam } from './postgres.children';
import type {
  Lease,
  NewWorkflow,
  StepOutcome,
  StoredStep,
} from '../persistence';
import { type ArrayKind, columnLiterals } from './postgres.array-literal';
import { WriteBatcher } from '../write-batcher';
import { POSTGRES_BATCHES } from './postgres.batch';
import type { PostgresBatchStatements } from './postgres.batch-statements';
import type { Queryable } from './postgres.queryable';
import type { PostgresStatements } from './postgres.statements';

interface Insert {
  workflow: NewWorkflow;
  lease?: Lease;
}

interface Step {
  workflowId: string;
  leaseToken: string;
  step: StoredStep;
  next: StepOutcome;
}

interface Finish {
  workflowId: string;
  leaseToken: string;
  result: string;
  now: number;
  /** The run's last step, recorded with the finish. */
  step?: StoredStep;
}

/** $1..$14 of the insert statements: leased (claimed by its starter) or ready now. */
export const insertRow = ({ workflow, lease }: Insert): unknown[] => [
  workflow.id,
  workflow.name,
  lease ? 'running' : 'idle',
  workflow.input,
  lease ? 1 : 0,
  lease ? lease.until : workflow.now,
  lease?.token ?? null,
  workflow.now,
  workflow.version ?? 1,
  workflow.deadlineAt ?? null,
  workflow.priority ?? 0,
  workflow.concurrencyKey ?? null,
  workflow.traceContext ?? null,
  parentParam(workflow.parent),
];

const stepRow = ({ workflowId, leaseToken, step, next }: Step): unknown[] => [
  workflowId,
  leaseToken,
  next.readyAt ?? null,
  next.now,
  next.release,
  step.kind,
  step.id,
  step.result ?? null,
  step.wakeAt ?? null,
  step.startedAt ?? null,
  step.recordedAt,
];

/** The element types of the batch statements' arrays, in the order of their parameters. */
// prettier-ignore
const INSERT_KINDS: readonly ArrayKind[] = [
  'text', 'text', 'text', 'text', 'int', 'bigint', 'text', 'bigint',
  'int', 'bigint', 'int', 'text', 'text', 'text',
];
// prettier-ignore
const STEP_KINDS: readonly ArrayKind[] = [
  'text', 'text', 'bigint', 'bigint', 'boolean', 'text', 'text', 'text',
  'bigint', 'bigint', 'bigint',
];
/** $1..$9 of the finish statements: the finish, then its step's columns (nulls without one). */
const finishRow = ({ workflowId, leaseToken, result, now, step }: Finish) => [
  workflowId,
  leaseToken,
  result,
  now,
  step?.kind ?? null,
  step?.id ?? null,
  step?.result ?? null,
  step?.startedAt ?? null,
  step?.recordedAt ?? null,
];

// prettier-ignore
const FINISH_KINDS: readonly ArrayKind[] = [
  'text', 'text', 'text', 'bigint', 'text', 'text', 'text', 'bigint', 'bigint',
];

/**
 * The store's hot writes (workflow inserts, steps, finishes), each through a `WriteBatcher`: a
 * write alone runs its single-row statement; writes of one turn share one statement.
 */
export class PostgresWrites {
  private readonly inserts: WriteBatcher<Insert, boolean>;
  private readonly steps: WriteBatcher<Step, boolean>;
  private readonly finishes: WriteBatcher<Finish, boolean>;

  constructor(
    query: Queryable,
    sql: PostgresStatements,
    batch: PostgresBatchStatements,
    channel: string,
  ) {
    this.inserts = new WriteBatcher<Insert, boolean>(
      {
        key: ({ workflow }) => workflow.id,
        one: async (write) => {
          if (write.lease) {
            const { rowCount } = await query(
              sql.insertLeased,
              insertRow(write),
            );
            return rowCount === 1;
          }
          // Ready now, and for any instance: listeners hear of it.
          const { rows } = await query<{ inserted: number }>(sql.insertReady, [
            ...insertRow(write),
            channel,
          ]);
          return rows[0].inserted === 1;
        },
        many: async (writes) => {
          const ready = writes.some(({ lease }) => !lease);
          const { rows } = await query<{ ids: string[] | null }>(batch.insert, [
            ...columnLiterals(INSERT_KINDS, writes.map(insertRow)),
            ready ? channel : null,
          ]);
          const inserted = new Set(rows[0]?.ids ?? []);
          return writes.map(({ workflow }) => inserted.has(workflow.id));
        },
      },
      POSTGRES_BATCHES,
    );
    this.steps = new WriteBatcher<Step, boolean>(
      {
        key: ({ workflowId }) => workflowId,
        one: async (write) => {
          const { rows } = await query<{ held: boolean }>(
            sql.recordStep,
            stepRow(write),
          );
          return rows[0].held;
        },
        many: async (writes) => {
          const { rows } = await query<{ held: boolean }>(
            batch.recordStep,
            columnLiterals(STEP_KINDS, writes.map(stepRow)),
          );
          return rows.map(({ held }) => held);
        },
      },
      POSTGRES_BATCHES,
    );
    this.finishes = new WriteBatcher<Finish, boolean>(
      {
        key: ({ workflowId }) => workflowId,
        one: async (write) => {
          const { rows } = await query<{ held: boolean }>(
            sql.finish,
            finishRow(write),
          );
          return rows[0].held;
        },
        many: async (writes) => {
          const { rows } = await query<{ held: boolean }>(
            batch.finish,
            columnLiterals(FINISH_KINDS, writes.map(finishRow)),
          );
          return rows.map(({ held }) => held);
        },
      },
      POSTGRES_BATCHES,
    );
  }

  /** Sends the writes queued in this turn and waits for all in flight: before the pool closes. */
  async drain(): Promise<void> {
    await Promise.all([
      this.inserts.drain(),
      this.steps.drain(),
      this.finishes.drain(),
    ]);
  }

  insert(workflow: NewWorkflow, lease?: Lease): Promise<boolean> {
    return this.inserts.submit({ workflow, lease });
  }

  recordStep(write: Step): Promise<boolean> {
    return this.steps.submit(write);
  }

  finish(write: Finish): Promise<boolean> {
    return this.finishes.submit(write);
  }
}
