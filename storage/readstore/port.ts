// The read store: where projections keep read models and their checkpoints. Unlike
// the event store it has no single generic interface: each projection has a sink per
// store kind (SQL on the embedded store, update documents and pipelines on MongoDB),
// and both must give the same numbers (the projection contract suites pin that).
import type Database from 'better-sqlite3';
import type { MongoDbLike, MongoSession } from './mongodb-db.ts';

export interface EmbeddedReadStore {
  readonly kind: 'embedded';
  /** One SQLite file; every projection's tables and the checkpoint table live in it, so one transaction covers both. */
  readonly db: Database.Database;
  /** A read-only connection to the same file for reports: it sees what `db` committed. */
  readonly queryDb: Database.Database;
  close(): Promise<void>;
}

export interface MongoReadStore {
  readonly kind: 'mongodb';
  /** The subset of the driver's `Db` the adapters use (see mongodb-db.ts): a real driver Db, or the mingo-backed executor in tests. */
  readonly db: MongoDbLike;
  /**
   * Runs `work` in one MongoDB transaction (a replica set is required): committed when it
   * resolves, aborted when it throws, and run again on a transient error (a write conflict),
   * so `work` must only issue writes, passing `{ session }` to each.
   */
  withTransaction<T>(work: (session: MongoSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type ReadStore = EmbeddedReadStore | MongoReadStore;
