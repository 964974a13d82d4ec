import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The schema's `datasource` provider: PostgreSQL (`@prisma/adapter-pg`) or MySQL/MariaDB. */
export type PrismaProvider = 'postgresql' | 'mysql';

/**
 * Generates a Prisma 7 client (the `prisma-client` generator: TypeScript, no Rust query engine;
 * it runs on a driver adapter: `@prisma/adapter-pg`, `@prisma/adapter-mariadb`) into a temporary
 * folder, and returns that folder's `client` module. Offline: `prisma generate` needs no schema engine, but the CLI looks for one at start
 * and would download it; PRISMA_SCHEMA_ENGINE_BINARY points it at a stand-in it never runs.
 */
function generatePrismaClient(provider: PrismaProvider): string {
  const root = resolve(__dirname, '../..');
  const dir = mkdtempSync(join(tmpdir(), 'lidex-prisma-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(
    join(dir, 'schema.prisma'),
    [
      'generator client {',
      '  provider = "prisma-client"',
      '  output = "./generated"',
      '  moduleFormat = "cjs"',
      '  importFileExtension = ""',
      '}',
      'datasource db {',
      `  provider = "${provider}"`,
      '}',
      'model Invoice {',
      '  id String @id',
      '  @@map("lidex_test_invoices")',
      '}',
      '',
    ].join('\n'),
  );
  const generated = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/prisma/build/index.js'),
      'generate',
      '--schema',
      join(dir, 'schema.prisma'),
    ],
    {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: '/bin/true' },
      timeout: 120_000,
    },
  );
  if (generated.status !== 0) {
    throw new Error(
      `prisma generate failed: ${generated.stderr}\n${generated.stdout}`,
    );
  }
  return join(dir, 'generated/client');
}

const generated = new Map<PrismaProvider, string>();

/** The generated `PrismaClient` class (generated once per test file and provider). */
export function prismaClientClass<T>(
  provider: PrismaProvider = 'postgresql',
): T {
  let dir = generated.get(provider);
  if (!dir) {
    dir = generatePrismaClient(provider);
    generated.set(provider, dir);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(dir) as { PrismaClient: T }).PrismaClient;
}
