import type { ReadmeBlock } from './readme-blocks';

/**
 * The names a block that opens with imports uses without importing them: pasted as a file
 * (which is what a block with imports invites), each is "Cannot find name". `implicit` maps the
 * names the README's fragments may take for granted (Nest's decorators, the package's
 * exports) to their modules; a block without any import is a fragment and is not asked.
 */
export function unimportedNames(
  block: ReadmeBlock,
  implicit: Record<string, string>,
): string[] {
  if (!/^import\s/m.test(block.code)) return [];
  const imported = new Set(
    [
      ...block.code.matchAll(
        /^import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'[^']+';/gm,
      ),
    ].flatMap((match) =>
      match[1].split(',').map((name) =>
        name
          .trim()
          .replace(/^type\s+/, '')
          .replace(/^.*\sas\s+/, ''),
      ),
    ),
  );
  // Comments and strings name things a reader does not type as code.
  const code = block.code
    .replace(/\/\/.*$/gm, '')
    .replace(/'[^'\n]*'|`[^`]*`|"[^"\n]*"/g, "''");
  return Object.keys(implicit).filter(
    (name) =>
      !imported.has(name) &&
      new RegExp(`(^|[^\\w.$])${name.replace(/\$/g, '\\$')}\\b`).test(code),
  );
}
