import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';

/**
 * Compiles the snippets under `fixtures/` with the repo's TypeScript and options, as a user's
 * app would compile against `@lidex/nestjs`. `good.ts` (and `workflows.ts`, which the others
 * import) must compile cleanly. In each `bad-*.ts`, a line `// expect-error: <text>` says that
 * the next line must fail with a diagnostic whose message contains <text>; no other line may
 * fail. The fixtures are outside the project's own `tsc` and ESLint runs, being wrong on purpose.
 */

const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(__dirname, 'fixtures');
const MARKER = /^\s*\/\/ expect-error: (.+)$/;

interface Problem {
  line: number;
  expected?: string;
  got: string[];
}

function compileFixtures(): ts.Program {
  const { config, error } = ts.readConfigFile(
    join(ROOT, 'tsconfig.json'),
    (path) => ts.sys.readFile(path),
  );
  if (error)
    throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  const files = readdirSync(FIXTURES)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(FIXTURES, file));
  return ts.createProgram(files, { ...options, noEmit: true });
}

/** What fails on which line (1-based), by the compiler's messages. */
function diagnosticsByLine(
  program: ts.Program,
  file: string,
): Map<number, string[]> {
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`${file} was not compiled`);
  const byLine = new Map<number, string[]>();
  for (const diagnostic of [
    ...program.getSyntacticDiagnostics(source),
    ...program.getSemanticDiagnostics(source),
  ]) {
    const line =
      source.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1;
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    byLine.set(line, [...(byLine.get(line) ?? []), text]);
  }
  return byLine;
}

/** The marked lines (1-based) of a fixture, with the text each one's error must contain. */
function expectedErrors(file: string): Map<number, string> {
  const expected = new Map<number, string>();
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      const marker = MARKER.exec(text);
      // The marker is on line index + 1; the line it speaks of is the next one.
      if (marker) expected.set(index + 2, marker[1].trim());
    });
  return expected;
}

/** Marked lines that do not fail as expected, and unmarked lines that fail. */
function problemsOf(program: ts.Program, file: string): Problem[] {
  const expected = expectedErrors(file);
  const actual = diagnosticsByLine(program, file);
  const problems: Problem[] = [];
  for (const [line, text] of expected) {
    const got = actual.get(line) ?? [];
    if (!got.some((message) => message.includes(text)))
      problems.push({ line, expected: text, got });
  }
  for (const [line, got] of actual) {
    if (!expected.has(line)) problems.push({ line, got });
  }
  return problems.sort((a, b) => a.line - b.line);
}

const badFixtures = readdirSync(FIXTURES).filter((file) =>
  file.startsWith('bad-'),
);

describe('the public types, as the compiler sees them', () => {
  let program: ts.Program;
  beforeAll(() => {
    program = compileFixtures();
  }, 120_000);

  it.each(['good.ts', 'workflows.ts'])(
    '%s compiles without a diagnostic',
    (file) => {
      expect(problemsOf(program, join(FIXTURES, file))).toEqual([]);
    },
  );

  it('has the bad fixtures, each marking errors', () => {
    expect(badFixtures.length).toBeGreaterThanOrEqual(5);
    for (const file of badFixtures) {
      expect(expectedErrors(join(FIXTURES, file)).size).toBeGreaterThan(0);
    }
  });

  it.each(badFixtures)(
    '%s fails exactly where it says, with the expected message',
    (file) => {
      expect(problemsOf(program, join(FIXTURES, file))).toEqual([]);
    },
  );
});
