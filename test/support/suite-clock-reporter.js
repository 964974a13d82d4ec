// @ts-check
'use strict';
const { relative } = require('node:path');
const { Worker } = require('node:worker_threads');

/**
 * A Jest reporter that keeps the whole run bounded and its slow parts visible. Jest bounds each
 * test and hook (testTimeout) but not a suite: one whose tests each wait out a long timeout, or
 * one that blocks its process, once held CI until its limit with nothing printed. The clock runs
 * in a thread of its own (suite-clock-thread.js). After `LIDEX_SUITE_WARN_S` (default 180 s) it
 * names the suite still running and prints what its process is doing (threads, JavaScript
 * stack); past `LIDEX_SUITE_LIMIT_S` (default 300 s; the slowest suite takes about 140 s) it
 * kills that process, so the suite fails and the run goes on. At the end it lists the slowest
 * suites, so CI output shows where the time went.
 */
class SuiteClockReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    this.started = new Map();
    this.durations = [];
    this.clock = new Worker(require.resolve('./suite-clock-thread.js'), {
      workerData: {
        warnS: Number(process.env.LIDEX_SUITE_WARN_S ?? 180),
        limitS: Number(process.env.LIDEX_SUITE_LIMIT_S ?? 300),
        stackScript: require.resolve('./js-stack.js'),
      },
    });
    this.clock.unref();
  }

  onTestStart(test) {
    this.started.set(test.path, Date.now());
    this.clock.postMessage({ start: this.name(test.path) });
  }

  onTestResult(test) {
    const started = this.started.get(test.path);
    this.started.delete(test.path);
    this.clock.postMessage({ end: this.name(test.path) });
    if (started !== undefined)
      this.durations.push([test.path, Date.now() - started]);
  }

  async onRunComplete() {
    await this.clock.terminate();
    const slowest = [...this.durations]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12);
    const total = this.durations.reduce((sum, [, ms]) => sum + ms, 0);
    const lines = slowest.map(
      ([path, ms]) =>
        `  ${(ms / 1000).toFixed(1).padStart(7)} s  ${this.name(path)}`,
    );
    process.stderr.write(
      `\nSlowest suites (${this.durations.length} suites, ${(total / 1000).toFixed(0)} s in all):\n${lines.join('\n')}\n`,
    );
  }

  name(path) {
    return relative(this.rootDir, path);
  }

  getLastError() {
    return undefined;
  }
}

module.exports = SuiteClockReporter;
