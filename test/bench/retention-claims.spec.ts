import { retentionClaims } from '../../bench/scenarios/retention-claims';
import { sqlitePlace } from '../../bench/retention-run';
import { reportFigures } from '../support/figures';
import { tempDir } from '../support/temp-dir';

/**
 * The "done when" for retention, on SQLite, at a CI size: claims of 500 workflows
 * while another process purges LIDEX_RETENTION_N (5,000 by default) finished ones, against the
 * same claims with no purge, as CPU per claim (the bench's scenario; `npm run bench --
 * --retention` measures 100,000 on SQLite and PostgreSQL). Needs `npm run build` (the purging
 * process loads the built package).
 */
const N = Number(process.env.LIDEX_RETENTION_N ?? 5_000);

describe(`retention: claims while ${N} finished workflows are purged (SQLite)`, () => {
  const dir = tempDir('lidex-retention-bench-');
  afterAll(() => dir.remove());

  it('keeps the claim cost within 1.5x of the same run without purging', async () => {
    const figures = await retentionClaims(
      sqlitePlace(dir.path),
      { finished: N, live: 500, purgingClaimsMs: 10_000 },
      () => undefined,
    );
    reportFigures('retention-claims-sqlite', {
      finished: N,
      quietCpuUsPerClaim: figures.quiet.cpuUsPerClaim,
      purgingCpuUsPerClaim: figures.purging.cpuUsPerClaim,
      cpuRatio: figures.cpuRatio,
      purgedDuringClaims: figures.purgedDuringClaims,
    });
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    expect(figures.purgedDuringClaims).toBeGreaterThan(0);
    expect(figures.cpuRatio).toBeLessThan(1.5);
    expect(figures.leftAfter).toBe(0);
  }, 120_000);
});
