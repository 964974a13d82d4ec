import { messages } from '../lidex.messages';

/*
 * The few test-runner globals the shipped suites use, typed here so that a consumer needs no
 * `@types/jest` (nor any runner's types) to compile against `@lidex/nestjs/testing`. At run time
 * the suites take them from the runner that loads them: Jest, Vitest with `globals: true`, or any
 * runner with Jest-compatible `describe`, `it`, `expect` and hooks.
 */

type Body = () => void | Promise<void>;

/** The matchers the suites use, as every Jest-compatible runner has them. */
export interface Matchers {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toMatchObject(expected: object): void;
  toBeUndefined(): void;
  toHaveLength(length: number): void;
  toHaveProperty(path: string, value?: unknown): void;
  toBeGreaterThan(than: number): void;
  toBeLessThan(than: number): void;
}

export interface Expect {
  (actual: unknown): Matchers & { not: Matchers };
  any(type: unknown): unknown;
  objectContaining(expected: object): unknown;
}

export interface TestGlobals {
  describe: (name: string, body: () => void) => void;
  it: (name: string, body: Body, timeoutMs?: number) => void;
  expect: Expect;
  beforeEach: (body: Body) => void;
  afterEach: (body: Body) => void;
  afterAll: (body: Body) => void;
}

const NAMES = [
  'describe',
  'it',
  'expect',
  'beforeEach',
  'afterEach',
  'afterAll',
] as const;

/** The runner's globals, or an error naming the one missing and how to provide it. */
export function testGlobals(): TestGlobals {
  const scope = globalThis as unknown as Partial<TestGlobals>;
  const missing = NAMES.find((name) => typeof scope[name] !== 'function');
  if (missing) throw new Error(messages.noTestRunnerGlobal(missing));
  return scope as TestGlobals;
}
