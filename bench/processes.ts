import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { EngineOptions } from '@lidex/nestjs';
import { onExit } from './cleanup';
import type { StoreSpec } from './stores';
import type {
  FromWorker,
  ToWorker,
  WorkerArgs,
  WorkerStats,
} from './worker-protocol';

const WORKER = join(__dirname, 'worker-process.js');

/** A worker process running the bench workflows, seen from the bench process. */
export class WorkerProcess {
  finished = 0;
  asleep = 0;
  private output = '';
  private readonly exited: Promise<void>;
  private readonly waiters = new Set<() => void>();
  private pendingStats?: (stats: WorkerStats) => void;
  private failure?: Error;
  private readonly removeExitHook: () => void;
  private ready = false;

  private constructor(private readonly child: ChildProcess) {
    // Whatever happens to the bench, its workers do not outlive it.
    this.removeExitHook = onExit(() => child.kill('SIGKILL'));
    child.stderr?.on(
      'data',
      (chunk: Buffer) => (this.output += chunk.toString()),
    );
    child.on('message', (message: FromWorker) => this.receive(message));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.removeExitHook();
        if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGKILL') {
          this.failure ??= new Error(
            `worker process ${child.pid} exited with ${code ?? signal}: ${this.output}`,
          );
        }
        this.notify();
        resolve();
      });
    });
  }

  /** Starts a worker process and resolves once it is polling. */
  static async start(
    spec: StoreSpec,
    engine: EngineOptions,
  ): Promise<WorkerProcess> {
    const args: WorkerArgs = { spec, engine };
    const child = fork(WORKER, [JSON.stringify(args)], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    const worker = new WorkerProcess(child);
    await worker.until(() => worker.ready);
    return worker;
  }

  /** Resolves when `condition` holds, re-checked at every message from the worker. */
  until(condition: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.failure) reject(this.failure);
        else if (condition()) resolve();
        else return;
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  async stats(): Promise<WorkerStats> {
    const answer = new Promise<WorkerStats>((resolve) => {
      this.pendingStats = resolve;
    });
    this.send({ type: 'stats' });
    return answer;
  }

  send(message: ToWorker): void {
    this.child.send(message);
  }

  /** Asks the worker to drain and exit; kills it if it has not within a few seconds. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(timer);
    }
  }

  private receive(message: FromWorker): void {
    if (message.type === 'ready') this.ready = true;
    else if (message.type === 'progress') {
      this.finished = message.finished;
      this.asleep = message.asleep;
    } else if (message.type === 'stats') this.pendingStats?.(message.stats);
    else this.failure = new Error(`worker process: ${message.message}`);
    this.notify();
  }

  private notify(): void {
    for (const check of [...this.waiters]) check();
  }
}

/** Starts `count` worker processes over one store; stops them all after `work`, however it ends. */
export async function withWorkers<T>(
  count: number,
  spec: StoreSpec,
  engine: EngineOptions,
  work: (workers: WorkerProcess[]) => Promise<T>,
): Promise<T> {
  const workers: WorkerProcess[] = [];
  try {
    for (let i = 0; i < count; i++) {
      workers.push(await WorkerProcess.start(spec, engine));
    }
    return await work(workers);
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}

/** Resolves when the workers together have finished `total` workflows. */
export async function allFinished(
  workers: WorkerProcess[],
  total: number,
): Promise<void> {
  const sum = () => workers.reduce((n, worker) => n + worker.finished, 0);
  await Promise.race(
    workers.map((worker) => worker.until(() => sum() >= total)),
  );
}
