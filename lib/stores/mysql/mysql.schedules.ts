import type {
  ScheduleAdvance,
  ScheduleDraft,
  ScheduleRecord,
  ScheduleSaved,
  ScheduleStore,
} from '../persistence';
import type { MysqlQuery, Row } from './mysql.connection';
import { keyOf, mysqlNames } from './mysql.names';
import { mysqlErrno } from './mysql.retry';
import { text } from './mysql.rows';

/** ER_DUP_ENTRY: the id is taken. */
export const DUPLICATE_KEY = 1062;

const toRecord = (row: Row): ScheduleRecord => ({
  id: text(row.id),
  definition: text(row.definition),
  paused: Number(row.paused) === 1,
  lastTickAt: Number(row.last_tick_at),
  ...(row.last_workflow_id === null || row.last_workflow_id === undefined
    ? {}
    : { lastWorkflowId: text(row.last_workflow_id) }),
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

/** The MySQL store's schedules, in `<prefix>schedules`. */
export class MysqlSchedules implements ScheduleStore {
  private readonly table: string;

  constructor(
    private readonly query: MysqlQuery,
    prefix: string,
  ) {
    this.table = mysqlNames(prefix).schedules;
  }

  async saveSchedule(draft: ScheduleDraft): Promise<ScheduleSaved> {
    try {
      await this.query(
        `INSERT INTO ${this.table} (id_key, id, definition, last_tick_at, created_at, updated_at)
         VALUES (${keyOf('?')}, ?, ?, ?, ?, ?)`,
        [draft.id, draft.id, draft.definition, draft.now, draft.now, draft.now],
      );
      return 'created';
    } catch (error) {
      if (mysqlErrno(error) !== DUPLICATE_KEY) throw error;
    }
    const { affectedRows } = await this.query(
      `UPDATE ${this.table} SET definition = ?, updated_at = ? WHERE id_key = ${keyOf('?')} AND definition <> ?`,
      [draft.definition, draft.now, draft.id, draft.definition],
    );
    return affectedRows > 0 ? 'updated' : 'unchanged';
  }

  async getSchedule(id: string): Promise<ScheduleRecord | undefined> {
    const { sets } = await this.query(
      `SELECT * FROM ${this.table} WHERE id_key = ${keyOf('?')}`,
      [id],
    );
    const row = sets[0]?.[0];
    return row && toRecord(row);
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    const { sets } = await this.query(
      `SELECT * FROM ${this.table} ORDER BY id`,
    );
    return (sets[0] ?? []).map(toRecord);
  }

  async pauseSchedule(
    id: string,
    change: { paused: boolean; now: number },
  ): Promise<boolean> {
    await this.query(
      `UPDATE ${this.table}
       SET last_tick_at = IF(?, last_tick_at, GREATEST(last_tick_at, ?)), paused = ?,
           updated_at = ?
       WHERE id_key = ${keyOf('?')} AND paused <> ?`,
      [change.paused, change.now, change.paused, change.now, id, change.paused],
    );
    const { sets } = await this.query(
      `SELECT 1 AS found FROM ${this.table} WHERE id_key = ${keyOf('?')}`,
      [id],
    );
    return (sets[0] ?? []).length > 0;
  }

  async advanceSchedule(
    id: string,
    advance: ScheduleAdvance,
  ): Promise<boolean> {
    const { affectedRows } = await this.query(
      `UPDATE ${this.table}
       SET last_tick_at = ?, updated_at = ?, last_workflow_id = COALESCE(?, last_workflow_id)
       WHERE id_key = ${keyOf('?')} AND last_tick_at = ?`,
      [advance.to, advance.now, advance.workflowId ?? null, id, advance.from],
    );
    return affectedRows === 1;
  }

  async removeSchedule(id: string): Promise<boolean> {
    const { affectedRows } = await this.query(
      `DELETE FROM ${this.table} WHERE id_key = ${keyOf('?')}`,
      [id],
    );
    return affectedRows === 1;
  }
}
