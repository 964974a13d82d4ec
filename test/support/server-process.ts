import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/** A system user's ids, for a server that must not run as root. */
export interface ServerUser {
  uid: number;
  gid: number;
}

/**
 * What starting a database server of our own needs (see `mysql-server.ts`, `postgres-server.ts`):
 * the binary and its arguments, how to spawn it, how to ask whether it answers, and how it shuts
 * down cleanly.
 */
export interface ServerProcessOptions {
  /** Its name in error messages: `mariadbd`, `postgres`. */
  name: string;
  command: string;
  args: string[];
  /** Spawn options on top of the pipes and the process group (a user, a working folder). */
  spawnOptions: { uid?: number; gid?: number; cwd?: string };
  /** Where it listens, for the error when it does not answer. */
  url: string;
  /** Resolves once the server answers a query; throws while it does not. */
  probe(): Promise<void>;
  /** The signal of its clean shutdown. */
  stopSignal: NodeJS.Signals;
  /** How long a clean shutdown may take before the process group is killed. */
  stopGraceMs: number;
  /** After a SIGKILL, wait until every process of the group is gone (its backends too). */
  awaitGroupAfterKill?: boolean;
}

/** How long a start may take before it fails, with the server's output in the error. */
const START_TIMEOUT_MS = 60_000;
/** How long a killed process group may take to be gone. */
const GROUP_GONE_TIMEOUT_MS = 10_000;

/** A started server process: stop it, start it again, or kill it at once (for exit hooks). */
export interface ServerProcess {
  /** Stops the server: its clean shutdown by default (`stopSignal`), or a crash (SIGKILL). */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts the server again, with the same arguments. */
  start(): Promise<void>;
  /** Kills the server's process group at once, synchronously. */
  kill(): void;
}

/**
 * Starts one server process in a process group of its own (so that a crash, SIGKILL, takes its
 * children down with it) and waits a bounded time for it to answer; a server that does not is
 * killed, and the error thrown.
 */
export async function startServerProcess(
  options: ServerProcessOptions,
): Promise<ServerProcess> {
  let child: ChildProcess | undefined;
  let output = '';

  const start = async (): Promise<void> => {
    output = '';
    child = spawn(options.command, options.args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...options.spawnOptions,
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null) {
        throw new Error(
          `${options.name} exited with ${child.exitCode}:\n${output}`,
        );
      }
      try {
        await options.probe();
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(
            `${options.name} did not answer on ${options.url}: ${String(error)}\n${output}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };

  const stop = async (
    signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM',
  ): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.pid === undefined)
      return;
    const pid = running.pid;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      if (signal === 'SIGKILL') killGroup(pid);
      else running.kill(options.stopSignal);
      setTimeout(() => killGroup(pid), options.stopGraceMs).unref();
    });
    if (signal === 'SIGKILL' && options.awaitGroupAfterKill) {
      await waitForGroupGone(pid);
    }
  };

  const kill = (): void => {
    if (child?.pid !== undefined) killGroup(child.pid);
  };

  try {
    await start();
  } catch (error) {
    await stop('SIGKILL');
    throw error;
  }
  return { start, stop, kill };
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Processes killed with the group's leader must be gone before a new one can take the data. */
async function waitForGroupGone(pid: number): Promise<void> {
  const deadline = Date.now() + GROUP_GONE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      process.kill(-pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The ids of the server's own user (`name`) when we run as root, else undefined; throws
 * `missing` when we run as root and there is no such user.
 */
export function serverUser(
  name: string,
  missing: string,
): ServerUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => {
    const found = spawnSync('id', [flag, name], { encoding: 'utf8' });
    if (found.status !== 0) throw new Error(missing);
    return Number(found.stdout.trim());
  };
  return { uid: id('-u'), gid: id('-g') };
}
