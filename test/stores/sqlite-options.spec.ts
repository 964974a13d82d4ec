import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { InvalidOptionsError } from '@lidex/nestjs';
import { SqliteStore, type SqliteStoreOptions } from '@lidex/nestjs/sqlite';
import { messages } from '../../lib/lidex.messages';
import { tempDir } from '../support/temp-dir';
import { requireBuild } from '../support/worker-processes';

const ROOT = join(__dirname, '../..');

/** What `new SqliteStore(options)` throws, or undefined. */
function thrownBy(options: unknown): unknown {
  try {
    new SqliteStore(options as SqliteStoreOptions);
    return undefined;
  } catch (error) {
    return error;
  }
}

function expectRefused(
  options: unknown,
  option: string,
  value: unknown,
  expected: string,
): void {
  const error = thrownBy(options);
  expect(error).toBeInstanceOf(InvalidOptionsError);
  expect((error as Error).message).toBe(
    messages.invalidOption(`SqliteStore.${option}`, value, expected),
  );
}

describe('SqliteStore options', () => {
  it('refuses a durability other than "full" or "normal"', () => {
    expectRefused(
      { durability: 'bogus' },
      'durability',
      'bogus',
      messages.sqliteDurability(),
    );
    expectRefused(
      { durability: 'FULL' },
      'durability',
      'FULL',
      messages.sqliteDurability(),
    );
  });

  it('refuses a busy timeout that is not a whole number of milliseconds >= 0', () => {
    for (const value of [-1, 1.5, Number.NaN, Infinity, '5000', 2 ** 31]) {
      expectRefused(
        { busyTimeoutMs: value },
        'busyTimeoutMs',
        value,
        messages.sqliteBusyTimeout(2 ** 31 - 1),
      );
    }
  });

  it('refuses a table prefix that is not a plain SQL identifier', () => {
    for (const value of [
      'x; DROP TABLE users; --',
      'my-app_',
      '1st_',
      'a b',
      '"q"',
      'x'.repeat(65),
      7,
    ]) {
      expectRefused(
        { tablePrefix: value },
        'tablePrefix',
        value,
        messages.sqliteTablePrefix(),
      );
    }
  });

  it('refuses an empty or non-text path, unknown keys and options that are not an object', () => {
    for (const value of ['', 42, 'a\0b']) {
      expectRefused({ path: value }, 'path', value, messages.sqlitePath());
    }
    expectRefused(
      { file: 'x.sqlite' },
      'file',
      'x.sqlite',
      messages.sqliteUnknownOption([
        'path',
        'durability',
        'busyTimeoutMs',
        'tablePrefix',
      ]),
    );
    for (const value of [null, 'x.sqlite']) {
      const error = thrownBy(value);
      expect(error).toBeInstanceOf(InvalidOptionsError);
      expect((error as Error).message).toBe(
        messages.invalidOption(
          'SqliteStore',
          value,
          messages.sqliteOptionsNotObject(),
        ),
      );
    }
  });

  it('accepts every valid option and works with them', async () => {
    const dir = tempDir();
    const store = new SqliteStore({
      path: join(dir.path, 'a/b/c/ok.sqlite'),
      durability: 'normal',
      busyTimeoutMs: 0,
      tablePrefix: 'My_App2_',
    });
    await store.init();
    expect(
      await store.insertWorkflow({ id: 'w', name: 'wf', input: '1', now: 1 }),
    ).toBe(true);
    expect((await store.getWorkflow('w'))?.status).toBe('idle');
    await store.close();
    expect(() => new SqliteStore({ tablePrefix: '' })).not.toThrow();
    expect(() => new SqliteStore(undefined)).not.toThrow();
    dir.remove();
  });

  it('fails at once, naming the path, when the folder cannot be created (/proc), instead of spinning', async () => {
    requireBuild();
    // A real process with a deadline: Node's recursive mkdirSync never returns for such a path.
    const code = `
      const { SqliteStore } = require('./dist/sqlite');
      new SqliteStore({ path: '/proc/x/lidex.sqlite' }).init().then(
        () => { console.log('opened'); },
        (error) => { console.log(JSON.stringify({ name: error.name, message: error.message })); },
      );`;
    const startedAt = Date.now();
    const outcome = await new Promise<{ stdout: string; killed: boolean }>(
      (resolve) => {
        execFile(
          process.execPath,
          ['-e', code],
          { cwd: ROOT, timeout: 15_000, killSignal: 'SIGKILL' },
          (error, stdout) =>
            resolve({ stdout, killed: error?.killed === true }),
        );
      },
    );
    expect(outcome.killed).toBe(false);
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    expect(JSON.parse(outcome.stdout)).toEqual({
      name: 'StoreUnavailableError',
      message: messages.storeUnavailable(
        'SQLite file /proc/x/lidex.sqlite',
        messages.sqliteFolderNotCreated(
          '/proc/x',
          "ENOENT: no such file or directory, mkdir '/proc/x'",
        ),
      ),
    });
  }, 30_000);
});
