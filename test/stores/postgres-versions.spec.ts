import { PostgresStore } from '@lidex/nestjs/postgres';
import { claimNext } from '../support/claim-next';
import {
  describePostgres,
  dropTestSchemas,
  postgresUrl,
  sql,
  testSchema,
} from '../support/postgres';

describePostgres('PostgresStore versions', () => {
  afterAll(() => dropTestSchemas());

  it('upgrades a schema made before versions: its workflows are version 1, and claimed', async () => {
    const schema = testSchema();
    // The tables as schema version 1 made them, with a workflow in them.
    await sql(`CREATE SCHEMA "${schema}"`);
    await sql(`CREATE TABLE "${schema}".workflows (
      id text COLLATE "C" PRIMARY KEY, name text COLLATE "C" NOT NULL, status text NOT NULL,
      input text NOT NULL, result text, error text, failures integer NOT NULL DEFAULT 0,
      attempts integer NOT NULL DEFAULT 0, ready_at bigint, lease_token text, last_lease text,
      created_at bigint NOT NULL, updated_at bigint NOT NULL)`);
    await sql(`CREATE TABLE "${schema}".schema_version (
      one boolean PRIMARY KEY DEFAULT true CHECK (one), version integer NOT NULL)`);
    await sql(`INSERT INTO "${schema}".schema_version (version) VALUES (1)`);
    await sql(`INSERT INTO "${schema}".workflows
      (id, name, status, input, ready_at, created_at, updated_at)
      VALUES ('old', 'wf', 'idle', '1', 5, 1, 1)`);
    const store = new PostgresStore({ url: postgresUrl!, schema });
    await store.init();
    expect((await store.getWorkflow('old'))?.version).toBe(1);
    const [claimed] = await store.claimReady(
      10,
      [{ token: 't', until: 20 }],
      undefined,
      { versions: new Map([['wf', 1]]) },
    );
    expect(claimed).toMatchObject({ id: 'old', version: 1 });
    expect(
      await claimNext(store, 10, { token: 'u', until: 20 }),
    ).toBeUndefined();
    await store.close();
  });
});
