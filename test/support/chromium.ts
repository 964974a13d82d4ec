import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const NO_CHROMIUM_MESSAGE =
  'The browser test needs Chromium: set LIDEX_CHROMIUM to its executable, or install it ' +
  '(Debian/Ubuntu: sudo apt-get install chromium; .ci/run does).';

/** The Chromium the browser test drives: LIDEX_CHROMIUM, else `chromium` or `chromium-browser` on PATH. */
export function findChromium(): string | undefined {
  const configured = process.env.LIDEX_CHROMIUM;
  if (configured) return existsSync(configured) ? configured : undefined;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const path = execFileSync('which', [name], { encoding: 'utf8' }).trim();
      if (path) return path;
    } catch {
      // Not on PATH: try the next name.
    }
  }
  return undefined;
}

/** Flags for a headless Chromium in a container: no sandbox, no GPU, nothing fetched in the background. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
