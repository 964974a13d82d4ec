import { join } from 'node:path';
import {
  dropTestDatabases,
  mongoServers,
  testDatabase,
} from '../support/mongo';
import { messages } from '../../lib/lidex.messages';
import {
  consumerProject,
  type ConsumerProject,
  type Driver,
  type Outcome,
  type Resolution,
} from './consumer-project';

// An app installs @lidex/nestjs and one store's driver, never the other's, and compiles with
// `skipLibCheck: false`, which type-checks every declaration file it reaches, under each of
// TypeScript's ways of resolving a package: node10 (`typesVersions`), node16 and bundler
// (`exports`). Needs `npm run build` first (`npm test` does it).

jest.setTimeout(180_000);

const EXTERNAL_STORE = join(__dirname, '../fixtures/external-store');
const RESOLUTIONS: Resolution[] = ['node10', 'node16', 'bundler'];
const FINISHED = JSON.stringify({ status: 'finished', result: 'Hello, Ada!' });

/** One consumer project per suite; each resolution compiled once, on first use. */
function consumerOf(driver: Driver) {
  let project: ConsumerProject | undefined;
  const compiled = new Map<Resolution, Promise<Outcome>>();
  beforeAll(() => {
    project = consumerProject(driver, {
      main: join(__dirname, `fixtures/${driver}-app.ts`),
      'testing-entry': join(__dirname, 'fixtures/testing-entry.ts'),
      // A store written outside the library and its run of the shipped suites, compiled
      // without any test runner's types.
      'relay-store': join(EXTERNAL_STORE, 'relay-store.ts'),
      'relay-store.spec': join(EXTERNAL_STORE, 'relay-store.spec.ts'),
    });
  });
  afterAll(() => project?.remove());
  return {
    compile(resolution: Resolution): Promise<Outcome> {
      if (!compiled.has(resolution))
        compiled.set(resolution, project!.compile(resolution));
      return compiled.get(resolution)!;
    },
    run: (resolution: Resolution, source: string, args?: string[]) =>
      project!.run(resolution, source, args),
    check: (
      resolution: Resolution,
      label: string,
      overrides: Record<string, unknown>,
    ) => project!.check(resolution, label, overrides),
  };
}

describe('a consumer with only better-sqlite3 installed', () => {
  const consumer = consumerOf('sqlite');

  it.each(RESOLUTIONS)('compiles (moduleResolution %s)', async (resolution) => {
    const { code, output } = await consumer.compile(resolution);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  // A tsconfig of its own without esModuleInterop (nor allowSyntheticDefaultImports): the
  // declarations must not default-import better-sqlite3's `export =` typings.
  it('compiles without esModuleInterop', async () => {
    const { code, output } = await consumer.check('node10', 'no-interop', {
      esModuleInterop: false,
      allowSyntheticDefaultImports: false,
    });
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('runs: the app boots, a workflow finishes, the app closes and exits', async () => {
    await consumer.compile('node10');
    const run = await consumer.run('node10', 'main');
    expect(run).toEqual({ code: 0, output: `${FINISHED}\n` });
  });

  it('runs on the default store the module creates', async () => {
    await consumer.compile('node10');
    const run = await consumer.run('node10', 'main', ['default']);
    expect(run).toEqual({ code: 0, output: `${FINISHED}\n` });
  });

  it('loads @lidex/nestjs/testing', async () => {
    await consumer.compile('node10');
    const run = await consumer.run('node10', 'testing-entry');
    expect(run).toEqual({ code: 0, output: '' });
  });

  it('runs the store kit outside a test runner only to say which global it needs', async () => {
    await consumer.compile('node10');
    const run = await consumer.run('node10', 'relay-store.spec');
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(messages.noTestRunnerGlobal('describe'));
  });
});

describe('a consumer with only mongodb installed', () => {
  const consumer = consumerOf('mongodb');
  afterAll(() => dropTestDatabases());

  it.each(RESOLUTIONS)('compiles (moduleResolution %s)', async (resolution) => {
    const { code, output } = await consumer.compile(resolution);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  // An atomic server, where one is running: on FerretDB the store rightly warns at start.
  const server = mongoServers.find((each) => each.atomic) ?? mongoServers[0];

  (server ? it : it.skip)(
    'runs: the app boots, a workflow finishes, the app closes and exits',
    async () => {
      await consumer.compile('node10');
      const run = await consumer.run('node10', 'main', [
        server.url,
        testDatabase(),
      ]);
      expect(run.code).toBe(0);
      expect(run.output.endsWith(`${FINISHED}\n`)).toBe(true);
      if (server.atomic) expect(run.output).toBe(`${FINISHED}\n`);
    },
  );
});
