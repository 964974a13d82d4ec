/**
 * The parent's side of the worker-process harness (`entry.ts`), for the tests and the bench:
 * forks a worker, follows its messages, and signals it (kill, freeze, drain).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FromWorker, ToWorker, WorkerArgs, WorkerStats } from './protocol';

/**
 * Where the harness runs from, built: beside this file when it runs built (the bench's
 * `dist-bench/`), else `dist-worker/` (`npm run build:worker`, part of `npm run build:sample`).
 */
const BUILT = __filename.endsWith('.js')
  ? __dirname
  : join(__dirname, '../../../dist-worker/test/support/worker');

/** A built file of the harness (`entry.js`, `journal-workflows.js`). */
export const builtHarness = (file: string): string => join(BUILT, file);

const ENTRY = builtHarness('entry.js');

export interface LaunchOptions {
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Node's own flags, e.g. `--expose-gc` for `stats()` after a collection. */
  execArgv?: string[];
  /** Run as this user and group (root writes any file whatever its mode bits). */
  uid?: number;
  gid?: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A worker process, seen from the process that forked it. */
export class WorkerProcess {
  /** Running totals the worker reported (with `progress`). */
  finished = 0;
  asleep = 0;
  ready = false;
  /** Every message the worker sent, in order. */
  readonly reports: FromWorker[] = [];
  readonly pid: number;
  readonly exited: Promise<Exit>;
  private stderr = '';
  private readonly waiters = new Set<() => void>();
  private pendingStats?: (stats: WorkerStats) => void;
  private failure?: Error;

  private constructor(readonly child: ChildProcess) {
    this.pid = child.pid!;
    // Whatever ends this process, its workers do not outlive it.
    const killChild = () => child.kill('SIGKILL');
    process.on('exit', killChild);
    child.stderr?.on(
      'data',
      (chunk: Buffer) => (this.stderr += chunk.toString()),
    );
    child.on('message', (message: FromWorker) => this.receive(message));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        process.off('exit', killChild);
        if (!this.ready || (code !== 0 && code !== null)) {
          this.failure ??= new Error(
            `worker process ${this.pid} exited ${this.ready ? '' : 'before it was ready '}with ${code ?? signal}:\n${this.stderr}`,
          );
        }
        this.notify();
        resolve({ code, signal });
      });
    });
  }

  /** Forks a worker and returns at once; `until(() => worker.ready)` waits for it to poll. */
  static launch(args: WorkerArgs, options: LaunchOptions = {}): WorkerProcess {
    if (!existsSync(ENTRY)) {
      throw new Error(
        `The worker harness is not built (${ENTRY}): run \`npm run build:sample\` first (npm test does).`,
      );
    }
    const child = fork(ENTRY, [JSON.stringify(args)], {
      execArgv: options.execArgv ?? [],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env: { ...process.env, ...options.env },
      uid: options.uid,
      gid: options.gid,
    });
    return new WorkerProcess(child);
  }

  /** Forks a worker and resolves once it is polling; rejects if it exits first. */
  static async start(
    args: WorkerArgs,
    options: LaunchOptions = {},
  ): Promise<WorkerProcess> {
    const worker = WorkerProcess.launch(args, options);
    await worker.until(() => worker.ready);
    return worker;
  }

  /** What the worker wrote to stderr (its warnings and errors). */
  output(): string {
    return this.stderr;
  }

  /** Resolves when `condition` holds, re-checked at every message; rejects if the worker failed. */
  until(condition: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (condition()) resolve();
        else if (this.failure) reject(this.failure);
        else return;
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** The worker's memory and timers after a collection; `settleMs`: see `ToWorker`'s `stats`. */
  async stats(settleMs?: number): Promise<WorkerStats> {
    const answer = new Promise<WorkerStats>((resolve) => {
      this.pendingStats = resolve;
    });
    this.send(
      settleMs === undefined ? { type: 'stats' } : { type: 'stats', settleMs },
    );
    return answer;
  }

  send(message: ToWorker): void {
    this.child.send(message);
  }

  /** SIGKILL: a crash, as abrupt as it gets. */
  async kill(): Promise<Exit> {
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** SIGSTOP: frozen, holding whatever it holds, until `resume()`. */
  pause(): void {
    this.child.kill('SIGSTOP');
  }

  resume(): void {
    this.child.kill('SIGCONT');
  }

  /** SIGTERM (drain and exit); SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 5_000): Promise<Exit> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return this.exited;
    }
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  private receive(message: FromWorker): void {
    this.reports.push(message);
    if (message.type === 'ready') this.ready = true;
    else if (message.type === 'progress') {
      this.finished = message.finished;
      this.asleep = message.asleep;
    } else if (message.type === 'stats') this.pendingStats?.(message.stats);
    else if (message.type === 'error') {
      this.failure = new Error(`worker process: ${message.message}`);
    }
    this.notify();
  }

  private notify(): void {
    for (const check of [...this.waiters]) check();
  }
}
