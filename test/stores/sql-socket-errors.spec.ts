import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { MysqlStore } from '@lidex/nestjs/mysql';
import { PostgresStore } from '@lidex/nestjs/postgres';

/**
 * A socket's error as Node makes it: `write EPIPE`, from writing to a pipe whose reader closed
 * it (a child process that closed its stdin).
 */
async function realEpipe(): Promise<Error> {
  const child = spawn(
    process.execPath,
    ['-e', "require('fs').closeSync(0); setTimeout(() => {}, 5000)"],
    { stdio: ['pipe', 'ignore', 'ignore'] },
  );
  const failed = once(child.stdin, 'error');
  const writing = setInterval(
    () => child.stdin.write(Buffer.alloc(1 << 16)),
    5,
  );
  try {
    const [error] = (await failed) as [Error];
    return error;
  } finally {
    clearInterval(writing);
    child.kill();
  }
}

describe("the SQL stores tell a socket's error from the server's refusal", () => {
  it('reports a client call that met EPIPE as unreachable, not as refused by the server (EPIPE is 5 capitals, like a SQLSTATE)', async () => {
    const epipe = await realEpipe();
    expect((epipe as { code?: string }).code).toBe('EPIPE');
    const postgres = new PostgresStore({
      url: 'postgres://lidex@127.0.0.1:1/none',
    });
    const mysql = new MysqlStore({ url: 'mysql://lidex@127.0.0.1:1/none' });
    expect(postgres.isUnreachable(epipe)).toBe(true);
    expect(mysql.isUnreachable(epipe)).toBe(true);
  });

  it('still reads a SQLSTATE as the server refusing the statement', () => {
    const refused = Object.assign(new Error('duplicate key value'), {
      code: '23505',
    });
    expect(
      new PostgresStore({
        url: 'postgres://lidex@127.0.0.1:1/none',
      }).isUnreachable(refused),
    ).toBe(false);
  });
});
