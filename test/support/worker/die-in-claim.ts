/**
 * The worker harness's `dieInClaim` (see `WorkerArgs`): a store whose limited claims end the
 * process with SIGKILL inside them, so that a crash test lands a kill in the claim itself (between
 * a claim taking slots and winning its workflows, or after it won them and before they run).
 */
import { appendFileSync } from 'node:fs';
import type { Persistence } from '@lidex/nestjs';
import type { DeathInClaim } from './protocol';

function die(log: string, phase: DeathInClaim['phase'], claimed: number) {
  const line: DeathInClaim = {
    pid: process.pid,
    phase,
    claimed,
    at: Date.now(),
  };
  appendFileSync(log, `${JSON.stringify(line)}\n`);
  process.kill(process.pid, 'SIGKILL');
}

export function dyingInClaim(
  store: Persistence,
  { log, withinMs }: { log: string; withinMs: number },
): Persistence {
  const dying = Object.create(store) as Persistence;
  const claim = store.claimReady.bind(store);
  Object.defineProperty(dying, 'claimReady', {
    value: async (...args: Parameters<Persistence['claimReady']>) => {
      const [, leases, , options] = args;
      if (leases.length === 0 || (options?.limits?.size ?? 0) === 0)
        return claim(...args);
      const timer = setTimeout(
        () => die(log, 'under-way', 0),
        Math.random() * withinMs,
      );
      const claimed = await claim(...args);
      clearTimeout(timer);
      if (claimed.length > 0) die(log, 'answered', claimed.length);
      return claimed;
    },
  });
  return dying;
}
