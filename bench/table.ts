export type TableFormat = 'text' | 'markdown';

/**
 * A table with a title: plain text with padded columns for the terminal, or Markdown to paste
 * into docs/benchmarks.md.
 */
export function table(
  title: string,
  header: string[],
  rows: (string | number)[][],
  format: TableFormat = 'text',
): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  if (format === 'markdown') {
    const line = (row: string[]) => `| ${row.join(' | ')} |`;
    const rule = `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`;
    return [
      `**${title}**`,
      '',
      line(header),
      rule,
      ...cells.slice(1).map(line),
    ].join('\n');
  }
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
