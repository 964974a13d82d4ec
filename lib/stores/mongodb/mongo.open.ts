import type { Collection, MongoClient } from 'mongodb';
import { InvalidOptionsError } from '../../errors/invalid-options.error';
import { messages } from '../../lidex.messages';
import { loadDriver } from '../load-driver';
import { ClaimDocumentClaims } from './mongo.claim-documents';
import { type MongoClaims, SingleUpdateClaims } from './mongo.claims';
import type { ClaimDocument, WorkflowDocument } from './mongo.documents';
import { type FlowDocument, MongoFlowControl } from './mongo.flow-control';
import { ensureFlowIndexes } from './mongo.flow-setup';
import { ensureListIndexes } from './mongo.list-filters';
import { MongoOperations } from './mongo.operations';
import { MONGO_DEFAULTS, type MongoStoreOptions } from './mongo.options';
import { ensureRetentionIndex, MongoRetention } from './mongo.retention';
import {
  detectServerProfile,
  ensureClaimReadIndex,
  type MongoServerProfile,
} from './mongo.server-profile';
import { ensureIndex, ensureWorkflowIndexes, redact } from './mongo.setup';
import { MongoSignals } from './mongo.signals';
import { ensureLeasedIndex } from './mongo.slots';
import type { WritesInFlight } from './mongo.writes-in-flight';

/** What an open MongoDB store works with: its client, collections and the parts built on them. */
export interface Opened {
  client: MongoClient;
  workflows: Collection<WorkflowDocument>;
  claims: MongoClaims;
  operations: MongoOperations;
  signals: MongoSignals;
  retention: MongoRetention;
  serialWrites: boolean;
  flow: MongoFlowControl;
}

/**
 * The given shared client, or a client for `url`. The driver parses the URL here, before any
 * I/O: what it throws is a malformed URL (a bad port, an unknown option), which no retry can fix.
 */
export function mongoClientFor(options: MongoStoreOptions): MongoClient {
  const { MongoClient } = loadDriver<typeof import('mongodb')>(
    'mongodb',
    'MongoDB store',
  );
  if (options.client) return options.client;
  const url = options.url!;
  const timeoutMs = options.connectTimeoutMs ?? MONGO_DEFAULTS.connectTimeoutMs;
  try {
    return new MongoClient(url, {
      serverSelectionTimeoutMS: timeoutMs,
      connectTimeoutMS: timeoutMs,
    });
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new InvalidOptionsError(
      'MongoStore url',
      typeof url === 'string' ? redact(url) : url,
      messages.invalidMongoUrl(redact(cause)),
    );
  }
}

/**
 * Connects `client`, creates the collections' indexes that are not there, asks the server for
 * its profile and builds the store's parts on it: how claims are decided (`options.claims`, or
 * what the profile says), signals, flow control, operations and retention.
 */
export async function openMongo(
  client: MongoClient,
  databaseName: string,
  prefix: string,
  claimsOption: MongoStoreOptions['claims'],
  inFlight: WritesInFlight,
): Promise<{ opened: Opened; profile: MongoServerProfile }> {
  await client.connect();
  const database = client.db(databaseName);
  const workflows = database.collection<WorkflowDocument>(`${prefix}workflows`);
  const claims = database.collection<ClaimDocument>(`${prefix}claims`);
  const flowDocs = database.collection<FlowDocument>(`${prefix}flow`);
  await ensureWorkflowIndexes(workflows);
  await ensureFlowIndexes(workflows, flowDocs);
  await ensureListIndexes(workflows);
  await ensureRetentionIndex(workflows);
  await ensureLeasedIndex(workflows);
  const profile = await detectServerProfile(database);
  const flow = new MongoFlowControl(
    flowDocs,
    workflows,
    !profile.plansQueries && profile.aggregates,
  );
  if (!profile.plansQueries) await ensureClaimReadIndex(workflows);
  const arbitration =
    (claimsOption ?? MONGO_DEFAULTS.claims) === 'auto'
      ? profile.claims
      : claimsOption;
  if (arbitration === 'claim-documents') {
    await ensureIndex(claims, 'lidex_claims_at', { at: 1 }, false);
  }
  const signals = new MongoSignals(
    workflows,
    profile.atomicUpdates ? undefined : claims,
  );
  const opened: Opened = {
    client,
    workflows,
    serialWrites: profile.serialWrites,
    retention: new MongoRetention(workflows, claims, flowDocs),
    claims:
      arbitration === 'claim-documents'
        ? new ClaimDocumentClaims(workflows, claims, signals, flow)
        : new SingleUpdateClaims(workflows, flow, !profile.plansQueries),
    flow,
    operations: new MongoOperations(
      workflows,
      profile.atomicUpdates,
      (workflowId) => inFlight.settled(workflowId),
    ),
    signals,
  };
  return { opened, profile };
}
