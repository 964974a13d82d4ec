import type { ClaimedWorkflow, ClaimOptions, Lease } from '../persistence';
import { parentField } from './mysql.children';
import type { MysqlQuery } from './mysql.connection';
import { limitsParam, scanSize } from './mysql.flow-control';
import type { MysqlNames } from './mysql.names';
import { deadlineOf } from './mysql.reads';
import { text, toStoredSteps, versionsParam } from './mysql.rows';
import { toStoredSignals } from './mysql.signals';
import { traceContextOf } from './mysql.trace-context';

/**
 * The MySQL store's claim: one `CALL` of its claim procedure (`FOR UPDATE SKIP LOCKED`, oldest
 * ready first, flow limits included) answering the steps and signals a replay needs.
 */
export class MysqlClaims {
  constructor(
    private readonly query: MysqlQuery,
    private readonly names: MysqlNames,
  ) {}

  async claimReady(
    now: number,
    leases: Lease[],
    options: ClaimOptions | undefined,
  ): Promise<ClaimedWorkflow[]> {
    if (leases.length === 0) return [];
    const limits = limitsParam(options);
    const { sets } = await this.query(
      `CALL ${this.names.procedure('claim_flow')}(?, ?, ?, ?, ?, ?, ?)`,
      [
        Math.round(now),
        JSON.stringify(
          leases.map((lease) => [lease.token, Math.round(lease.until)]),
        ),
        leases.length,
        versionsParam(options?.versions),
        options?.oldestFirst === true,
        limits,
        scanSize(leases.length, limits !== null),
      ],
    );
    const claimed: ClaimedWorkflow[] = [];
    // Three result sets per workflow: its row, its steps, its signals.
    for (let i = 0; i + 2 < sets.length; i += 3) {
      const row = sets[i][0];
      claimed.push({
        id: text(row.id),
        name: text(row.name),
        input: text(row.input),
        leaseToken: text(row.token),
        version: Number(row.version),
        steps: toStoredSteps(sets[i + 1]),
        signals: toStoredSignals(sets[i + 2]),
        deadlineAt: deadlineOf(row.deadline_at),
        ...traceContextOf(row),
        ...parentField(row),
      });
    }
    return claimed;
  }
}
