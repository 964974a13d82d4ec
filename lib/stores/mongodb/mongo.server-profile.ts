import type { Collection, Db } from 'mongodb';
import type { WorkflowDocument } from './mongo.documents';
import { ensureIndex } from './mongo.setup';

/**
 * What the MongoDB store needs to know about the server it talks to. MongoDB itself applies a
 * conditional update to one document atomically; every quirk of a server that does not lives in
 * a profile here, so the rest of the store reads one flag instead of sniffing servers.
 */
export interface MongoServerProfile {
  /** What the server says it is: "MongoDB 7.0.14", "FerretDB v1.24.2". */
  name: string;
  /**
   * Whether a conditional update of one document is atomic under concurrency: of several
   * updates whose filter matches the same state, exactly one is applied. Fencing by lease token
   * rests on this.
   */
  atomicUpdates: boolean;
  /** How claims are decided when `claims` is `'auto'`. */
  claims: 'single-update' | 'claim-documents';
  /**
   * Whether the engine must send one run's writes one at a time (the store's
   * `serialWritesPerWorkflow`): where updates of one document are read-then-write, a lease
   * renewal racing a step write can undo it.
   */
  serialWrites: boolean;
  /**
   * Whether the server serves a range or a sort from its indexes. Without (mongo-java-server,
   * FerretDB 1.x), a sorted claim scans and sorts every ready workflow: a claim of several
   * leases then reads the ready workflows once and wins each as read, by a filter of exactly
   * a unique index's keys (`mongo.claims.ts`), rather than one sorted update per lease.
   */
  plansQueries: boolean;
  /**
   * Whether the server runs the aggregation a limited claim on a server without a query
   * planner reads its first candidates and the slots by, in one command (`$addFields` with
   * `$cond`, `$group`, a `$lookup` pipeline): `mongo.flow-first-read.ts`. FerretDB 1.x runs
   * few expressions; it reads them apart.
   */
  aggregates: boolean;
}

/**
 * FerretDB 1.x applies a conditional update as read, then write: of 20 concurrent
 * `updateOne({_id, rev: 0}, {$set: {rev: 1}})` on one document, up to 20 are applied
 * (test/stores/mongo-atomicity.spec.ts). Claims are then decided by claim documents (a unique
 * insert is atomic there), a cancel is checked again after racing writes, the engine sends one
 * run's writes one at a time (`serialWritesPerWorkflow`), and the store warns
 * at start that concurrent workers are not safe: a write fenced by a lease can still be applied
 * after another claim took the workflow over, and recorded steps can be written over.
 */
export const FERRETDB_PROFILE = {
  atomicUpdates: false,
  claims: 'claim-documents',
  serialWrites: true,
  plansQueries: false,
  aggregates: false,
} as const satisfies Omit<MongoServerProfile, 'name'>;

/** MongoDB, and any server that says it is. */
export const MONGODB_PROFILE = {
  atomicUpdates: true,
  claims: 'single-update',
  serialWrites: false,
  plansQueries: true,
  aggregates: true,
} as const satisfies Omit<MongoServerProfile, 'name'>;

/**
 * A server that says it is MongoDB but answers `buildInfo` without the `gitVersion` every
 * `mongod` gives (mongo-java-server: `{ version, versionArray, maxBsonObjectSize }`): it uses
 * an index only for a filter on exactly a unique index's keys, with plain values.
 */
export const NO_PLANNER_PROFILE = {
  ...MONGODB_PROFILE,
  plansQueries: false,
} as const satisfies Omit<MongoServerProfile, 'name'>;

/** Asks the server what it is (`buildInfo`, which every user may run). */
export async function detectServerProfile(db: Db): Promise<MongoServerProfile> {
  const info = await db.admin().command({ buildInfo: 1 });
  const ferretdb: unknown =
    info.ferretdbVersion ??
    (info.ferretdb as { version?: unknown } | undefined)?.version;
  if (ferretdb !== undefined) {
    const version = typeof ferretdb === 'string' ? ferretdb : 'unknown';
    return { name: `FerretDB ${version}`, ...FERRETDB_PROFILE };
  }
  const profile =
    info.gitVersion === undefined ? NO_PLANNER_PROFILE : MONGODB_PROFILE;
  return { name: `MongoDB ${String(info.version)}`, ...profile };
}

/**
 * On a server without a query planner: the unique index of exactly the keys of a claim of a
 * workflow as read, `{ _id, epoch, readyAt }` (`mongo.claims.ts`), which it would otherwise
 * answer by a scan. MongoDB serves that filter from the `_id` index.
 */
export async function ensureClaimReadIndex(
  workflows: Collection<WorkflowDocument>,
): Promise<void> {
  await ensureIndex(
    workflows,
    'lidex_claim_read',
    { _id: 1, epoch: 1, readyAt: 1 },
    false,
    true,
  );
}
