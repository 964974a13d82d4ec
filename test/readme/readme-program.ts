import { dirname, join, resolve } from 'node:path';
import * as ts from 'typescript';
import {
  blockModule,
  ENTRY_POINTS,
  implicitImports,
  README_CONTEXT,
  type ReadmeBlock,
} from './readme-blocks';

/** A README block's type error, at the README line it points to. */
export interface BlockError {
  readmeLine: number;
  message: string;
}

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  noEmit: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  esModuleInterop: true,
  skipLibCheck: true,
  types: ['node', 'jest'],
};

/**
 * Type-checks every block in one program, against the package's sources (its entry points
 * mapped as `tsconfig.json` maps them). Each block is a file of its own in a folder of its own;
 * what it imports from the app itself (`./invoices/invoices.module`) or from a package not
 * installed here (the OpenTelemetry SDK) is given to it as untyped values.
 */
export function checkBlocks(repo: string, blocks: ReadmeBlock[]): BlockError[] {
  const implicit = implicitImports(repo);
  const files = new Map<string, string>();
  const contextFile = join(repo, '.readme-blocks/context.d.ts');
  const missingModules: string[] = [];
  files.set(contextFile, README_CONTEXT);
  const options: ts.CompilerOptions = {
    ...OPTIONS,
    baseUrl: repo,
    paths: Object.fromEntries(
      Object.entries(ENTRY_POINTS).map(([entry, file]) => [entry, [file]]),
    ),
  };
  const host = ts.createCompilerHost(options);
  const virtual = join(repo, '.readme-blocks');
  const lookup: ts.ModuleResolutionHost = {
    fileExists: (file) => files.has(file) || ts.sys.fileExists(file),
    readFile: (file) => files.get(file) ?? ts.sys.readFile(file),
    directoryExists: (folder) =>
      folder.startsWith(virtual) || ts.sys.directoryExists(folder),
  };
  const blockFiles = blocks.map((block) => {
    const file = join(repo, `.readme-blocks/L${block.line}/app/block.ts`);
    const text = blockModule(block, implicit);
    files.set(file, text);
    for (const [, names, specifier] of text.matchAll(
      /^import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'([^']+)';/gm,
    )) {
      const resolved = ts.resolveModuleName(specifier, file, options, lookup);
      // Node's own modules are declared by @types/node, not files.
      if (resolved.resolvedModule || specifier.startsWith('node:')) continue;
      const imported = names
        .split(',')
        .map((name) => name.trim().replace(/^type\s+/, ''))
        .filter(Boolean);
      if (specifier.startsWith('.'))
        files.set(
          resolve(dirname(file), `${specifier}.ts`),
          imported.map(stubExport).join('\n'),
        );
      else
        missingModules.push(
          `declare module '${specifier}' {\n${imported
            .map((name) => `  export const ${name}: AnyValue;`)
            .join('\n')}\n}`,
        );
    }
    return { block, file, text };
  });
  files.set(contextFile, `${README_CONTEXT}\n${missingModules.join('\n')}`);
  host.fileExists = lookup.fileExists;
  host.readFile = lookup.readFile;
  host.directoryExists = lookup.directoryExists;
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, ...rest) => {
    const text = files.get(file);
    return text === undefined
      ? getSourceFile(file, language, ...rest)
      : ts.createSourceFile(file, text, language);
  };
  const program = ts.createProgram(
    [contextFile, ...blockFiles.map(({ file }) => file)],
    options,
    host,
  );
  const errors: BlockError[] = [];
  for (const { block, file, text } of blockFiles) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`The program lost ${file}`);
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    for (const diagnostic of diagnostics)
      errors.push({
        readmeLine: readmeLine(block, text, diagnostic),
        message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
      });
  }
  return errors;
}

/** A stand-in for what a block imports from the reader's own app. */
function stubExport(name: string): string {
  if (new RegExp(`declare (?:const|class) ${name}\\b`).test(README_CONTEXT))
    return `declare const ${name}_: typeof ${name};\nexport { ${name}_ as ${name} };`;
  return `export declare const ${name}: AnyValue;`;
}

/** The README line of a diagnostic: the block's line holding the code it points at. */
function readmeLine(
  block: ReadmeBlock,
  text: string,
  diagnostic: ts.Diagnostic,
): number {
  if (diagnostic.start === undefined) return block.line;
  const lineStart = text.lastIndexOf('\n', diagnostic.start - 1) + 1;
  const lineEnd = text.indexOf('\n', diagnostic.start);
  const code = text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd).trim();
  const index = block.code
    .replace(/…/g, '/* … */')
    .split('\n')
    .findIndex((line) => line.trim() === code);
  return index < 0 ? block.line : block.line + index;
}
