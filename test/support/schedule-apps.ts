import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { SharedStore } from './worker-processes';

const APP = join(__dirname, 'schedule-app.js');

/** One app instance of schedule-app.js, in its own process. */
export interface ScheduleApp {
  child: ChildProcess;
  /** What it wrote to stderr (warnings and errors). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts an app instance; resolves once it has booted (its schedule saved, ticking). */
export function startScheduleApp(
  store: SharedStore,
  journal: string,
): Promise<ScheduleApp> {
  const child = fork(APP, [JSON.stringify(store.spec), journal], {
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    child.once('message', () =>
      resolve({ child, output: () => output, exited }),
    );
    void exited.then(({ code }) =>
      reject(new Error(`schedule app exited early with ${code}:\n${output}`)),
    );
  });
}

/** SIGTERM (the app drains and closes) or SIGKILL; resolves once the process is gone. */
export async function stopScheduleApp(
  app: ScheduleApp,
  signal: 'SIGTERM' | 'SIGKILL',
): Promise<void> {
  if (app.child.exitCode === null && app.child.signalCode === null) {
    app.child.kill(signal);
  }
  await app.exited;
}
