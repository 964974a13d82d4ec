import type { MongoClient } from 'mongodb';

/** Options of the MongoDB store: give either `url` or `client`. */
export interface MongoStoreOptions {
  /** A MongoDB connection string; the store opens and closes its own client. */
  url?: string;
  /**
   * An existing, shared `MongoClient`. The store uses it as it is (connecting it if needed) and
   * never closes it: the application owns it.
   */
  client?: MongoClient;
  /**
   * The database.
   * @default the database named in `url`, else 'lidex'
   */
  database?: string;
  /**
   * Prefix of the collection names: `<prefix>workflows` and `<prefix>claims`.
   * @default 'lidex_'
   */
  collectionPrefix?: string;
  /**
   * How long connecting (and each operation's server selection) may take before it fails.
   * Applies to the client the store opens from `url`; a shared `client` keeps its own settings.
   * @default 5000
   */
  connectTimeoutMs?: number;
  /**
   * How a claim is made atomic. `'single-update'`: one `findOneAndUpdate`, relying on MongoDB
   * applying a conditional update to one document atomically. `'claim-documents'`: a unique claim
   * document per claim decides the winner, for servers whose conditional updates are not atomic
   * under concurrency (FerretDB 1.x); it costs a find and an insert more per batch of claims. `'auto'` asks the
   * server and uses claim documents on FerretDB only.
   * @default 'auto'
   */
  claims?: 'auto' | 'single-update' | 'claim-documents';
}

export const MONGO_DEFAULTS = {
  database: 'lidex',
  collectionPrefix: 'lidex_',
  connectTimeoutMs: 5000,
  claims: 'auto',
} as const;
