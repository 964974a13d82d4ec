import { existsSync } from 'node:fs';

/** Where Debian's faketime package puts the library (`apt-get install faketime`). */
const LIBRARY = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/**
 * The environment that runs a process with its wall clock `offsetMs` ahead (libfaketime), its
 * monotonic clock left alone, as on a machine whose clock is set wrong. Throws when libfaketime
 * is not installed: the clock tests need it (`.ci/run` installs it).
 */
export function clockAheadEnv(offsetMs: number): NodeJS.ProcessEnv {
  const library = process.env.LIDEX_FAKETIME_LIB ?? LIBRARY;
  if (!existsSync(library)) {
    throw new Error(
      `The clock tests need libfaketime at ${library}: apt-get install faketime, or set ` +
        'LIDEX_FAKETIME_LIB to where it is.',
    );
  }
  return {
    LD_PRELOAD: library,
    FAKETIME: `+${(offsetMs / 1000).toFixed(3)}s`,
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  };
}
