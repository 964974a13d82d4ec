// @ts-check
'use strict';
const { execFileSync } = require('node:child_process');
const { readdirSync, readFileSync, writeSync } = require('node:fs');
const { join } = require('node:path');
const { parentPort, workerData } = require('node:worker_threads');

/**
 * The clock of suite-clock-reporter.js, in a thread of its own so that it keeps time whatever
 * Jest's main thread does. It writes straight to stderr. Suites run in Jest's worker process
 * (jest.config.js sets `workerIdleMemoryLimit`), never in this one: a suite that blocks or spins
 * there is looked into (the JavaScript stack of that process, its threads' states) and then
 * killed, so that its suite fails and the run goes on with a fresh worker.
 */
const { warnS, limitS, stackScript } = workerData;
const running = new Map();

parentPort?.on('message', (message) => {
  if (message.start)
    running.set(message.start, { at: Date.now(), warned: 0, killed: false });
  if (message.end) running.delete(message.end);
});

setInterval(() => {
  const now = Date.now();
  for (const [name, entry] of running) {
    const seconds = Math.round((now - entry.at) / 1000);
    if (seconds >= limitS && entry.killed) {
      say(
        `\n${name} ran past the ${limitS} s a suite may take (LIDEX_SUITE_LIMIT_S) again, when Jest ` +
          `tried it once more: ending the run as failed. Processes now:\n${processes()}\n`,
      );
      process.kill(process.pid, 'SIGTERM');
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), 10_000);
      return;
    }
    if (seconds >= limitS) {
      // Jest tries a suite whose process died once more; that try gets the whole time again.
      entry.at = now;
      entry.warned = now;
      entry.killed = true;
      const workers = testProcesses();
      say(
        `\n${name} has run for ${seconds} s, past the ${limitS} s a suite may take ` +
          `(LIDEX_SUITE_LIMIT_S): killing the process that runs it (${workers.join(', ') || 'none found'}), ` +
          `so the suite fails. Processes now:\n${processes()}\n`,
      );
      for (const pid of workers) {
        say(lookInto(pid));
        killTree(pid);
      }
      continue;
    }
    if (seconds >= warnS && now - entry.warned >= warnS * 1000) {
      entry.warned = now;
      say(`\n${name} still running after ${seconds} s\n`);
      for (const pid of testProcesses()) say(lookInto(pid));
    }
  }
}, 10_000);

function say(text) {
  writeSync(2, text);
}

/** Jest's worker processes: the children of this process running its child entry point. */
function testProcesses() {
  return childrenOf(process.pid).filter((pid) =>
    commandOf(pid).includes('jest-worker'),
  );
}

function childrenOf(parent) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statOf(Number(entry));
    if (stat && stat.ppid === parent) pids.push(Number(entry));
  }
  return pids;
}

/** `/proc/<pid>/stat`'s state and parent (the command, in parentheses, may hold spaces). */
function statOf(pid, task = '') {
  try {
    const text = readFileSync(join('/proc', String(pid), task, 'stat'), 'utf8');
    const [state, ppid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

function commandOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function readOr(path, fallback = '?') {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

/**
 * What the process is doing: each thread's state and where the kernel holds it (a thread asleep
 * in a system call names it), and the JavaScript stack of its main thread, read through the
 * inspector the process opens on SIGUSR1 (a spinning thread is paused, a blocked one is not).
 */
function lookInto(pid) {
  const lines = [`What process ${pid} is doing:`];
  const rss = readOr(`/proc/${pid}/status`)
    .split('\n')
    .find((line) => line.startsWith('VmRSS'));
  if (rss) lines.push(`  ${rss.replace(/\s+/g, ' ')}`);
  let tasks = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    // It has exited meanwhile.
  }
  for (const tid of tasks) {
    const task = `/proc/${pid}/task/${tid}`;
    const stat = statOf(pid, `task/${tid}`);
    lines.push(
      `  thread ${tid} ${readOr(`${task}/comm`)}: state ${stat?.state ?? '?'}, ` +
        `wchan ${readOr(`${task}/wchan`)}, syscall ${readOr(`${task}/syscall`).split(' ')[0]}`,
    );
  }
  try {
    process.kill(pid, 'SIGUSR1');
    const stack = execFileSync(
      process.execPath,
      ['--experimental-websocket', stackScript],
      { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    lines.push(stack.replace(/^/gm, '  '));
  } catch (error) {
    lines.push(
      `  (no JavaScript stack: ${String(error).split('\n')[0]}; the thread is held outside JavaScript)`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** SIGKILL for the process and what it started (worker processes of the suite, servers). */
function killTree(pid) {
  for (const child of childrenOf(pid)) killTree(child);
  try {
    process.kill(pid, 'SIGCONT');
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

function processes() {
  try {
    const table = execFileSync(
      'ps',
      ['-eo', 'pid,ppid,stat,etime,args', '--forest'],
      { encoding: 'utf8', timeout: 5_000 },
    );
    // Without the kernel's threads ("[kworker/0:1]" and the like).
    return table
      .split('\n')
      .filter((line) => !/\s(\\_ )?\[[^\]]*\]$/.test(line))
      .map((line) => line.slice(0, 240))
      .join('\n');
  } catch (error) {
    return `(ps failed: ${String(error)})`;
  }
}
