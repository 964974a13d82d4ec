import type {
  ScheduleAdvance,
  ScheduleDraft,
  ScheduleRecord,
  ScheduleSaved,
  ScheduleStore,
} from '../persistence';
import type { Queryable, Statement } from './postgres.queryable';

/** Migration 3: the schedules table (idempotent, as every migration). */
export const schedulesMigration = (schema: string): string[] => [
  `CREATE TABLE IF NOT EXISTS "${schema}".schedules (
    id text COLLATE "C" PRIMARY KEY,
    definition text NOT NULL,
    paused boolean NOT NULL DEFAULT false,
    last_tick_at bigint NOT NULL,
    last_workflow_id text,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  )`,
];

interface ScheduleRow {
  id: string;
  definition: string;
  paused: boolean;
  last_tick_at: number;
  last_workflow_id: string | null;
  created_at: number;
  updated_at: number;
}

const toRecord = (row: ScheduleRow): ScheduleRecord => ({
  id: row.id,
  definition: row.definition,
  paused: row.paused,
  lastTickAt: Number(row.last_tick_at),
  ...(row.last_workflow_id === null
    ? {}
    : { lastWorkflowId: row.last_workflow_id }),
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

function statements(schema: string) {
  const table = `"${schema}".schedules`;
  const statement = (role: string, text: string): Statement => ({
    name: `lidex_${schema}_schedule_${role}`,
    text,
  });
  return {
    // One statement: a new id is inserted, a changed definition replaced, and which it was told;
    // either notifies ($4), so that idle instances without schedules read them again.
    save: statement(
      'save',
      `WITH inserted AS (
         INSERT INTO ${table} (id, definition, last_tick_at, created_at, updated_at)
         VALUES ($1, $2, $3, $3, $3) ON CONFLICT (id) DO NOTHING RETURNING id
       ), updated AS (
         UPDATE ${table} SET definition = $2, updated_at = $3
         WHERE id = $1 AND definition <> $2 AND NOT EXISTS (SELECT 1 FROM inserted)
         RETURNING id
       )
       SELECT EXISTS (SELECT 1 FROM inserted) AS created,
              EXISTS (SELECT 1 FROM updated) AS updated,
              CASE WHEN EXISTS (SELECT 1 FROM inserted) OR EXISTS (SELECT 1 FROM updated)
                THEN pg_notify($4, '') END AS notified`,
    ),
    get: statement('get', `SELECT * FROM ${table} WHERE id = $1`),
    list: statement('list', `SELECT * FROM ${table} ORDER BY id`),
    pause: statement(
      'pause',
      `WITH changed AS (
         UPDATE ${table}
         SET paused = $2, updated_at = $3,
             last_tick_at = CASE WHEN $2 THEN last_tick_at ELSE GREATEST(last_tick_at, $3) END
         WHERE id = $1 AND paused <> $2
       )
       SELECT EXISTS (SELECT 1 FROM ${table} WHERE id = $1) AS found`,
    ),
    advance: statement(
      'advance',
      `UPDATE ${table}
       SET last_tick_at = $3, updated_at = $4,
           last_workflow_id = COALESCE($5, last_workflow_id)
       WHERE id = $1 AND last_tick_at = $2`,
    ),
    remove: statement('remove', `DELETE FROM ${table} WHERE id = $1`),
  };
}

/** The PostgreSQL store's schedules, in `<schema>.schedules` (migration 3). */
export class PostgresSchedules implements ScheduleStore {
  private readonly sql: ReturnType<typeof statements>;

  /** `channel`: the store's LISTEN/NOTIFY channel. */
  constructor(
    private readonly query: Queryable,
    schema: string,
    private readonly channel: string,
  ) {
    this.sql = statements(schema);
  }

  async saveSchedule(draft: ScheduleDraft): Promise<ScheduleSaved> {
    const { rows } = await this.query<{ created: boolean; updated: boolean }>(
      this.sql.save,
      [draft.id, draft.definition, draft.now, this.channel],
    );
    if (rows[0].created) return 'created';
    return rows[0].updated ? 'updated' : 'unchanged';
  }

  async getSchedule(id: string): Promise<ScheduleRecord | undefined> {
    const { rows } = await this.query<ScheduleRow>(this.sql.get, [id]);
    return rows[0] && toRecord(rows[0]);
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    const { rows } = await this.query<ScheduleRow>(this.sql.list, []);
    return rows.map(toRecord);
  }

  async pauseSchedule(
    id: string,
    change: { paused: boolean; now: number },
  ): Promise<boolean> {
    const { rows } = await this.query<{ found: boolean }>(this.sql.pause, [
      id,
      change.paused,
      change.now,
    ]);
    return rows[0].found;
  }

  async advanceSchedule(
    id: string,
    advance: ScheduleAdvance,
  ): Promise<boolean> {
    const { rowCount } = await this.query(this.sql.advance, [
      id,
      advance.from,
      advance.to,
      advance.now,
      advance.workflowId ?? null,
    ]);
    return rowCount === 1;
  }

  async removeSchedule(id: string): Promise<boolean> {
    const { rowCount } = await this.query(this.sql.remove, [id]);
    return rowCount === 1;
  }
}
