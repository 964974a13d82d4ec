import { describePlace, type PayloadContext } from './model/payload-context';
/**
 * Every error and log message Lidex produces is built here, so that the wording is consistent
 * and tests can assert against the same text a user reads.
 */

const show = (value: unknown): string => {
  if (typeof value === 'number') return String(value);
  // A class passed where its instance belongs shows by name, not as its source code.
  if (typeof value === 'function')
    return `${value.name || 'a function'} (a function)`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // Circular (a driver's client, say): name its class instead.
    return `a ${(value as object).constructor?.name ?? 'value'}`;
  }
};

/** What the store showed when it refused a run's write: why the run lost its lease. */
const LEASE_LOSS_REASONS = {
  'taken-over':
    'its lease ran out before this run renewed it, and a newer claim (by this instance or ' +
    'another) holds it now',
  finished: 'another run of it has already finished it',
  aborted: 'another run of it has already ended it (aborted)',
  failed: 'another run of it recorded a failure since',
  released: 'it was handed back or retried meanwhile, and no run holds it now',
  missing: 'it is no longer in the store',
  unknown: 'the store refused the write, and could not be read to say why',
} as const;

export type LeaseLossReason = keyof typeof LEASE_LOSS_REASONS;

export const messages = {
  eventListenerFailed: (type: string, cause: string) =>
    `A listener of Lidex's ${show(type)} events threw (${cause}); the run goes on, fix the listener`,
  tracingUnavailable: (cause: string) =>
    `observability.tracing is true but @opentelemetry/api could not be loaded (${cause}); ` +
    `install it (npm install @opentelemetry/api) or set tracing to 'auto'`,
  duplicateStepId: (
    workflowId: string,
    kind: 'step' | 'sleep' | 'waitForSignal' | 'signal' | 'startChild',
    id: string,
  ) =>
    `Workflow ${show(workflowId)} used ${kind} id ${show(id)} twice in one run. ` +
    `Each ctx.${kind}() call needs its own id (for loops, add the iteration: \`${kind}-\${i}\`).`,

  invalidId: (what: string, value: unknown) =>
    `${what} must be a non-empty string, got ${typeof value === 'string' ? show(value) : typeof value}.`,

  invalidSleepDuration: (workflowId: string, sleepId: string, ms: unknown) =>
    `ctx.sleep(${show(sleepId)}, ms) in workflow ${show(workflowId)} needs a finite number of ` +
    `milliseconds >= 0, got ${show(ms)}.`,

  ctxCallNotAwaited: (workflowId: string, call: string, failure?: string) =>
    `Workflow ${show(workflowId)} did not await ${call}` +
    (failure === undefined ? '' : `, which failed (${failure})`) +
    `: its code went on without its outcome. Await every ctx call (or pass it to Promise.all) ` +
    `before the workflow returns.`,

  ctxCallAfterEnd: (workflowId: string, call: string) =>
    `${call} was called after workflow ${show(workflowId)} had returned, so it was not run. ` +
    `Make every ctx call inside the workflow function and await it (a callback given to ` +
    `forEach, setTimeout or an event runs after the workflow has returned).`,

  sleepTooLong: (
    workflowId: string,
    sleepId: string,
    ms: number,
    maxMs: number,
  ) =>
    `ctx.sleep(${show(sleepId)}, ms) in workflow ${show(workflowId)} got ${show(ms)} ms, over ` +
    `the most Lidex sleeps at once, ${maxMs} ms (10 years): check the unit (milliseconds), or ` +
    `sleep in several steps with ids of their own.`,

  valueNotStorable: (what: string, path: string, reason: string) =>
    `Lidex cannot store the ${what}: ${path} ${reason}. Return plain data ` +
    `(objects, arrays, strings, numbers, booleans, null, Date) from steps and workflows.`,

  valueTooLarge: (what: string, bytes: number, limit: number) =>
    `Lidex cannot store the ${what}: it is ${bytes} bytes encoded, over the store's limit of ` +
    `${limit} bytes. Store large data elsewhere and keep a reference in the workflow.`,

  valueTooLargeToEncode: (what: string, cause: string) =>
    `Lidex cannot store the ${what}: it is too large to encode (${cause}). Store large data ` +
    `elsewhere and keep a reference in the workflow.`,

  workflowTooLarge: (what: string, bytes: number, limit: number) =>
    `Lidex cannot store the ${what}: with it, the workflow's data would take ${bytes} bytes, ` +
    `over the store's limit of ${limit} bytes per workflow. Keep large data elsewhere and store ` +
    `a reference in the workflow.`,

  workflowNearLimit: (workflowId: string, bytes: number, limit: number) =>
    `Workflow ${show(workflowId)} takes ${bytes} bytes, ${Math.round((bytes / limit) * 100)}% ` +
    `of the store's limit of ${limit} bytes per workflow; a step that does not fit will end it. ` +
    `Keep large data elsewhere and store a reference in the workflow.`,

  documentTooLarge: (cause: string) =>
    `Lidex cannot store this workflow's data: its document would exceed MongoDB's 16 MiB limit ` +
    `(${cause}). Keep large data elsewhere and store a reference in the workflow.`,

  unknownWorkflow: (name: string, known: readonly string[]) =>
    `No workflow is named ${show(name)}. ` +
    (known.length > 0
      ? `Known workflows: ${known.map(show).join(', ')}. `
      : 'No workflows are registered. ') +
    `Mark a provider method with @Workflow(${show(name)}) in a module of this app.`,

  invalidWorkflowRef: (call: string, value: unknown) =>
    `${call} needs a workflow name (a string) or a reference made by defineWorkflow(), got ` +
    `${typeof value === 'object' && value !== null ? show(value) : typeof value}.`,

  workflowRefMismatch: (
    call: string,
    workflowId: string,
    storedName: string,
    refName: string,
  ) =>
    `${call}: workflow ${show(workflowId)} is a ${show(storedName)} workflow, not ` +
    `${show(refName)}, so its input and result are not of the reference's types. Pass the ` +
    `reference of ${show(storedName)}, or call it with the id alone.`,

  workflowNotFound: (workflowId: string) =>
    `No workflow has the id ${show(workflowId)}. Check the id (list() shows the stored ones).`,

  invalidListOption: (option: string, value: unknown, expected: string) =>
    `list() option "${option}" must be ${expected}, got ${show(value)}.`,

  invalidCursor: () =>
    `list() option "cursor" is not a cursor Lidex made. Pass the nextCursor of the previous ` +
    `page unchanged, or leave it out for the first page.`,

  invalidOption: (option: string, value: unknown, expected: string) =>
    `Lidex option "${option}" must be ${expected}, got ${show(value)}.`,

  unknownOption: (
    where: string,
    option: string,
    known: readonly string[],
    advice?: string,
  ) =>
    `${where} has no option ${show(option)}. ${advice ? `${advice} ` : ''}` +
    `Its options: ${known.join(', ')}.`,

  didYouMean: (option: string) => `Did you mean ${show(option)}?`,

  handlersNotAModuleOption: () =>
    'Workflows are the provider methods marked @Workflow(name), found when the app starts ' +
    '("handlers" is an option of new LidexEngine(), for use without Nest).',

  optionReturnedByFactory: (option: string) =>
    `Lidex option ${show(option)} was returned by forRootAsync's useFactory, where it has no ` +
    `effect: it shapes the module, which is built before the factory runs. Give it beside ` +
    `useFactory: LidexModule.forRootAsync({ useFactory, ${option}: ... }).`,

  optionBesideFactory: (option: string) =>
    `Lidex option ${show(option)} was given to LidexModule.forRootAsync() beside useFactory, ` +
    `where it has no effect: return it from useFactory, with the other options.`,

  notAStore: (missing: readonly string[]) =>
    `a store: a SqliteStore, MongoStore, PostgresStore, MysqlStore or MemoryStore, or an object ` +
    `with every method of Persistence (missing: ${missing.map((method) => `${method}()`).join(', ')})`,

  moduleImportedTwice: (count: number) =>
    `LidexModule is imported ${count} times in this app (forRoot() or forRootAsync() in ` +
    `${count} modules): each import would run its own engine and worker over the store, and ` +
    `LidexClient would reach only one of them. Import it once, in the root module; it is ` +
    `global, so LidexClient can be injected in every module without importing it again.`,

  blankId: (what: string, value: string) =>
    `${what} must have a character other than whitespace, got ${show(value)}.`,

  blankWorkflowName: (value: string) =>
    `@Workflow() needs a name with a character other than whitespace, got ${show(value)}. ` +
    `Name it as clients start it: @Workflow('send-invoice').`,

  staticWorkflow: (name: string, where: string) =>
    `@Workflow(${show(name)}) is on the static method ${where}. Lidex runs workflows on the ` +
    `instance of a provider (so they can use injected dependencies): make it an instance ` +
    `method of an @Injectable() provider.`,

  handlerNotAFunction: (name: string, value: unknown) =>
    `The handler of workflow ${show(name)} must be a function (ctx, input) => result, got ` +
    `${typeof value === 'string' ? show(value) : typeof value}.`,

  invalidWaitArgument: (what: string, value: unknown, expected: string) =>
    `wait() ${what} must be ${expected}, got ${show(value)}.`,

  unknownWaitStatus: (status: unknown, known: readonly string[]) =>
    `wait() got ${show(status)} as a status; a workflow's status is one of ` +
    `${known.map(show).join(', ')}.`,

  invalidMongoUrl: (cause: string) =>
    `a MongoDB connection string such as mongodb://host:27017/orders or ` +
    `mongodb+srv://cluster.example.net/orders (the driver says: ${cause})`,

  lidexClosed: (call: string) =>
    `Lidex is closed: ${call} was called after the app shut down (app.close(), or ` +
    `LidexEngine.close() without Nest), when its store is closed. Nothing was read or written. ` +
    `Make Lidex calls while the app runs; work that must go on belongs in a workflow.`,

  duplicateWorkflow: (name: string, first: string, second: string) =>
    `Two methods are registered as @Workflow(${show(name)}): ${first} and ${second}. ` +
    `Workflow names must be unique in an app; rename one of them.`,

  requestScopedWorkflow: (name: string, where: string) =>
    `@Workflow(${show(name)}) is on ${where}, a request-scoped (or transient-dependent) provider. ` +
    `Workflows run outside any request: make the provider a singleton (default scope) ` +
    `and inject request-specific data as workflow input.`,

  storeUnavailable: (store: string, cause: string) =>
    `Lidex could not open its store (${store}): ${cause}`,

  storeUnreachable: (
    store: string,
    call: string,
    cause: string,
    left: string,
  ) => `${call} could not reach Lidex's store (${store}): ${cause}. ${left}`,

  storeStopped: (store: string, cause: string) =>
    `Lidex stopped using its store (${store}): ${cause}`,

  sqliteNotWritable: (user: string, cause: string) =>
    `this process (${user}) cannot write the file (${cause}). Make the file, and the folder it ` +
    `is in, writable by that user: SQLite also writes a "-wal" and a "-shm" file beside it`,

  sqliteFolderNotCreated: (folder: string, cause: string) =>
    `its folder ${folder} cannot be created (${cause}). Create the folder, or give a path in ` +
    `a folder that exists and this process can write`,

  sqliteFileDeleted: () =>
    `the file was deleted while this process had it open. This process no longer claims or ` +
    `records workflows, so that nothing more goes into a file no other process reads; what only ` +
    `that file held is gone. Restore the file and restart this process`,

  sqliteFileReplaced: () =>
    `another file was put at its path while this process had the previous one open. This ` +
    `process no longer claims or records workflows, so that nothing more goes into a file no ` +
    `other process reads. Restart this process to use the file now at the path`,

  sqliteOptionsNotObject: () =>
    'an object { path?, durability?, busyTimeoutMs?, tablePrefix? }',
  sqliteUnknownOption: (known: readonly string[]) =>
    `left out: SqliteStore has no such option (its options are ${known.join(', ')})`,
  sqliteDurability: () => '"full" or "normal"',
  sqliteBusyTimeout: (max: number) =>
    `an integer number of milliseconds from 0 to ${max}`,
  sqliteTablePrefix: () =>
    'at most 64 letters, digits and underscores, not starting with a digit (it begins the ' +
    "table names), or ''",
  sqlitePath: () => 'a non-empty file path',

  driverMissing: (driver: string, store: string) =>
    `The ${store} needs the "${driver}" package. Install it with: npm install ${driver}`,

  invalidDashboardPath: () =>
    "a string such as 'ops/lidex': segments of letters, digits and '-._~' separated by '/', " +
    "each with a letter or digit (so none empty, '.' or '..'), and no '?', '#' or spaces",

  invalidDashboardGuard: () =>
    'a guard class (one with a canActivate() method, which Nest instantiates) or an object ' +
    'with a canActivate() method',

  unknownDashboardOption: () =>
    'absent: the dashboard takes only "path" and "guard" (check the spelling)',

  dashboardIdMissing: () =>
    'Query parameter "id" is required: the id of the workflow, URL-encoded (?id=order-42).',

  dashboardQueryNotText: (parameter: string) =>
    `Query parameter "${parameter}" must be given at most once, as text.`,

  dashboardCrossSite: () =>
    `The Lidex dashboard answers only its own page: a page on another origin sent this ` +
    `request (its Origin or Sec-Fetch-Site header says so), which is refused whatever the ` +
    `app's CORS settings. Behind a proxy that rewrites Host, pass the browser's Host through ` +
    `or set X-Forwarded-Host.`,

  dashboardHeaderMissing: (header: string) =>
    `This request changes a workflow: send the header "${header}: 1" (the dashboard's page ` +
    `does). Requiring it keeps other sites from making a logged-in browser send the request.`,

  dashboardSignalBody: () =>
    'Send the signal as a JSON object: { "name": "approved", "payload": "<the payload as JSON ' +
    'text>" } (payload optional: null when absent or empty), with content-type application/json.',

  dashboardSignalPayloadNotJson: (detail: string) =>
    `The signal's payload must be JSON text, such as {"approved": true}, "text in quotes", 42 ` +
    `or null; it does not parse: ${detail}`,

  // Log lines
  storeOpened: (store: string) => `Workflows are stored in ${store}`,
  serverNotAtomic: (server: string, store: string) =>
    `${server} (${store}) does not apply a conditional update to one document atomically, so it ` +
    `is not safe for concurrent workers. What holds: with one worker process, every workflow runs ` +
    `to completion with each step recorded once, and claims are decided by claim documents. What ` +
    `does not: with two or more worker processes on this database, a write of a worker whose lease ` +
    `was taken over can still be applied, and progress already recorded can be written over, so ` +
    `steps run again. Fix: run one worker process (other instances with \`clientOnly: true\`), or ` +
    `use a server with atomic single-document updates, such as MongoDB.`,
  workerStarted: (names: readonly string[], concurrency: number) =>
    `Worker started: ${names.length} workflow(s) [${names.join(', ')}], up to ${concurrency} at once`,
  clientOnly: (names: readonly string[]) =>
    `Client-only mode: this instance starts workflows but does not run them (${names.length} known)`,
  workerDraining: (running: number, graceMs: number) =>
    `Stopping: waiting up to ${graceMs} ms for ${running} running workflow(s) to reach a durable point`,
  workerStopped: () => 'Worker stopped',
  drainTimedOut: (ids: readonly string[]) =>
    `Grace period over with ${ids.length} workflow(s) still inside a step: ${ids.map(show).join(', ')}. ` +
    `Their leases expire and another instance resumes them.`,
  claimFailed: (cause: string, retryMs: number) =>
    `Claiming workflows failed (${cause}); retrying in ${retryMs} ms`,
  storeWriteRetry: (workflowId: string, cause: string, retryMs: number) =>
    `Writing workflow ${show(workflowId)} failed (${cause}); retrying in ${retryMs} ms`,
  handBackFailed: (workflowId: string, cause: string) =>
    `Handing back workflow ${show(workflowId)} while stopping failed (${cause}); ` +
    `another instance takes it over when its lease expires`,
  leaseRenewFailed: (workflowId: string, cause: string) =>
    `Renewing the lease of workflow ${show(workflowId)} failed: ${cause}`,
  workflowCancelled: (workflowId: string) =>
    `Workflow ${show(workflowId)} was cancelled`,
  runCancelled: (workflowId: string) =>
    `Workflow ${show(workflowId)} was cancelled while it ran here; this run stops`,
  workflowRetried: (workflowId: string) =>
    `Workflow ${show(workflowId)} will be retried from its recorded steps`,
  leaseLost: (workflowId: string, reason: LeaseLossReason) =>
    `Lost the lease of workflow ${show(workflowId)}: ${LEASE_LOSS_REASONS[reason]}; this run stops`,
  noHandler: (workflowId: string, name: string, retryMs: number) =>
    `Workflow ${show(workflowId)} is named ${show(name)}, which this instance does not know; ` +
    `released for another instance, back in ${retryMs} ms`,
  workflowFailed: (
    workflowId: string,
    status: string,
    failures: number,
    cause: string,
  ) =>
    `Workflow ${show(workflowId)} failed (${failures} failure(s), now ${status}): ${cause}`,
  workflowEndedAtOnce: (workflowId: string, cause: string) =>
    `Workflow ${show(workflowId)} aborted at once, without retries (a retry would meet the same ` +
    `error): ${cause}`,
  workflowFinished: (workflowId: string) =>
    `Workflow ${show(workflowId)} finished`,
  workerCrashed: (cause: string) =>
    `The worker's poll loop stopped on an unexpected error: ${cause}. This instance no longer ` +
    `claims workflows; please report this.`,
  writeAbandoned: (workflowId: string, cause: string, failingForMs: number) =>
    `Workflow ${show(workflowId)} stopped here: its store writes kept failing for ` +
    `${Math.round(failingForMs)} ms, a whole lease (${cause}). Nothing more of this run is ` +
    `written; once the store can be reached, the instance that claims the workflow next resumes ` +
    `it from its recorded steps.`,

  runCrashed: (workflowId: string, cause: string) =>
    `Internal error while running workflow ${show(workflowId)}: ${cause}`,
  dashboardUnguarded: (path: string) =>
    `The Lidex dashboard at /${path} has no guard and NODE_ENV is production: anyone who can ` +
    `reach this app can read workflows' inputs and results, and cancel or retry them. Pass a ` +
    `guard: LidexModule.forRoot({ dashboard: { path: ${show(path)}, guard: AdminGuard } }) ` +
    `(any CanActivate), or leave the dashboard off.`,
  postgresListenerLost: (store: string) =>
    `Lidex lost its notification connection to ${store}; reconnecting (new work is found by ` +
    `polling meanwhile)`,
  postgresConnectionLost: (store: string, cause: string) =>
    `An idle connection to ${store} failed (${cause}); the pool opens a new one when needed`,
  postgresSchemaOutdated: (schema: string, found: number, needed: number) =>
    `the schema "${schema}" is ${found === 0 ? 'missing or has no Lidex tables' : `at version ${found}`}, ` +
    `and this version of Lidex needs version ${needed}. Migrations are off (migrate: false): apply ` +
    `the SQL of PostgresStore.migrationSql({ schema: ${show(schema)} }) with your migration tool, ` +
    `or let Lidex migrate at start (migrate: true)`,
  leaseExpiredUnrenewed: (workflowId: string, cause: string) =>
    `The lease of workflow ${show(workflowId)} expired while this run waited (frozen or ` +
    `starved process?) and renewing it failed (${cause}); this run stops before its next ` +
    `step, and another instance resumes the workflow`,
  clockOffServer: (
    store: string,
    aheadMs: number,
    leaseMs: number,
    following: boolean,
  ) =>
    `This instance's clock is ${Math.abs(aheadMs)} ms ${aheadMs > 0 ? 'ahead of' : 'behind'} ` +
    `the clock of ${store}, more than a quarter of the ${leaseMs} ms lease. ` +
    (following
      ? `Lidex counts leases, sleeps and retries on the server's clock, but keep the clocks in sync (NTP).`
      : `With its clock this far off, this instance can take over workflows that are still ` +
        `running, or have its own taken over: keep the clocks in sync (NTP).`),
  clockBehindStoredTimes: (store: string, aheadMs: number, leaseMs: number) =>
    `Another instance stored times ${aheadMs} ms ahead of this instance's clock in ${store}, ` +
    `more than a quarter of the ${leaseMs} ms lease: one of the clocks is off. An instance ` +
    `whose clock runs ahead can take over workflows that are still running: keep the clocks ` +
    `of all instances in sync (NTP).`,
  clockAheadOfLeases: (store: string, aheadMs: number, leaseMs: number) =>
    `This instance's clock is at least ${aheadMs} ms ahead of another instance's, more than a ` +
    `quarter of the ${leaseMs} ms lease: leases in ${store} are renewed while they look expired ` +
    `here. This instance takes over a lease only once it has seen it left unrenewed, but keep ` +
    `the clocks of all instances in sync (NTP).`,
  clockCheckFailed: (store: string, cause: string) =>
    `Comparing this instance's clock with ${store} failed (${cause}); trying again in a minute`,
  startOptionsInvalid: (value: unknown) =>
    `start() options must be an object such as { transaction }, got ${show(value)}.`,
  transactionUnsupported: (store: string) =>
    `start() was given a transaction, but ${store} cannot join the app's transaction. ` +
    `Start the workflow without \`transaction\`, or use PostgresStore (@lidex/nestjs/postgres) ` +
    `or MysqlStore (@lidex/nestjs/mysql), which insert it in your driver's or ORM's transaction.`,
  postgresNotATransaction: (store: string, got: unknown, expected: string) =>
    `start()'s transaction for ${store} must be ${expected}, got ${show(got)}.`,
  postgresOrmNotReady: (orm: string, fix: string) =>
    `PostgresStore cannot use ${orm}: ${fix}`,
  mysqlConnectionLost: (store: string, cause: string) =>
    `A connection to ${store} failed (${cause}); the pool opens a new one when needed`,
  mysqlSchemaOutdated: (prefix: string, found: number, needed: number) =>
    `the tables "${prefix}*" are ${found === 0 ? 'missing' : `at version ${found}`}, ` +
    `and this version of Lidex needs version ${needed}. Migrations are off (migrate: false): apply ` +
    `the SQL of MysqlStore.migrationSql({ tablePrefix: ${show(prefix)} }) with your migration tool, ` +
    `or let Lidex migrate at start (migrate: true)`,
  mysqlMigrationLockBusy: (store: string, lock: string, seconds: number) =>
    `${store}: another instance held the migration lock ${show(lock)} for more than ${seconds} s; ` +
    `start again once it has migrated (or find the session holding it: SELECT IS_USED_LOCK(${show(lock)}))`,
  mysqlCharsetFix: () =>
    "utf8mb4, so that any text can be stored: charset: 'utf8mb4' in your TypeORM DataSource or " +
    'mysql2 pool options (the store opened from a url sets it itself)',
  mysqlNotATransaction: (store: string, got: unknown, expected: string) =>
    `start()'s transaction for ${store} must be ${expected}, got ${show(got)}.`,
  mysqlPrismaFix: () =>
    'a PrismaClient on @prisma/adapter-mariadb, with `mariadbPool`: the pool its PrismaMariaDb ' +
    'adapter was given (const pool = createPool(...) from "mariadb"; ' +
    'new PrismaClient({ adapter: new PrismaMariaDb(pool) }); ' +
    'new MysqlStore({ prisma, mariadbPool: pool })). Prisma hands out no connection, and its raw ' +
    "queries cannot read the result sets of the store's CALLs",
  nowBesideClock: () =>
    `not given together with "clock": the clock's now() is the engine's time; give one of them`,
  notAClock: () =>
    `a Clock (an object with now(), monotonic() and setTimer()): systemClock, or the ` +
    `ManualClock of @lidex/nestjs/testing`,
  manualClockNotAdvancing: (ms: unknown) =>
    `ManualClock.advance() takes a number of milliseconds >= 0, not ${show(ms)}`,
  manualClockBadDate: (date: unknown) =>
    `ManualClock.set() takes a Date or ms since the epoch, not ${show(date)}`,
  manualClockBusy: () =>
    `ManualClock: advance(), set() or runDue() was called while another was under way; await ` +
    `each before the next`,
  invalidStepOption: (
    where: string,
    option: string,
    value: unknown,
    expected: string,
  ) => `${where}: option "${option}" must be ${expected}, got ${show(value)}.`,
  stepTimedOut: (
    workflowId: string,
    stepId: string,
    attempt: number,
    timeoutMs: number,
  ) =>
    `Attempt ${attempt} of step ${show(stepId)} in workflow ${show(workflowId)} ran past its ` +
    `timeoutMs (${timeoutMs} ms); its signal was aborted.`,
  stepAttemptFailed: (
    workflowId: string,
    stepId: string,
    attempt: number,
    cause: string,
    waitMs: number,
  ) =>
    `Attempt ${attempt} of step ${show(stepId)} in workflow ${show(workflowId)} failed ` +
    `(${cause}); the next attempt in ${waitMs} ms`,
  stepAttemptsSpent: (
    workflowId: string,
    stepId: string,
    attempt: number,
    cause: string,
  ) =>
    `Step ${show(stepId)} in workflow ${show(workflowId)} failed at attempt ${attempt} ` +
    `(${cause}), with no attempt left: the error goes to the workflow's code`,
  invalidRetryBackoff: (maxMs: number, firstMs: number) =>
    `a number of milliseconds >= retryIntervalMs (${firstMs}), the first interval; got ${maxMs}`,
  runStopping: (workflowId: string, reason: string) =>
    `The run of workflow ${show(workflowId)} is stopping (${reason}): another claim resumes it`,
  workflowAborted: (workflowId: string, cause: string) =>
    `Workflow ${show(workflowId)} ended aborted, without a result: ${cause}. Its error is on ` +
    `this error's \`error\` (and in get()); retry() runs it again.`,
  workflowCancelledNoResult: (workflowId: string, reason?: string) =>
    `Workflow ${show(workflowId)} was cancelled, without a result` +
    (reason === undefined ? '.' : `: ${reason}.`),
  resultTimedOut: (workflowId: string, timeoutMs: number, status: string) =>
    `result() gave up after ${timeoutMs} ms: workflow ${show(workflowId)} is still ${status}. ` +
    `Wait longer ({ timeoutMs }), or look again later.`,
  resultOptionsInvalid: (value: unknown) =>
    `result() options must be an object such as { timeoutMs: 30000 }, got ${show(value)}.`,
  resultTimeoutInvalid: (value: unknown) =>
    `result() option "timeoutMs" must be a number of ms >= 0, got ${show(value)}.`,
  startTimeoutInvalid: (value: unknown) =>
    `start() option "timeoutMs" (the workflow's deadline, from now) must be a finite number ` +
    `of ms > 0, got ${show(value)}.`,
  deadlineExceeded: (workflowId: string, deadlineAt: number) =>
    `deadline exceeded: workflow ${show(workflowId)} had not ended by its deadline, ` +
    `${new Date(deadlineAt).toISOString()} (start()'s timeoutMs)`,
  workflowDeadlineExceeded: (workflowId: string, deadlineAt: number) =>
    `Workflow ${show(workflowId)} was cancelled: its deadline ` +
    `${new Date(deadlineAt).toISOString()} has passed`,
  noTestRunnerGlobal: (name: string) =>
    `The Lidex store suites need the test runner's global \`${name}\`, which is not defined. ` +
    'Run them in Jest, or in a runner with Jest-compatible globals (Vitest with globals: true).',
  flowLimitInvalid: (where: string, value: unknown) =>
    `${where} must be a whole number of 1 or more, got ${show(value)}: ` +
    `{ concurrency: { limit: 5, perKey: 1 } } or { rateLimit: { max: 50, perMs: 1000 } }.`,
  flowOptionNotObject: (
    where: string,
    value: unknown,
    keys: readonly string[],
  ) =>
    `${where} must be an object with ${keys.map((key) => `"${key}"`).join(' or ')}, ` +
    `got ${show(value)}: { concurrency: { limit: 5, perKey: 1 } } or ` +
    `{ rateLimit: { max: 50, perMs: 1000 } }.`,
  flowControlUnsupported: (store: string, names: string[]) =>
    `${store} cannot enforce concurrency or rate limits, which workflows ` +
    `${names.map((name) => show(name)).join(', ')} declare. Remove \`concurrency\` and ` +
    `\`rateLimit\` from their @Workflow() options, or use a store that has them (memory, ` +
    `SQLite, PostgreSQL).`,
  keyedRateLimitsUnsupported: (store: string, names: string[]) =>
    `${store} cannot enforce rate limits per key, which workflows ` +
    `${names.map((name) => show(name)).join(', ')} declare. Remove \`perKey\` from their ` +
    `@Workflow() option \`rateLimit\`, or use a store that has them (memory, SQLite, ` +
    `PostgreSQL).`,
  priorityInvalid: (value: unknown) =>
    `start() option "priority" must be an integer between -1000000 and 1000000 (higher runs ` +
    `first, 0 by default), got ${show(value)}.`,
  concurrencyKeyInvalid: (value: unknown) =>
    `start() option "concurrencyKey" must be a non-empty string of at most 256 characters ` +
    `(the key the workflow's per-key concurrency limit counts it under, a customer id), ` +
    `got ${show(value)}.`,
  invalidWorkflowVersion: (where: string, value: unknown) =>
    `${where} must be an integer of 1 or more, got ${show(value)}. Start at 1 and raise it ` +
    `by one each time the workflow's code changes in a way running workflows must not see: ` +
    `{ version: 2 }.`,
  signalNameInvalid: (call: string, name: unknown) =>
    `${call} needs a signal name: a non-empty string not starting with "lidex:" (Lidex's own), ` +
    `got ${show(name)}.`,
  waitIdReserved: (call: string, workflowId: string, id: string) =>
    `${call}(${show(id)}) in workflow ${show(workflowId)}: ids starting with "lidex:" ` +
    `are Lidex's own; choose another id.`,
  signalTimeoutInvalid: (
    workflowId: string,
    id: string,
    ms: unknown,
    maxMs: number,
  ) =>
    `ctx.waitForSignal(${show(id)}, name, { timeoutMs }) in workflow ${show(workflowId)} needs ` +
    `timeoutMs to be a finite number of milliseconds from 0 to ${maxMs} (or no timeoutMs, to ` +
    `wait without a timeout), got ${show(ms)}.`,
  signalOptionsInvalid: (call: string, value: unknown, expected: string) =>
    `${call} options must be ${expected}, got ${show(value)}.`,
  signalsUnsupported: (store: string) =>
    `${store} does not keep signals yet: client.signal() and ctx.waitForSignal() need the ` +
    `memory, SQLite, MongoDB or PostgreSQL store in this version.`,
  schedulesUnsupported: (store: string) =>
    `${store} keeps no schedules (its store has no \`schedules\`): use a Lidex store ` +
    `(memory, SQLite, MongoDB, PostgreSQL), or implement ScheduleStore for this one.`,
  invalidSchedule: (where: string, problem: string, fix: string) =>
    `${where}: ${problem}. ${fix}`,
  scheduleNotFound: (id: string) =>
    `No schedule has the id ${show(id)}. client.schedules.list() shows the schedules there are; ` +
    `create one with client.schedules.create(${show(id)}, { workflow, cron } or { workflow, every }).`,
  scheduleSaved: (id: string, workflow: string, saved: string, next?: number) =>
    `Schedule ${show(id)} of workflow ${show(workflow)} ${saved}` +
    (next === undefined
      ? ''
      : `; next tick at ${new Date(next).toISOString()}`),
  scheduleTickFailed: (id: string, cause: string) =>
    `Schedule ${show(id)}: its due ticks could not be started (${cause}); trying again shortly`,
  scheduleTickSkipped: (id: string, tick: number, running: string) =>
    `Schedule ${show(id)}: the tick of ${new Date(tick).toISOString()} is skipped: ` +
    `${show(running)} is still going (overlap: 'skip')`,
  scheduleMissedTicks: (
    id: string,
    missed: {
      from: number;
      through: number;
      count: number;
      counted: boolean;
      kept: number;
    },
    policy: string,
  ) =>
    `Schedule ${show(id)}: ${missed.counted ? '' : 'over '}${missed.count} ` +
    `tick${missed.count === 1 ? '' : 's'}, ${new Date(missed.from).toISOString()}` +
    (missed.count === 1
      ? ''
      : ` to ${new Date(missed.through).toISOString()}`) +
    `, ${missed.count === 1 ? 'was' : 'were'} missed while no instance ran it; ` +
    `${missed.kept === 0 ? 'none' : missed.kept} of them started (missed: ${show(policy)})`,
  invalidDuration: (where: string, value: unknown) =>
    `${where} must be a duration: a number of milliseconds >= 0, or a string such as '30d', ` +
    `'12h' or '90 days', got ${show(value)}.`,
  durationShape: () =>
    `a duration: milliseconds >= 0, or a string such as '30d', '12h' or '90 days'`,
  retentionShape: () =>
    `an object such as { finished: '30d', aborted: '90d', cancelled: '90d' }`,
  purgeStatus: (status: unknown) =>
    `purge({ status }) deletes ended workflows only: give 'finished', 'aborted' or 'cancelled' ` +
    `(or a list of them), got ${show(status)}.`,
  workflowNotEnded: (workflowId: string, status: string) =>
    `Workflow ${show(workflowId)} has not ended (it is ${status}): only a finished, aborted or ` +
    `cancelled workflow can be deleted. Cancel or terminate it first, or wait for it to end.`,
  retentionUnsupported: (store: string) =>
    `${store} cannot delete workflows (its store has no deleteWorkflow/purgeWorkflows): ` +
    `delete(), purge() and the retention option need a Lidex store (memory, SQLite, MongoDB, ` +
    `PostgreSQL), or those two methods implemented by this one.`,
  workflowDeleted: (workflowId: string) =>
    `Workflow ${show(workflowId)} was deleted`,
  workflowTerminated: (workflowId: string) =>
    `Workflow ${show(workflowId)} was terminated (cancelled without compensating)`,
  retentionDeleted: (status: string, count: number) =>
    `Retention: deleted ${count} ${status} workflow(s) past their retention`,
  retentionFailed: (status: string, cause: string) =>
    `Retention: ${status} workflows past their retention could not be deleted (${cause}); ` +
    `trying again at the next sweep`,
  childWorkflowEnded: (childId: string, status: string, message: string) =>
    `Child workflow ${show(childId)} ${status === 'aborted' ? 'failed for good (aborted)' : 'was cancelled'}: ${message}`,
  childIdTaken: (workflowId: string, id: string, childId: string) =>
    `ctx.startChild(${show(id)}) in workflow ${show(workflowId)}: a workflow with id ` +
    `${show(childId)} exists and is not its child. Give the child another id with the option ` +
    `{ workflowId }, or another step id.`,
  childOptionsInvalid: (workflowId: string, id: string, options: unknown) =>
    `ctx.startChild(${show(id)}) in workflow ${show(workflowId)}: options must be an object ` +
    `such as { parentClose: 'cancel' | 'abandon', timeoutMs, workflowId }, got ${show(options)}.`,
  childResultBeforeStart: (workflowId: string, id: string) =>
    `The child started by ctx.startChild(${show(id)}) in workflow ${show(workflowId)} has no ` +
    `start recorded: await ctx.startChild() before calling result() on its handle.`,
  childCancelledWithParent: (workflowId: string, parentId: string) =>
    `Workflow ${show(workflowId)} was cancelled because its parent ${show(parentId)} was`,
  compensationGaveUp: (workflowId: string, stepId: string, cause: string) =>
    `Workflow ${show(workflowId)}: the compensation of step ${show(stepId)} gave up (${cause}); ` +
    `the other compensations still run, and the workflow keeps this error`,
  compensationFailedError: (cause: string) =>
    `A compensation gave up: ${cause}. See the workflow's compensations for which one.`,
  workflowCompensated: (workflowId: string, end: string, gaveUp: boolean) =>
    `Workflow ${show(workflowId)} ran its compensations` +
    (gaveUp ? ' (one or more gave up)' : '') +
    ` and is ${end}`,
  compensationUnsupported: (
    store: string,
    workflowId: string,
    stepId: string,
  ) =>
    `ctx.step(${show(stepId)}, fn, { compensate }) in workflow ${show(workflowId)}: ${store} ` +
    `cannot run compensations (its store has no recordCompensationStatus). Use a Lidex store ` +
    `(memory, SQLite, MongoDB, PostgreSQL), or implement it for this one.`,
  eventTriggerFailed: (decorator: string, where: string, cause: string) =>
    `${decorator} on ${where} could not handle an event: ${cause}. The event bus goes on; ` +
    `fix the decorator's options or the event`,
  eventTriggerAlreadyStarted: (
    decorator: string,
    where: string,
    workflowId: string,
  ) =>
    `${decorator} on ${where}: workflow ${show(workflowId)} exists already (the event was ` +
    `delivered again); nothing started`,
  eventTriggerSignalNotDelivered: (
    decorator: string,
    where: string,
    workflowId: string,
  ) =>
    `${decorator} on ${where}: workflow ${show(workflowId)} has ended; the signal was not ` +
    `delivered`,
  eventTriggerOptionInvalid: (
    decorator: string,
    option: string,
    value: unknown,
    expected: string,
  ) =>
    `${decorator}: option ${show(option)} must be ${expected}, got ` +
    `${value === undefined ? 'undefined' : show(value)}.`,
  eventTriggerEventInvalid: (
    decorator: string,
    value: unknown,
    expected: string,
  ) =>
    `${decorator} needs ${expected} as its first argument, got ` +
    `${value === undefined ? 'undefined' : show(value)}.`,
  eventTriggerNeedsWorkflow: (decorator: string, where: string) =>
    `${decorator} on ${where} names no workflow to start: give { workflow: 'name' } (or a ` +
    `reference made by defineWorkflow()), or put the decorator on a @Workflow() method.`,
  eventTriggerOnStatic: (decorator: string, where: string) =>
    `${decorator} is on the static method ${where}, which Lidex never looks at: put it on an ` +
    `instance method marked @Workflow(), or on the provider's class.`,
  eventBusMissing: (
    decorator: string,
    where: string,
    packageName: string,
    moduleName: string,
  ) =>
    `${decorator} on ${where} listens to ${packageName}'s events, but the app has no such bus: ` +
    `import ${moduleName} in the app's root module.`,
  notACodec: () =>
    'a payload codec: an object with encode(text) and decode(stored), synchronous, such as ' +
    'aesGcmCodec({ keys, current }) from @lidex/nestjs',
  aesGcmOptionsShape: () =>
    "an object such as { keys: { k1: process.env.LIDEX_KEY_K1 }, current: 'k1' }",
  aesGcmKeyIdInvalid: () =>
    'a key id of letters, digits, "_", "." or "-" (1 to 64 characters)',
  aesGcmKeyLength: (keyId: string, bytes: number | undefined) =>
    `a 32-byte key for AES-256 (a Buffer, or 32 bytes in base64 or hex: ` +
    `openssl rand -base64 32); key ${show(keyId)} is ` +
    (bytes === undefined ? 'neither' : `${bytes} bytes`),
  aesGcmCurrentUnknown: (keyIds: string[]) =>
    `the id of one of the keys given (${keyIds.map(show).join(', ') || 'none'})`,
  payloadKeyMissing: (keyId: string, keyIds: string[]) =>
    `Lidex cannot decrypt a stored value: it was encrypted with key ${show(keyId)}, which is ` +
    `not among this process's keys (${keyIds.map(show).join(', ')}). Add key ${show(keyId)} ` +
    `to aesGcmCodec({ keys }) (keep retired keys listed while values encrypted with them remain).`,
  payloadKeyWrong: (keyId: string) =>
    `Lidex cannot decrypt a stored value encrypted with key ${show(keyId)}: it does not ` +
    `authenticate with the key this process has under that id. Give aesGcmCodec({ keys }) the ` +
    `same key ${show(keyId)} the writing process had (a key id must never be reused for a new key).`,
  payloadMalformed: () =>
    'Lidex cannot decrypt a stored value: it starts like an AES-256-GCM value but is not one ' +
    '(truncated or edited in the store).',
  payloadNeedsCodec: (keyId: string | undefined) =>
    (keyId === undefined
      ? 'Lidex cannot read a stored value: it is not JSON, so a payload codec wrote it. '
      : `Lidex cannot read a stored value: it is encrypted (key ${show(keyId)}) and this ` +
        'engine has no payload codec. ') +
    'Configure the same codec as the processes that write the workflows: ' +
    "codec: aesGcmCodec({ keys: { ... }, current: '...' }).",
  payloadEncrypted: (keyId: string) => `encrypted (key ${keyId})`,
  payloadUndecodable: () =>
    'encoded by a payload codec this process does not have',
  payloadBoundElsewhere: (keyId: string, context: PayloadContext) =>
    `Lidex refuses the stored value of ${describePlace(context)}: it was encrypted (key ` +
    `${show(keyId)}) for another place (another workflow, step, signal or field) and copied ` +
    'here in the store. Nothing was decoded; restore the value that was written here.',
  payloadNotHere: (keyId: string) =>
    `encrypted (key ${keyId}) for another workflow or field`,
  payloadNeedsContext: (keyId: string) =>
    `Lidex cannot decrypt a stored value (key ${show(keyId)}): it is bound to its workflow and ` +
    'field, and was decoded without them. Pass the PayloadContext it was encoded with to decode().',
  aesGcmErrorsOption: () =>
    'true to encrypt error messages and stacks too, false (the default) to store them as they are',
};
