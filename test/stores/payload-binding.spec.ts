import Database from 'better-sqlite3';
import { join } from 'node:path';
import {
  LidexEngine,
  PayloadCodecError,
  type Persistence,
  type WorkflowContext,
} from '@lidex/nestjs';
import { PostgresStore } from '@lidex/nestjs/postgres';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { messages } from '../../lib/lidex.messages';
import { eventually } from '../support/eventually';
import { codecK1 } from '../support/payload-codec-case';
import {
  describePostgres,
  dropTestSchemas,
  sql,
  testSchema,
} from '../support/postgres';
import { tempDir } from '../support/temp-dir';

// An encrypted value is bound to its workflow and field (GCM's additional authenticated data):
// someone who can write the database copies one workflow's ciphertext into another's row, or a
// step's into another step, and reading it there is a PayloadCodecError, never the other value.

/** Writes the raw store past Lidex, with the database's own driver. */
interface RawWriter {
  copyInput(from: string, to: string): Promise<void>;
  copyStep(workflowId: string, from: string, to: string): Promise<void>;
}

const handlers = {
  'bound-card': async (ctx: WorkflowContext, input: unknown) => {
    const { card } = input as { card: string };
    const charged = await ctx.step('charge', () => `charged ${card}`);
    const receipt = await ctx.step('receipt', () => `receipt for ${card}`);
    await ctx.waitForSignal('go', 'go');
    return { charged, receipt };
  },
};

function bindingCases(
  label: string,
  open: () => Promise<Persistence>,
  raw: () => RawWriter,
  cleanup: () => Promise<void>,
) {
  describe(`encrypted values bound to their place on ${label}`, () => {
    let store: Persistence | undefined;
    let engine: LidexEngine | undefined;
    afterEach(async () => {
      await engine?.stopWorker();
      await store?.close();
      engine = store = undefined;
    });
    afterAll(() => cleanup());

    const start = async () => {
      store = await open();
      engine = new LidexEngine({
        store,
        handlers,
        codec: codecK1(),
        pollIntervalMs: 20,
        retryIntervalMs: 0,
      });
      return engine;
    };

    it("refuses workflow A's encrypted input copied into workflow B's row; A still runs", async () => {
      const lidex = await start();
      await lidex.start('card-a', 'bound-card', { card: 'CARD-OF-A' });
      await lidex.start('card-b', 'bound-card', { card: 'CARD-OF-B' });
      await raw().copyInput('card-a', 'card-b');

      const elsewhere = messages.payloadBoundElsewhere('k1', {
        workflowId: 'card-b',
        field: 'input',
      });
      await expect(lidex.get('card-b')).rejects.toThrow(
        new PayloadCodecError(elsewhere),
      );
      // The dashboard's reader shows it as not decryptable, never A's card.
      const shown = await lidex.inspect('card-b');
      expect(shown?.input).toBe(messages.payloadNotHere('k1'));
      expect(JSON.stringify(shown)).not.toContain('CARD-OF-A');

      lidex.startWorker();
      const failed = await eventually(
        async () => {
          const info = await lidex.inspect('card-b');
          return info?.error?.name === 'PayloadCodecError' && info;
        },
        20_000,
        'card-b to fail with a PayloadCodecError',
      ).catch(async (error: Error) => {
        throw new Error(
          `${error.message}: ${JSON.stringify(await lidex.inspect('card-b'))}`,
        );
      });
      expect(failed.error?.message).toBe(elsewhere);
      expect(failed.steps).toEqual([]);
      // The worker goes on: A runs to its wait and finishes.
      await eventually(
        async () => (await lidex.get('card-a'))?.waitingFor?.kind === 'signal',
        20_000,
        'card-a to wait',
      );
      await lidex.signal('card-a', 'go', null);
      expect(await lidex.result('card-a', { timeoutMs: 20_000 })).toEqual({
        charged: 'charged CARD-OF-A',
        receipt: 'receipt for CARD-OF-A',
      });
    }, 60_000);

    it("refuses one step's encrypted result copied into another step of the workflow", async () => {
      const lidex = await start();
      lidex.startWorker();
      await lidex.start('card-c', 'bound-card', { card: 'CARD-OF-C' });
      await eventually(
        async () => (await lidex.get('card-c'))?.waitingFor?.kind === 'signal',
        20_000,
        'card-c to wait',
      );
      await raw().copyStep('card-c', 'charge', 'receipt');

      const elsewhere = messages.payloadBoundElsewhere('k1', {
        workflowId: 'card-c',
        field: 'step',
        name: 'receipt',
      });
      await expect(lidex.get('card-c')).rejects.toThrow(
        new PayloadCodecError(elsewhere),
      );
      const shown = await lidex.inspect('card-c');
      expect(shown?.steps.map((s) => s.result)).toEqual([
        'charged CARD-OF-C',
        messages.payloadNotHere('k1'),
      ]);
      // The replay after the signal reads the copied value: the workflow fails with it.
      await lidex.signal('card-c', 'go', null);
      const failed = await eventually(
        async () => {
          const info = await lidex.inspect('card-c');
          return info?.error?.name === 'PayloadCodecError' && info;
        },
        20_000,
        'card-c to fail with a PayloadCodecError',
      );
      expect(failed.error?.message).toBe(elsewhere);
      expect(failed.result).toBeUndefined();
    }, 60_000);
  });
}

async function init(store: Persistence): Promise<Persistence> {
  await store.init();
  return store;
}

const dir = tempDir('lidex-binding-');
let files = 0;
let path = '';
const sqliteRaw = (): RawWriter => {
  const run = (text: string, ...values: string[]) => {
    const db = new Database(path, { fileMustExist: true });
    try {
      db.prepare(text).run(...values);
    } finally {
      db.close();
    }
    return Promise.resolve();
  };
  return {
    copyInput: (from, to) =>
      run(
        `UPDATE lidex_workflows SET input = (SELECT input FROM lidex_workflows WHERE id = ?) WHERE id = ?`,
        from,
        to,
      ),
    copyStep: (workflowId, from, to) =>
      run(
        `UPDATE lidex_steps SET result = (SELECT result FROM lidex_steps WHERE workflow_id = ? AND kind = 'step' AND step_id = ?) WHERE workflow_id = ? AND kind = 'step' AND step_id = ?`,
        workflowId,
        from,
        workflowId,
        to,
      ),
  };
};
bindingCases(
  'a SQLite file',
  () => {
    path = join(dir.path, `binding-${++files}.sqlite`);
    return init(new SqliteStore({ path }));
  },
  sqliteRaw,
  () => Promise.resolve(dir.remove()),
);

let schema = '';
describePostgres('PostgreSQL', () => {
  bindingCases(
    'PostgreSQL',
    () =>
      init(
        new PostgresStore({
          url: process.env.LIDEX_TEST_POSTGRES_URL!,
          schema: (schema = testSchema()),
          poolSize: 2,
        }),
      ),
    () => ({
      copyInput: async (from, to) => {
        await sql(
          `UPDATE "${schema}".workflows SET input = (SELECT input FROM "${schema}".workflows WHERE id = $1) WHERE id = $2`,
          [from, to],
        );
      },
      copyStep: async (workflowId, from, to) => {
        await sql(
          `UPDATE "${schema}".steps SET result = (SELECT result FROM "${schema}".steps WHERE workflow_id = $1 AND kind = 'step' AND step_id = $2) WHERE workflow_id = $1 AND kind = 'step' AND step_id = $3`,
          [workflowId, from, to],
        );
      },
    }),
    () => dropTestSchemas(),
  );
});
