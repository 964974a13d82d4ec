import { MysqlStore } from '@lidex/nestjs/mysql';
import { SCHEMA_VERSION } from '../../lib/stores/mysql/mysql.schema';
import {
  describeMysql,
  dropTestTables,
  mysqlSql,
  mysqlUrl,
  testPrefix,
} from '../support/mysql';
import { madeWithWorkflow, whileOpen } from '../support/old-schema';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

/**
 * Takes `prefix`'s procedures back to what version 14 had: no `finish_step`, and a `write_many`
 * that reads no last step (dropped: the migration must make it again).
 */
async function backToVersion14(prefix: string): Promise<void> {
  await mysqlSql(`DROP PROCEDURE \`${prefix}finish_step\``);
  await mysqlSql(`DROP PROCEDURE \`${prefix}write_many\``);
  await mysqlSql(`UPDATE \`${prefix}schema_version\` SET version = 14`);
}

/** The `held` a procedure's CALL answered, sent as by hand (or by an instance of version 14). */
async function called(text: string, values: unknown[]): Promise<unknown> {
  const [first] = await mysqlSql<Record<string, unknown>[]>(text, values);
  return first[0]?.held;
}

describeMysql(
  "MysqlStore: a finish with the run's last step (schema version 15)",
  () => {
    afterAll(() => dropTestTables());

    it('tables of version 14 get finish_step and write_many again when opened, keeping their workflows; the calls of a version-14 instance apply as before', async () => {
      const tablePrefix = testPrefix();
      await madeWithWorkflow(
        new MysqlStore({ url: mysqlUrl!, tablePrefix }),
        'kept',
        T0,
      );
      await backToVersion14(tablePrefix);

      await whileOpen(
        new MysqlStore({ url: mysqlUrl!, tablePrefix }),
        async (store) => {
          expect(
            await mysqlSql(
              `SELECT version FROM \`${tablePrefix}schema_version\``,
            ),
          ).toEqual([{ version: SCHEMA_VERSION }]);
          expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(15);
          expect(
            await mysqlSql(
              `SELECT ROUTINE_NAME AS name FROM information_schema.ROUTINES
           WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_NAME IN (?, ?) ORDER BY 1`,
              [`${tablePrefix}finish_step`, `${tablePrefix}write_many`],
            ),
          ).toEqual([
            { name: `${tablePrefix}finish_step` },
            { name: `${tablePrefix}write_many` },
          ]);

          for (const id of [
            'alone',
            'batch-a',
            'batch-b',
            'v14-alone',
            'v14-batch',
          ])
            await store.insertWorkflow({ id, name: 'wf', input: '1', now: T0 });
          const runs = await store.claimReady(
            T0 + 1,
            Array.from({ length: 6 }, (_, i) => ({
              token: `lease-${i}`,
              until: T0 + MINUTE,
            })),
          );
          const token = (id: string) =>
            runs.find((run) => run.id === id)!.leaseToken;
          expect(runs.map((run) => run.id).sort()).toEqual(
            [
              'alone',
              'batch-a',
              'batch-b',
              'kept',
              'v14-alone',
              'v14-batch',
            ].sort(),
          );
          const last = {
            kind: 'step' as const,
            id: 'c',
            result: '3',
            recordedAt: T0 + 2,
          };

          // This version's: a finish alone with its step (finish_step), two in one turn (write_many).
          expect(
            await store.recordFinish('alone', token('alone'), {
              result: '"a"',
              now: T0 + 3,
              step: last,
            }),
          ).toBe(true);
          expect(
            await Promise.all(
              ['batch-a', 'batch-b'].map((id) =>
                store.recordFinish(id, token(id), {
                  result: `"${id}"`,
                  now: T0 + 3,
                  step: last,
                }),
              ),
            ),
          ).toEqual([true, true]);
          for (const id of ['alone', 'batch-a', 'batch-b'])
            expect(await store.getWorkflow(id)).toMatchObject({
              status: 'finished',
              steps: [{ ...last, startedAt: undefined, wakeAt: undefined }],
            });

          // An instance of version 14 still running beside: `finish` of four parameters, and
          // `write_many` rows of twelve columns at most, its finish's result in $[8].
          expect(
            Number(
              await called(`CALL \`${tablePrefix}finish\`(?, ?, ?, ?)`, [
                'v14-alone',
                token('v14-alone'),
                '"v14"',
                T0 + 3,
              ]),
            ),
          ).toBe(1);
          const rows = [
            [
              'finish',
              'kept',
              token('kept'),
              null,
              T0 + 3,
              0,
              null,
              null,
              '"k"',
            ],
            [
              'finish',
              'v14-batch',
              token('v14-batch'),
              null,
              T0 + 3,
              0,
              null,
              null,
              '"b"',
            ],
          ];
          expect(
            await called(`CALL \`${tablePrefix}write_many\`(?)`, [
              JSON.stringify(rows),
            ]),
          ).toBe('22');
          for (const [id, result] of [
            ['v14-alone', '"v14"'],
            ['kept', '"k"'],
            ['v14-batch', '"b"'],
          ])
            expect(await store.getWorkflow(id)).toMatchObject({
              status: 'finished',
              result,
              steps: [],
            });
        },
      );
    });
  },
);
