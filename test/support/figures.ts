import { appendFileSync } from 'node:fs';

/**
 * Records a reliability test's figures, for docs/reliability.md: appended as one JSON line to
 * the file named by LIDEX_FIGURES, when it is set. Tests stay quiet otherwise.
 */
export function reportFigures(
  scenario: string,
  figures: Record<string, unknown>,
): void {
  const file = process.env.LIDEX_FIGURES;
  if (file)
    appendFileSync(file, `${JSON.stringify({ scenario, ...figures })}\n`);
}
