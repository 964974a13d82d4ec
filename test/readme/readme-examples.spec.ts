import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  implicitImports,
  README_CONTEXT,
  tsBlocks,
  type ReadmeBlock,
} from './readme-blocks';
import { unimportedNames } from './readme-imports';
import { checkBlocks, type BlockError } from './readme-program';

const REPO = join(__dirname, '../..');

/**
 * Mistakes a reader could copy, checked in the same program as the README's blocks (one
 * program for all: it takes seconds), at lines past the README's end.
 */
const MISTAKES: ReadmeBlock[] = [
  { line: 100_001, code: 'LidexModule.forRoot({ concurency: 2 });' },
  {
    line: 100_002,
    code: [
      "import { SqliteStore } from '@lidex/nestjs';",
      'new SqliteStore();',
    ].join('\n'),
  },
  {
    line: 100_004,
    code: [
      "@Workflow(defineWorkflow<string, number>('typed'))",
      'async typed(ctx: WorkflowContext, input: number): Promise<number> {',
      '  return ctx.step("double", () => input * 2);',
      '}',
    ].join('\n'),
  },
];

describe("README's references", () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');

  it('name files and folders of the repository that exist', () => {
    const cited = readme.match(
      /\b(?:test|sample|docs|scripts|lib|bench|\.ci)\/[\w./-]*\w/g,
    );
    const missing = [...new Set(cited)].filter(
      (path) => !existsSync(join(REPO, path)),
    );
    expect(missing).toEqual([]);
  });

  it("link to the README's own headings", () => {
    const slugs = new Set(
      [...readme.matchAll(/^#+ (.+)$/gm)].map(([, heading]) =>
        heading
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    const anchors = [...readme.matchAll(/\]\(#([\w-]+)\)/g)].map(
      ([, anchor]) => anchor,
    );
    expect(anchors.filter((anchor) => !slugs.has(anchor))).toEqual([]);
  });
});

describe("README's TypeScript examples", () => {
  const blocks = tsBlocks(readFileSync(join(REPO, 'README.md'), 'utf8'));
  let errors: BlockError[] = [];

  beforeAll(() => {
    errors = checkBlocks(REPO, [...blocks, ...MISTAKES]);
  }, 60_000);

  it("stand in for the README's own workflow references with the types it defines them with", () => {
    // Each block is checked alone, so a block using `BlockAccount` sees the context's, not the
    // README's `defineWorkflow`: the two must agree, or a reader's copy of both fails to compile.
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const flat = (type: string) => type.replace(/\s+/g, ' ').trim();
    const aliases = new Map(
      [...readme.matchAll(/^type (\w+) = (.+);$/gm)].map(([, name, type]) => [
        name,
        type,
      ]),
    );
    const declared = new Map(
      [
        ...README_CONTEXT.matchAll(
          /declare const (\w+): import\('@lidex\/nestjs'\)\.WorkflowRef<(.+)>;/g,
        ),
      ].map(([, name, types]) => [name, flat(types)]),
    );
    const defined = [
      ...readme.matchAll(
        /export const (\w+) = defineWorkflow<([\s\S]+?)>\(\s*'/g,
      ),
    ].map(([, name, types]) => ({
      name,
      types: flat(
        types.replace(/\b\w+\b/g, (word) => aliases.get(word) ?? word),
      ),
    }));
    expect(defined.map(({ name }) => name)).toEqual(
      expect.arrayContaining(['CollectPayment', 'BlockAccount']),
    );
    expect(
      defined.filter(({ name, types }) => declared.get(name) !== types),
    ).toEqual([]);
  });

  it('finds the blocks, also those indented under a list item', () => {
    expect(blocks.length).toBeGreaterThan(30);
    expect(blocks.some((block) => block.code.includes('PrismaMariaDb'))).toBe(
      true,
    );
  });

  it('type-check against the package, each block in the context it shows', () => {
    const inReadme = errors
      .filter((error) => error.readmeLine < 100_000)
      .map((error) => `README.md:${error.readmeLine}: ${error.message}`);
    expect(inReadme).toEqual([]);
  });

  it('import every name they use, when they open with imports (a file a reader pastes)', () => {
    const implicit = implicitImports(REPO);
    const unimported = blocks.flatMap((block) => {
      const names = unimportedNames(block, implicit);
      return names.length === 0
        ? []
        : [`README.md:${block.line}: ${names.join(', ')} not imported`];
    });
    expect(unimported).toEqual([]);
    // The check itself: the MongoDB section's module, pasted without its first import.
    expect(
      unimportedNames(
        {
          line: 0,
          code: "import { LidexModule } from '@lidex/nestjs';\n@Module({ imports: [LidexModule.forRoot()] })\nexport class AppModule {}",
        },
        implicit,
      ),
    ).toEqual(['Module']);
  });

  it('names the line of a misspelt option, a wrong entry point and a method that does not match its reference', () => {
    const lines = (line: number) =>
      errors
        .filter((error) => error.readmeLine === line)
        .map((error) => error.message)
        .join('\n');
    expect(lines(100_001)).toContain("'concurency' does not exist");
    expect(lines(100_002)).toContain(`has no exported member 'SqliteStore'`);
    expect(lines(100_004)).toContain(
      "Type 'string' is not assignable to type 'number'",
    );
  });
});
