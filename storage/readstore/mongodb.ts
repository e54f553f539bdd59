// The MongoDB read store: the official driver's `Db` behind the small `MongoDbLike`
// surface the adapters use (storage/readstore/mongodb-db.ts), and transactions through
// `ClientSession.withTransaction` (which retries on transient errors such as write
// conflicts). Transactions need a replica set (or a sharded cluster): opening refuses a
// standalone server rather than failing on the first batch. `openMingoReadStore` gives
// the same store kind in memory, executed by mingo, for tests.
import { MongoClient, type Document } from 'mongodb';
import type { Logger } from '../../platform/logger.ts';
import type { MongoDbLike } from './mongodb-db.ts';
import { createMingoDb, type MingoDb, type MingoDbOptions } from './mingo-db.ts';
import type { MongoReadStore } from './port.ts';

export const DEFAULT_MONGO_DATABASE = 'webalytic';

/** The database named in the connection string's path (`mongodb://host/<db>?...`), if any. */
export function databaseOfUrl(url: string): string | undefined {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(url);
  const name = match?.[1] ? decodeURIComponent(match[1]) : '';
  return name === '' ? undefined : name;
}

export interface MongoReadStoreOptions {
  url: string;
  logger: Logger;
  /** Overrides the database of the URL (default: the URL's, else 'webalytic'). */
  database?: string;
  /** How long to look for a server before failing, ms. Default: the URL's `serverSelectionTimeoutMS`, else the driver's 30 s. */
  serverSelectionTimeoutMS?: number;
}

export interface RealMongoReadStore extends MongoReadStore {
  readonly databaseName: string;
  /** Drops the whole database (tests on throwaway databases). */
  dropDatabase(): Promise<void>;
}

export async function openMongoReadStore(options: MongoReadStoreOptions): Promise<RealMongoReadStore> {
  const databaseName = options.database ?? databaseOfUrl(options.url) ?? DEFAULT_MONGO_DATABASE;
  const client = new MongoClient(options.url, {
    appName: 'webalytic',
    ...(options.serverSelectionTimeoutMS === undefined ? {} : { serverSelectionTimeoutMS: options.serverSelectionTimeoutMS }),
  });
  try {
    await client.connect();
    const hello = await client.db('admin').command({ hello: 1 });
    // A replica set member names its set; mongos answers 'isdbgrid'. Anything else is standalone: no transactions.
    if (typeof hello['setName'] !== 'string' && hello['msg'] !== 'isdbgrid') {
      throw new Error('the MongoDB read store needs transactions, so a replica set (a single-node one is enough; see docs/deploy.md), but this server is standalone');
    }
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
  const db = client.db(databaseName);
  // The driver's collections are the adapters' MongoDbLike collections as they are (this
  // assignment is the compile-time check); only the schema parameter is pinned to Document.
  const adapted: MongoDbLike = { collection: (name) => db.collection<Document>(name) };
  options.logger.info({ readStore: 'mongodb', database: databaseName }, 'read store: MongoDB');
  return {
    kind: 'mongodb',
    db: adapted,
    databaseName,
    async withTransaction(work) {
      const session = client.startSession({
        defaultTransactionOptions: { readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' }, readPreference: 'primary' },
      });
      try {
        return await session.withTransaction((s) => work(s));
      } finally {
        await session.endSession();
      }
    },
    async dropDatabase() {
      await db.dropDatabase();
    },
    async close() {
      await client.close();
    },
  };
}

export interface MingoReadStore extends MongoReadStore {
  readonly db: MingoDb;
}

/**
 * An in-memory MongoDB read store executed by mingo. Pass `db` to open a second store on
 * the same data (as a second process would), or `options` for fault injection.
 */
export function openMingoReadStore(input: { db?: MingoDb; options?: MingoDbOptions } = {}): MingoReadStore {
  const db = input.db ?? createMingoDb(input.options);
  return {
    kind: 'mongodb',
    db,
    withTransaction: (work) => db.withTransaction(work),
    async close() {},
  };
}
