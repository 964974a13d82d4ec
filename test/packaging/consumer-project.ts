import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../support/temp-dir';

const REPO = join(__dirname, '../..');
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');

/** What every consumer has installed beside the package's own dependencies and a driver. */
const COMMON_PACKAGES = [
  '@nestjs/common',
  '@nestjs/core',
  'reflect-metadata',
  'rxjs',
  '@types/node',
];

/** Each store's driver, with its types where they are a package of their own. */
export const DRIVER_PACKAGES = {
  sqlite: ['better-sqlite3', '@types/better-sqlite3'],
  mongodb: ['mongodb'],
  // SQLite, and the two event buses of `@lidex/nestjs/cqrs` and `/event-emitter`.
  events: [
    'better-sqlite3',
    '@types/better-sqlite3',
    '@nestjs/cqrs',
    '@nestjs/event-emitter',
  ],
} as const;

export type Driver = keyof typeof DRIVER_PACKAGES;

/** How the consumer's TypeScript resolves `@lidex/nestjs` and its subpaths. */
export type Resolution = 'node10' | 'node16' | 'bundler';

const MODULE_OF: Record<Resolution, string> = {
  node10: 'commonjs',
  node16: 'node16',
  bundler: 'preserve',
};

export interface Outcome {
  code: number;
  output: string;
}

export interface ConsumerProject {
  path: string;
  /** Compiles the app with `skipLibCheck: false`; output in `out/<resolution>/`. */
  compile(resolution: Resolution): Promise<Outcome>;
  /**
   * Type-checks the app as `compile` does, with some compiler options changed (written to
   * `tsconfig.<resolution>-<label>.json`).
   */
  check(
    resolution: Resolution,
    label: string,
    overrides: Record<string, unknown>,
  ): Promise<Outcome>;
  /** Runs a compiled source with node: `out/<resolution>/<source>.js ...args`. */
  run(
    resolution: Resolution,
    source: string,
    args?: string[],
  ): Promise<Outcome>;
  remove(): void;
}

/**
 * A project of its own that depends on `@lidex/nestjs` as an installed package (the built
 * `dist/` and `package.json`, copied so that nothing resolves through this repository's
 * `node_modules`), with Nest and one store's driver. `sources` maps each file of `src/` (a name
 * without `.ts`) to the file it is copied from.
 */
export function consumerProject(
  driver: Driver,
  sources: Record<string, string>,
): ConsumerProject {
  if (!existsSync(join(REPO, 'dist/index.d.ts')))
    throw new Error('Build the package first: npm run build (npm test does).');
  const project = tempDir('lidex-consumer-');
  const path = project.path;
  const installed = join(path, 'node_modules/@lidex/nestjs');
  mkdirSync(installed, { recursive: true });
  cpSync(join(REPO, 'package.json'), join(installed, 'package.json'));
  cpSync(join(REPO, 'dist'), join(installed, 'dist'), { recursive: true });
  const manifest = JSON.parse(
    readFileSync(join(REPO, 'package.json'), 'utf8'),
  ) as { dependencies?: Record<string, string> };
  const dependencies = Object.keys(manifest.dependencies ?? {});
  for (const name of [
    ...dependencies,
    ...COMMON_PACKAGES,
    ...DRIVER_PACKAGES[driver],
  ]) {
    const link = join(path, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(realpathSync(join(REPO, 'node_modules', name)), link, 'dir');
  }
  writeFileSync(
    join(path, 'package.json'),
    JSON.stringify({ name: 'lidex-consumer', private: true, type: 'commonjs' }),
  );
  mkdirSync(join(path, 'src'));
  for (const [name, from] of Object.entries(sources))
    cpSync(from, join(path, 'src', `${name}.ts`));
  for (const resolution of Object.keys(MODULE_OF) as Resolution[])
    writeFileSync(
      join(path, `tsconfig.${resolution}.json`),
      JSON.stringify(tsconfig(resolution), null, 2),
    );
  return {
    path,
    compile: (resolution) =>
      outcome(TSC, ['-p', `tsconfig.${resolution}.json`], path),
    check: (resolution, label, overrides) => {
      const config = tsconfig(resolution) as {
        compilerOptions: Record<string, unknown>;
      };
      const file = `tsconfig.${resolution}-${label}.json`;
      writeFileSync(
        join(path, file),
        JSON.stringify({
          ...config,
          compilerOptions: {
            ...config.compilerOptions,
            ...overrides,
            noEmit: true,
          },
        }),
      );
      return outcome(TSC, ['-p', file], path);
    },
    run: (resolution, source, args = []) =>
      outcome(join(path, 'out', resolution, `${source}.js`), args, path),
    remove: project.remove,
  };
}

function tsconfig(resolution: Resolution): object {
  return {
    compilerOptions: {
      module: MODULE_OF[resolution],
      moduleResolution: resolution,
      target: 'ES2022',
      lib: ['ES2022'],
      strict: true,
      skipLibCheck: false,
      esModuleInterop: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      types: ['node'],
      rootDir: 'src',
      outDir: `out/${resolution}`,
      // A bundler project's output is the bundler's business: type-check only.
      noEmit: resolution === 'bundler',
    },
    include: ['src'],
  };
}

/** Runs a script with this node, in `cwd`; never rejects, so a test can show the output. */
async function outcome(
  script: string,
  args: string[],
  cwd: string,
): Promise<Outcome> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [script, ...args],
      { cwd, timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } },
    );
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as {
      code?: number;
      stdout?: string;
      stderr?: string;
      message: string;
    };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` || failed.message,
    };
  }
}
