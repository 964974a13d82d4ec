/**
 * PostgreSQL array literals (`{"a","b",NULL}`) for the batch statements' parameters, built here
 * rather than by the driver: `pg` turns a JS array into the same text, but element by element
 * through its general value preparation and two regular-expression replaces per string, which
 * was a tenth of the process's CPU in a throughput run. Here a column's type is known, so a
 * number or a boolean is written as it is and a string is escaped only when it holds `"` or `\`.
 * The server reads the literal through the statement's cast (`$1::text[]`), as it read the
 * driver's.
 */

/** The kind of each column of a batch: how its values are written. */
export type ArrayKind = 'text' | 'int' | 'bigint' | 'boolean';

const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;

function textElement(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : JSON.stringify(value);
  // Quoted always: a bare element would be read as NULL, or split at a comma or a brace.
  return NEEDS_ESCAPE.test(text)
    ? `"${text.replace(ESCAPED, '\\$&')}"`
    : `"${text}"`;
}

function numberElement(value: unknown, whole: boolean): string {
  if (value === null || value === undefined) return 'NULL';
  // Times are kept in whole milliseconds (see `wholeMs`): a fractional one is rounded.
  if (typeof value === 'number')
    return String(whole && Number.isFinite(value) ? Math.round(value) : value);
  return textElement(value);
}

function booleanElement(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  return value ? 't' : 'f';
}

/** One column's values as a literal of `kind`'s array type. */
export function arrayLiteral(kind: ArrayKind, values: readonly unknown[]) {
  const elements = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    elements[i] =
      kind === 'text'
        ? textElement(value)
        : kind === 'boolean'
          ? booleanElement(value)
          : numberElement(value, kind === 'bigint');
  }
  return `{${elements.join(',')}}`;
}

/** Rows as one literal per column: the k-th holds the k-th value of every row, as `kinds[k]`. */
export function columnLiterals(
  kinds: readonly ArrayKind[],
  rows: readonly (readonly unknown[])[],
): string[] {
  return kinds.map((kind, k) =>
    arrayLiteral(
      kind,
      rows.map((row) => row[k]),
    ),
  );
}
