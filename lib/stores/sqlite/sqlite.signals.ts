import type { BetterSqlite3 } from './sqlite.driver-types';
import {
  TERMINAL_STATUSES,
  type NewSignal,
  type SignalDelivery,
  type StoredSignal,
  type WaitRelease,
  type WaitTarget,
  type WorkflowStatus,
} from '../persistence';

/**
 * Signals in the SQLite store: a `signals` table (each workflow's, numbered by `seq`), and on the
 * workflow what a waiting one waits for (`waiting_for`, JSON; `waiting_kind` to filter on).
 */
export const sqliteSignalsTable = (prefix: string): string => `
CREATE TABLE IF NOT EXISTS ${prefix}signals (
  workflow_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  name TEXT NOT NULL,
  payload TEXT NOT NULL,
  signal_id TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  PRIMARY KEY (workflow_id, seq),
  UNIQUE (workflow_id, signal_id)
);
`;

/** Indexes on the columns signals added: made once `addMissingColumns` has added them. */
export const sqliteSignalsIndexes = (prefix: string): string => `
CREATE INDEX IF NOT EXISTS ${prefix}workflows_waiting
  ON ${prefix}workflows (waiting_kind, created_at, id) WHERE waiting_kind IS NOT NULL;
`;

/** The workflow columns signals added (`sqliteAddedColumns`). */
export const sqliteSignalColumns = (prefix: string) => [
  { table: `${prefix}workflows`, column: 'waiting_for', definition: 'TEXT' },
  { table: `${prefix}workflows`, column: 'waiting_kind', definition: 'TEXT' },
];

/** What a claim, a cancel and a wake set: the workflow no longer waits. */
export const NOT_WAITING = 'waiting_for = NULL, waiting_kind = NULL';

interface SignalRow {
  seq: number;
  name: string;
  payload: string;
  signal_id: string;
  sent_at: number;
}

const toStoredSignal = (row: SignalRow): StoredSignal => ({
  seq: row.seq,
  name: row.name,
  payload: row.payload,
  signalId: row.signal_id,
  sentAt: row.sent_at,
});

export const toWaitTarget = (json: string | null): WaitTarget | undefined =>
  json === null ? undefined : (JSON.parse(json) as WaitTarget);

/** The signal statements, compiled once per connection. */
export class SqliteSignalStatements {
  private readonly selectTarget: BetterSqlite3.Statement;
  private readonly selectSignalId: BetterSqlite3.Statement;
  private readonly insertSignal: BetterSqlite3.Statement;
  private readonly wake: BetterSqlite3.Statement;
  private readonly selectSignals: BetterSqlite3.Statement;
  private readonly releaseToWait: BetterSqlite3.Statement;

  constructor(db: BetterSqlite3.Database, prefix: string) {
    const workflows = `${prefix}workflows`;
    const signals = `${prefix}signals`;
    const missed = `(SELECT max(seq) FROM ${signals} WHERE workflow_id = @id) > @seen`;
    this.selectTarget = db.prepare(
      `SELECT status, lease_token, waiting_kind FROM ${workflows} WHERE id = ?`,
    );
    this.selectSignalId = db.prepare(
      `SELECT 1 FROM ${signals} WHERE workflow_id = ? AND signal_id = ?`,
    );
    this.insertSignal = db.prepare(
      `INSERT INTO ${signals} (workflow_id, seq, name, payload, signal_id, sent_at)
       VALUES (@id,
               (SELECT coalesce(max(seq), 0) + 1 FROM ${signals} WHERE workflow_id = @id),
               @name, @payload, @signal_id, @now)`,
    );
    this.wake = db.prepare(
      `UPDATE ${workflows} SET ready_at = @now, ${NOT_WAITING}, updated_at = @now
       WHERE id = @id AND lease_token IS NULL AND waiting_kind IS NOT NULL`,
    );
    this.selectSignals = db.prepare(
      `SELECT seq, name, payload, signal_id, sent_at FROM ${signals}
       WHERE workflow_id = ? ORDER BY seq`,
    );
    // A signal past what the run saw makes the wait ready now: nothing sent meanwhile is missed.
    this.releaseToWait = db.prepare(
      `UPDATE ${workflows}
         SET lease_token = NULL, last_lease = lease_token, updated_at = @now,
             ready_at = CASE WHEN ${missed} THEN @now ELSE @ready_at END,
             waiting_for = CASE WHEN ${missed} THEN NULL ELSE @waiting_for END,
             waiting_kind = CASE WHEN ${missed} THEN NULL ELSE @waiting_kind END
       WHERE id = @id AND lease_token = @lease_token`,
    );
  }

  /** `sendSignal`, inside the caller's write transaction. */
  send(signal: NewSignal): SignalDelivery {
    const id = signal.workflowId;
    const target = this.selectTarget.get(id) as
      | {
          status: WorkflowStatus;
          lease_token: string | null;
          waiting_kind: string | null;
        }
      | undefined;
    if (!target) return 'not-found';
    if (this.selectSignalId.get(id, signal.signalId)) return 'duplicate';
    if (TERMINAL_STATUSES.includes(target.status)) return 'ended';
    this.insertSignal.run({
      id,
      name: signal.name,
      payload: signal.payload,
      signal_id: signal.signalId,
      now: signal.now,
    });
    if (target.lease_token === null && target.waiting_kind !== null) {
      this.wake.run({ id, now: signal.now });
    }
    return 'delivered';
  }

  /** A wait's release; `true` when applied (the lease still held). */
  release(
    workflowId: string,
    leaseToken: string,
    release: { readyAt?: number; now: number; wait: WaitRelease },
  ): boolean {
    const { changes } = this.releaseToWait.run({
      id: workflowId,
      lease_token: leaseToken,
      seen: release.wait.signalsSeen,
      now: release.now,
      ready_at: release.readyAt ?? null,
      waiting_for: JSON.stringify(release.wait.for),
      waiting_kind: release.wait.for.kind,
    });
    return changes === 1;
  }

  of(workflowId: string): StoredSignal[] {
    return (this.selectSignals.all(workflowId) as SignalRow[]).map(
      toStoredSignal,
    );
  }
}
