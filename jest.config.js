/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
  moduleNameMapper: {
    '^@lidex/nestjs$': '<rootDir>/lib/index.ts',
    '^@lidex/nestjs/sqlite$': '<rootDir>/lib/sqlite.ts',
    '^@lidex/nestjs/mongodb$': '<rootDir>/lib/mongodb.ts',
    '^@lidex/nestjs/postgres$': '<rootDir>/lib/postgres.ts',
    '^@lidex/nestjs/mysql$': '<rootDir>/lib/mysql.ts',
    '^@lidex/nestjs/cqrs$': '<rootDir>/lib/cqrs.ts',
    '^@lidex/nestjs/event-emitter$': '<rootDir>/lib/event-emitter.ts',
    '^@lidex/nestjs/testing$': '<rootDir>/lib/testing/index.ts',
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30000,
  // One suite at a time, whatever number of CPUs the machine reports: the suites share one server
  // of each kind, several of them start worker processes, and some compare rates. Jest's default
  // (one worker per reported CPU, less one) depends on the machine, so the run would differ
  // between this one and a CI machine that reports more CPUs than it gives.
  maxWorkers: 1,
  // ...in a worker process of its own, started afresh for each suite (any suite leaves more than
  // this behind): what one suite leaves running (timers, connections, a spinning loop) cannot
  // slow or stop the next, and the reporter's clock, in Jest's own process, can kill a suite's
  // process that is stuck and let the run go on. A memory limit is what makes Jest use workers.
  workerIdleMemoryLimit: '1MB',
  // Bounds every suite (a blocked worker is not bounded by testTimeout) and lists the slowest.
  reporters: ['default', '<rootDir>/test/support/suite-clock-reporter.js'],
  // The whole run left a handle open after its last suite at the end of this session (Jest
  // printed "did not exit one second after the test run has completed" and hung); until that
  // handle is found (an open finding of the closing note), CI must end when the tests do.
  forceExit: true,
};
