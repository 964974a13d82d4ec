// @ts-check
'use strict';
const { execFileSync } = require('node:child_process');
const { writeSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');

/**
 * The clock of suite-clock-reporter.js, in a thread of its own: it writes straight to the
 * process's stderr and signals the process itself, so it works while the main thread is blocked.
 */
const { warnS, limitS } = workerData;
const running = new Map();

parentPort?.on('message', (message) => {
  if (message.start) running.set(message.start, { at: Date.now(), warned: 0 });
  if (message.end) running.delete(message.end);
});

setInterval(() => {
  const now = Date.now();
  for (const [name, entry] of running) {
    const seconds = Math.round((now - entry.at) / 1000);
    if (seconds >= limitS) {
      say(
        `\n${name} has run for ${seconds} s, past the ${limitS} s a suite may take ` +
          `(LIDEX_SUITE_LIMIT_S): ending the run as failed. Processes now:\n${processes()}\n`,
      );
      process.kill(process.pid, 'SIGTERM');
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), 10_000);
      return;
    }
    if (seconds >= warnS && now - entry.warned >= warnS * 1000) {
      entry.warned = now;
      say(`\n${name} still running after ${seconds} s\n`);
    }
  }
}, 10_000);

function say(text) {
  writeSync(2, text);
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
