import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { elapsedMs, quantile, round } from './stats';

/**
 * Median time of one 4 KiB write + fsync in `dir`. A durable SQLite commit waits for at least one
 * of these, so it is the floor under SQLite's figures, and it differs most between machines (a
 * laptop SSD, a cloud volume, a VM whose host caches writes).
 */
export function fsyncMs(dir: string, samples = 200): number {
  const path = join(dir, 'fsync-probe');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(4096, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const started = process.hrtime.bigint();
      writeSync(fd, block, 0, block.length, 0);
      fsyncSync(fd);
      times.push(elapsedMs(started));
    }
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
  return round(quantile(times, 0.5), 3);
}
