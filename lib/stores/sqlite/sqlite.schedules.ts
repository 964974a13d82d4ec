import type { BetterSqlite3 } from './sqlite.driver-types';
import type {
  ScheduleAdvance,
  ScheduleDraft,
  ScheduleRecord,
  ScheduleSaved,
  ScheduleStore,
} from '../persistence';

/** The schedules table: created on first use, idempotently, in a file of any earlier version. */
const schedulesSchema = (table: string): string => `
CREATE TABLE IF NOT EXISTS ${table} (
  id TEXT PRIMARY KEY,
  definition TEXT NOT NULL,
  paused INTEGER NOT NULL DEFAULT 0,
  last_tick_at INTEGER NOT NULL,
  last_workflow_id TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
)`;

interface ScheduleRow {
  id: string;
  definition: string;
  paused: number;
  last_tick_at: number;
  last_workflow_id: string | null;
  created_at: number;
  updated_at: number;
}

const toRecord = (row: ScheduleRow): ScheduleRecord => ({
  id: row.id,
  definition: row.definition,
  paused: row.paused === 1,
  lastTickAt: row.last_tick_at,
  ...(row.last_workflow_id === null
    ? {}
    : { lastWorkflowId: row.last_workflow_id }),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Runs `work` on the store's connection: reads at once, writes through its write queue. */
export interface SqliteAccess {
  read<T>(work: (db: BetterSqlite3.Database) => T): Promise<T>;
  write<T>(work: (db: BetterSqlite3.Database) => T): Promise<T>;
}

/** The SQLite store's schedules, in `<prefix>schedules` beside its workflows. */
export class SqliteSchedules implements ScheduleStore {
  private readonly table: string;
  private readonly ready = new WeakSet<BetterSqlite3.Database>();

  constructor(
    private readonly access: SqliteAccess,
    prefix: string,
  ) {
    this.table = `${prefix}schedules`;
  }

  saveSchedule(draft: ScheduleDraft): Promise<ScheduleSaved> {
    return this.write((db) => {
      const inserted = db
        .prepare(
          `INSERT INTO ${this.table} (id, definition, paused, last_tick_at, created_at, updated_at)
           VALUES (?, ?, 0, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
        )
        .run(draft.id, draft.definition, draft.now, draft.now, draft.now);
      if (inserted.changes === 1) return 'created';
      const updated = db
        .prepare(
          `UPDATE ${this.table} SET definition = ?, updated_at = ?
           WHERE id = ? AND definition <> ?`,
        )
        .run(draft.definition, draft.now, draft.id, draft.definition);
      return updated.changes === 1 ? 'updated' : 'unchanged';
    });
  }

  getSchedule(id: string): Promise<ScheduleRecord | undefined> {
    return this.read((db) => {
      const row = db
        .prepare(`SELECT * FROM ${this.table} WHERE id = ?`)
        .get(id) as ScheduleRow | undefined;
      return row && toRecord(row);
    });
  }

  listSchedules(): Promise<ScheduleRecord[]> {
    return this.read((db) =>
      (
        db
          .prepare(`SELECT * FROM ${this.table} ORDER BY id`)
          .all() as ScheduleRow[]
      ).map(toRecord),
    );
  }

  pauseSchedule(
    id: string,
    change: { paused: boolean; now: number },
  ): Promise<boolean> {
    return this.write((db) => {
      db.prepare(
        `UPDATE ${this.table}
         SET paused = @paused, updated_at = @now,
             last_tick_at = CASE WHEN @paused = 0 THEN MAX(last_tick_at, @now)
                                 ELSE last_tick_at END
         WHERE id = @id AND paused <> @paused`,
      ).run({ id, paused: change.paused ? 1 : 0, now: change.now });
      return (
        db.prepare(`SELECT 1 FROM ${this.table} WHERE id = ?`).get(id) !==
        undefined
      );
    });
  }

  advanceSchedule(id: string, advance: ScheduleAdvance): Promise<boolean> {
    return this.write(
      (db) =>
        db
          .prepare(
            `UPDATE ${this.table}
             SET last_tick_at = @to, updated_at = @now,
                 last_workflow_id = COALESCE(@workflowId, last_workflow_id)
             WHERE id = @id AND last_tick_at = @from`,
          )
          .run({
            id,
            from: advance.from,
            to: advance.to,
            now: advance.now,
            workflowId: advance.workflowId ?? null,
          }).changes === 1,
    );
  }

  removeSchedule(id: string): Promise<boolean> {
    return this.write(
      (db) =>
        db.prepare(`DELETE FROM ${this.table} WHERE id = ?`).run(id).changes ===
        1,
    );
  }

  private read<T>(work: (db: BetterSqlite3.Database) => T): Promise<T> {
    return this.access.read((db) => work(this.prepared(db)));
  }

  private write<T>(work: (db: BetterSqlite3.Database) => T): Promise<T> {
    return this.access.write((db) => work(this.prepared(db)));
  }

  /** The connection, its schedules table made once (a new connection checks again). */
  private prepared(db: BetterSqlite3.Database): BetterSqlite3.Database {
    if (!this.ready.has(db)) {
      db.exec(schedulesSchema(this.table));
      this.ready.add(db);
    }
    return db;
  }
}
