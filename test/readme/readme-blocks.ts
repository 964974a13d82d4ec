import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';

/** One ```ts block of the README: its text and the README line of its first line of code. */
export interface ReadmeBlock {
  line: number;
  code: string;
}

/** Every ```ts block of a Markdown text, also those indented under a list item. */
export function tsBlocks(markdown: string): ReadmeBlock[] {
  const blocks: ReadmeBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```ts\s*$/.exec(lines[i]);
    if (!open) continue;
    const indent = open[1].length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]); j++)
      body.push(lines[j].slice(Math.min(indent, leadingSpaces(lines[j]))));
    blocks.push({ line: i + 2, code: body.join('\n') });
    i = j;
  }
  return blocks;
}

function leadingSpaces(line: string): number {
  return line.length - line.trimStart().length;
}

/** The names a module of the package exports, read from its source (syntax only). */
export function exportedNames(file: string): string[] {
  const source = ts.createSourceFile(
    file,
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.ES2022,
  );
  const names: string[] = [];
  for (const statement of source.statements) {
    if (
      ts.isExportDeclaration(statement) &&
      statement.exportClause &&
      ts.isNamedExports(statement.exportClause)
    )
      for (const element of statement.exportClause.elements)
        names.push(element.name.text);
  }
  return names;
}

/** The package's entry points, each with the source file that `paths` maps it to. */
export const ENTRY_POINTS: Record<string, string> = {
  '@lidex/nestjs': 'lib/index.ts',
  '@lidex/nestjs/sqlite': 'lib/sqlite.ts',
  '@lidex/nestjs/mongodb': 'lib/mongodb.ts',
  '@lidex/nestjs/postgres': 'lib/postgres.ts',
  '@lidex/nestjs/mysql': 'lib/mysql.ts',
  '@lidex/nestjs/testing': 'lib/testing/index.ts',
};

/**
 * Names a README fragment may use without importing them, and where they come from: an
 * example shows the calls, not the imports a reader's file already has. A name the block
 * imports or declares itself is never added.
 */
export function implicitImports(repo: string): Record<string, string> {
  const from: Record<string, string> = {
    Injectable: '@nestjs/common',
    Module: '@nestjs/common',
    Controller: '@nestjs/common',
    Post: '@nestjs/common',
    Get: '@nestjs/common',
    Param: '@nestjs/common',
    Body: '@nestjs/common',
    Headers: '@nestjs/common',
    CanActivate: '@nestjs/common',
    ExecutionContext: '@nestjs/common',
    NestFactory: '@nestjs/core',
    DataSource: 'typeorm',
    drizzle: 'drizzle-orm/node-postgres',
    Pool: 'pg',
    Kysely: 'kysely',
    PostgresDialect: 'kysely',
    PrismaPg: '@prisma/adapter-pg',
    ConfigModule: '@nestjs/config',
    ConfigService: '@nestjs/config',
  };
  // The sub-entry points first, so that a name the root shares with one comes from the root.
  for (const entry of Object.keys(ENTRY_POINTS).reverse())
    for (const name of exportedNames(join(repo, ENTRY_POINTS[entry])))
      from[name] = entry;
  return from;
}

/**
 * What the README's fragments stand on: the app's own providers and values, which the README
 * names but does not define (a global script, so every block sees it and may shadow it).
 */
export const README_CONTEXT = `
type AnyValue = any;
declare const DAY: number;
declare const ctx: import('@lidex/nestjs').WorkflowContext;
declare const lidex: import('@lidex/nestjs').LidexClient;
declare const client: import('@lidex/nestjs').LidexClient;
declare const CollectPayment: import('@lidex/nestjs').WorkflowRef<string, { outcome: 'nothing-to-do' | 'paid' | 'account-blocked' }>;
declare const BlockAccount: import('@lidex/nestjs').WorkflowRef<string, { blocked: string }>;
declare const Fulfil: import('@lidex/nestjs').WorkflowRef<{ orderId: string }, void>;
declare class InvoiceRepository { [member: string]: AnyValue }
declare class PaymentApi { [member: string]: AnyValue }
declare class AdminGuard { canActivate(): boolean }
declare class OrderPlaced { orderId: string; amount: number }
declare class PaymentConfirmed { orderId: string; paymentId: string }
declare class Order {}
type CollectPaymentInput = { orderId: string; amount: number };
type PaymentConfirmation = { status: 'succeeded' | 'failed' };
type Shipped = { trackingId: string };
declare class ReportRenderer { render(kind: string): Promise<string> }
declare class PrismaClient {
  constructor(options: { adapter: unknown });
  $transaction<T>(work: (tx: AnyValue) => Promise<T>): Promise<T>;
  $queryRawUnsafe(query: string, ...values: unknown[]): Promise<unknown>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  [member: string]: AnyValue;
}
type Database = AnyValue;
declare const dataSource: import('typeorm').DataSource;
/** Drizzle's and Kysely's databases, as the README's alternatives use them. */
declare const db: {
  transaction<T>(work: (tx: AnyValue) => Promise<T>): Promise<T>;
  transaction(): { execute<T>(work: (trx: AnyValue) => Promise<T>): Promise<T> };
  [member: string]: AnyValue;
};
declare const payments: AnyValue;
declare const invoice: AnyValue;
declare const order: AnyValue;
declare const orders: AnyValue;
declare const account: { id: string };
declare const success: boolean;
declare const i: number;
declare const id: string;
declare const customerId: string;
declare const password: string;
declare const prisma: PrismaClient;
declare const pool: AnyValue;
`;

/** Decorators and statements at the top level of a block, split by what wraps them. */
interface Parts {
  imports: string[];
  declarations: string[];
  members: string[];
  statements: string[][];
}

const IMPORT = /^import\s[\s\S]*?from\s+'[^']+';\s*(\/\/.*)?$/;

/**
 * Splits a block at its top level: imports; declarations (exports, classes, types); class
 * members (a decorated method written without its class); and the other statements, in
 * sections that each begin at a comment after a blank line (a block of alternatives declares
 * the same name in each).
 */
function split(code: string): Parts {
  const parts: Parts = {
    imports: [],
    declarations: [],
    members: [],
    statements: [[]],
  };
  const lines = code.replace(/…/g, '/* … */').split('\n');
  let i = 0;
  while (i < lines.length) {
    const start = i;
    // One top-level unit: lines until the brackets opened on them close and a line ends it.
    let depth = 0;
    let sawDecoratorOnly = true;
    let head = '';
    do {
      if (depth === 0 && !/^\s*@/.test(lines[i])) {
        sawDecoratorOnly = false;
        if (!head && !/^\s*(\/\/|$)/.test(lines[i])) head = lines[i];
      }
      depth += bracketBalance(lines[i]);
      i++;
    } while (
      i < lines.length &&
      (depth > 0 ||
        sawDecoratorOnly ||
        /^\s*[.?:)\]}]/.test(lines[i]) ||
        /[=(,]\s*$|=>\s*$/.test(lines[i - 1]))
    );
    const unit = lines.slice(start, i);
    const text = unit.join('\n');
    if (IMPORT.test(text.trim())) parts.imports.push(text);
    else if (
      /^(export\s|declare\s|abstract\s|class\s|type\s|interface\s)/.test(head)
    )
      parts.declarations.push(text);
    else if (
      /^(async\s+)?[A-Za-z_$][\w$]*\s*\(/.test(head) &&
      /^\s*@/.test(unit[0])
    )
      parts.members.push(text);
    else {
      if (/^\/\//.test(unit[0]) && start > 0 && lines[start - 1].trim() === '')
        parts.statements.push([]);
      parts.statements[parts.statements.length - 1].push(text);
    }
  }
  return parts;
}

/** Opening minus closing brackets on a line, outside strings and line comments. */
function bracketBalance(line: string): number {
  let balance = 0;
  let quote = '';
  for (let k = 0; k < line.length; k++) {
    const c = line[k];
    if (quote) {
      if (c === '\\') k++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '/' && line[k + 1] === '/') break;
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if ('({['.includes(c)) balance++;
    else if (')}]'.includes(c)) balance--;
  }
  return balance;
}

/**
 * The block as a module that compiles on its own: its imports, the implicit imports it needs,
 * its declarations, its decorated methods in a class, and its statements in an async method of
 * that class (so that `this`, `await` and `return` mean what they mean in a provider).
 */
export function blockModule(
  block: ReadmeBlock,
  implicit: Record<string, string>,
): string {
  const parts = split(block.code);
  const own = new Set<string>();
  for (const text of parts.imports)
    for (const match of text.matchAll(/\b([A-Za-z_$][\w$]*)\b/g))
      own.add(match[1]);
  for (const match of block.code.matchAll(
    /\b(?:const|let|class|function|type|interface|enum)\s+([A-Za-z_$][\w$]*)/g,
  ))
    own.add(match[1]);
  const byEntry = new Map<string, string[]>();
  for (const [name, entry] of Object.entries(implicit)) {
    if (own.has(name) || !new RegExp(`\\b${name}\\b`).test(block.code))
      continue;
    byEntry.set(entry, [...(byEntry.get(entry) ?? []), name]);
  }
  const sections = parts.statements
    .filter((section) => section.length > 0)
    .map((section) => `{\n${section.join('\n')}\n}`);
  return [
    ...parts.imports,
    ...[...byEntry].map(
      ([entry, names]) => `import { ${names.join(', ')} } from '${entry}';`,
    ),
    'export {};',
    ...parts.declarations,
    `export class ReadmeBlockAt${block.line} {`,
    '[member: string]: AnyValue;',
    "declare readonly lidex: import('@lidex/nestjs').LidexClient;",
    ...parts.members,
    `async readmeStatements(): Promise<AnyValue> {`,
    ...sections,
    '}',
    '}',
  ].join('\n');
}
