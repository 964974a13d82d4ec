/** A plain-text table: a title, a header row, and columns padded to their widest cell. */
export function table(
  title: string,
  header: string[],
  rows: (string | number)[][],
): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, column) =>
    Math.max(...cells.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, column) =>
        column === 0
          ? cell.padEnd(widths[column])
          : cell.padStart(widths[column]),
      )
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [title, line(header), rule, ...cells.slice(1).map(line)].join('\n');
}
