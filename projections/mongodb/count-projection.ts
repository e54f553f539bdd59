// Test support (not used in production): the runner tests' small projection on MongoDB
// (per stream: events and the sum of their `n`; per type: events), written the way a
// MongoDB sink writes: `$inc` upserts in bulk plus the checkpoint, in one transaction.
// Its counts are checked against the log with projections/test/count-projection.ts.
import type { Position, RecordedEvent } from '../../storage/eventstore/port.ts';
import type { MongoReadStore, ReadStore } from '../../storage/readstore/port.ts';
import { ProjectionEventError, type Projection } from '../projection.ts';
import { TEST_STREAM_PREFIX, type Counts } from '../test/count-projection.ts';
import { dropCheckpoint, ensureCheckpointCollection, readCheckpoint, writeCheckpoint } from './checkpoints.ts';
import type { MongoDbLike, MongoSession, MongoWriteOp } from '../../storage/readstore/mongodb-db.ts';

export interface MongoCountHooks {
  /** Inside the transaction, after the batch's `batch`-th applyBatch wrote its streams and before its types and checkpoint. */
  midTransaction?(batch: number, session: MongoSession): void | Promise<void>;
}

const collectionsOf = (name: string, version: number) => {
  const prefix = `${name.replace(/\W/g, '_')}_v${version}`;
  return { streams: `${prefix}_streams`, types: `${prefix}_types` };
};

const amountOf = (event: RecordedEvent): number => {
  const data = event.data;
  return typeof data === 'object' && data !== null && !Array.isArray(data) && typeof data['n'] === 'number' ? data['n'] : 0;
};

const mongoOf = (store: ReadStore): MongoReadStore => {
  if (store.kind !== 'mongodb') throw new Error('this test projection runs on the MongoDB read store only');
  return store;
};

export function createMongoCountProjection(options: { name?: string; version?: number; hooks?: MongoCountHooks } = {}): Projection {
  const name = options.name ?? 'test-counts';
  const version = options.version ?? 1;
  return {
    name,
    version,
    filter: { streamPrefixes: [TEST_STREAM_PREFIX] },
    async openSink(readStore, storedVersion) {
      const store = mongoOf(readStore);
      const { db } = store;
      const c = collectionsOf(name, storedVersion);
      // Collections exist before the first transaction writes to them.
      await ensureCheckpointCollection(db);
      await db.collection(c.streams).createIndex({ total: 1 });
      await db.collection(c.types).createIndex({ events: 1 });
      let batches = 0;
      return {
        checkpoint: () => readCheckpoint(db, name, storedVersion),
        async applyBatch(events: RecordedEvent[], position: Position) {
          batches += 1;
          const batch = batches;
          const streams: MongoWriteOp[] = [];
          const types = new Map<string, number>();
          for (const event of events) {
            if (event.type === 'Poison') throw new ProjectionEventError(event.position, event.id, event.type, new Error('poison event'));
            // One update per event (not aggregated), so a batch is many writes to roll back.
            streams.push({ updateOne: { filter: { _id: event.stream }, update: { $inc: { events: 1, total: amountOf(event) } }, upsert: true } });
            types.set(event.type, (types.get(event.type) ?? 0) + 1);
          }
          await store.withTransaction(async (session) => {
            await db.collection(c.streams).bulkWrite(streams, { session });
            await options.hooks?.midTransaction?.(batch, session);
            await db.collection(c.types).bulkWrite(
              [...types].map(([type, n]) => ({ updateOne: { filter: { _id: type }, update: { $inc: { events: n } }, upsert: true } })),
              { session },
            );
            await writeCheckpoint(db, name, storedVersion, position, Date.now(), session);
          });
        },
        async drop() {
          await dropCheckpoint(db, name, storedVersion);
          await db.collection(c.streams).drop();
          await db.collection(c.types).drop();
        },
      };
    },
  };
}

/** What one stored version of the test projection holds. */
export async function readMongoCounts(db: MongoDbLike, name: string, version: number): Promise<Counts> {
  const c = collectionsOf(name, version);
  const counts: Counts = { streams: {}, types: {} };
  for (const doc of await db.collection(c.streams).find({}, { sort: { _id: 1 } }).toArray()) counts.streams[String(doc['_id'])] = { events: Number(doc['events']), total: Number(doc['total']) };
  for (const doc of await db.collection(c.types).find({}, { sort: { _id: 1 } }).toArray()) counts.types[String(doc['_id'])] = Number(doc['events']);
  return counts;
}
