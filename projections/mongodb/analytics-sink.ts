// The analytics sink on MongoDB: the same store-agnostic batch as the embedded sink
// (analytics/process-batch.ts), written as `$inc` upserts for the rollups (one per row
// touched by the batch), replaceOne upserts for session documents, realtime rows and
// property infos, `$max` upserts for user-days, and the checkpoint, all in ONE
// transaction (store.withTransaction). The transaction's callback only sends writes
// computed beforehand, so the driver may run it again after a transient error; the one
// exception is an erasure, whose reads of the visitor's stored sessions belong in the
// transaction: computed from what the callback reads, it gives the same writes on a
// retry. The batch's erasures come first: the visitor's stored sessions a page at a
// time (subtracted from the rollups, deleted), then its user-days and realtime rows;
// rollup documents left all zero are deleted (their value may be the visitor's own).
import type { Logger } from '../../platform/logger.ts';
import type { Position, RecordedEvent } from '../../storage/eventstore/port.ts';
import type { MongoReadStore } from '../../storage/readstore/port.ts';
import type { BatchAccumulator, RollupRow } from '../analytics/batch.ts';
import { BASE_METRICS } from '../analytics/metrics.ts';
import { ERASURE_PAGE_SIZE, processBatch, subtractStoredSessions, type BatchOutput, type ClientErasure } from '../analytics/process-batch.ts';
import { propertyInfoSchema, type PropertyInfo } from '../analytics/property-info.ts';
import { createSessionCache } from '../analytics/session-cache.ts';
import { createDeviceParser } from '../analytics/user-agent.ts';
import type { ProjectionSink } from '../projection.ts';
import { collectionsOf, createIndexes, dropCollections, sessionId, sessionOfStored, storedSession, type AnalyticsCollections } from './analytics-schema.ts';
import { dropCheckpoint, ensureCheckpointCollection, readCheckpoint, writeCheckpoint } from './checkpoints.ts';
import { keyId, type MongoDbLike, type MongoDoc, type MongoSession, type MongoWriteOp } from '../../storage/readstore/mongodb-db.ts';

export interface MongoAnalyticsSinkOptions {
  name: string;
  version: number;
  logger: Logger;
  /** Wall clock: realtime rows older than the window are neither written nor kept. */
  clock: () => number;
  realtimeWindowMinutes: number;
  deviceCacheSize?: number | undefined;
  /** Session documents kept in memory between batches. Default 5,000. */
  sessionCacheSize?: number | undefined;
}

/** `$inc` of a rollup row's non-zero metrics (m.<metric>) and custom metrics (c.cm<N>); undefined when all are 0. */
function increments(row: RollupRow): { [path: string]: number } | undefined {
  let inc: { [path: string]: number } | undefined;
  for (let i = 0; i < BASE_METRICS.length; i++) {
    const v = row.metrics[i]!;
    if (v !== 0) (inc ??= {})[`m.${BASE_METRICS[i]!}`] = v;
  }
  if (row.custom !== undefined) {
    for (const metric in row.custom) {
      const v = row.custom[metric]!;
      if (v !== 0) (inc ??= {})[`c.${metric}`] = v;
    }
  }
  return inc;
}

interface Writes {
  collection: keyof AnalyticsCollections;
  ops: MongoWriteOp[];
}

/** `$inc` upserts of the daily rollup rows the increments touch. */
function dailyWrites(accumulator: BatchAccumulator): MongoWriteOp[] {
  const daily: MongoWriteOp[] = [];
  for (const row of accumulator.dailyRows()) {
    const inc = increments(row);
    if (inc === undefined) continue;
    daily.push({
      updateOne: {
        filter: { _id: keyId(row.property, row.dimension, row.period, row.value) },
        update: { $setOnInsert: { property: row.property, dimension: row.dimension, day: row.period, value: row.value }, $inc: inc },
        upsert: true,
      },
    });
  }
  return daily;
}

/** `$inc` upserts of the hourly rows the increments touch. */
function hourlyWrites(accumulator: BatchAccumulator): MongoWriteOp[] {
  const hourly: MongoWriteOp[] = [];
  for (const row of accumulator.hourlyRows.values()) {
    const inc = increments(row);
    if (inc === undefined) continue;
    hourly.push({ updateOne: { filter: { _id: keyId(row.property, row.period) }, update: { $setOnInsert: { property: row.property, hour: row.period }, $inc: inc }, upsert: true } });
  }
  return hourly;
}

/** The `_id`s of the daily and hourly rows the increments touch. */
function rollupIds(accumulator: BatchAccumulator): { daily: string[]; hourly: string[] } {
  const daily: string[] = [];
  for (const row of accumulator.dailyRows()) daily.push(keyId(row.property, row.dimension, row.period, row.value));
  const hourly = [...accumulator.hourlyRows.values()].map((row) => keyId(row.property, row.period));
  return { daily, hourly };
}

const allZero = (values: unknown): boolean => typeof values !== 'object' || values === null || Object.values(values).every((v) => v === 0);

/** Deletes the rollup documents among `ids` whose metrics are all 0 (after an erasure). */
async function deleteEmptyRollups(db: MongoDbLike, collection: string, ids: string[], session: MongoSession): Promise<void> {
  if (ids.length === 0) return;
  const found = await db.collection(collection).find({ _id: { $in: ids } }, { session }).toArray();
  const empty = found.filter((doc: MongoDoc) => allZero(doc['m']) && allZero(doc['c'])).map((doc) => doc['_id']);
  if (empty.length > 0) await db.collection(collection).deleteMany({ _id: { $in: empty } }, { session });
}

/** The batch's writes per collection (empty lists left out: the driver refuses an empty bulk). */
function writesOf(output: BatchOutput, pruneBeforeMinute: number | undefined): Writes[] {
  const { accumulator } = output;
  const daily = dailyWrites(accumulator);
  const hourly = hourlyWrites(accumulator);
  const sessions: MongoWriteOp[] = output.sessions.map((doc) => {
    const stored = storedSession(doc);
    return { replaceOne: { filter: { _id: stored['_id'] }, replacement: stored, upsert: true } };
  });
  const userDays: MongoWriteOp[] = [];
  for (const row of accumulator.userDays.values()) {
    userDays.push({
      updateOne: {
        filter: { _id: keyId(row.property, row.day, row.client) },
        update: { $setOnInsert: { property: row.property, day: row.day, client: row.client }, $max: { newUser: row.newUser ? 1 : 0 } },
        upsert: true,
      },
    });
  }
  const realtime: MongoWriteOp[] = [];
  for (const row of accumulator.realtimeRows.values()) {
    const _id = keyId(row.property, row.minute, row.client);
    // The latest page and the rest replace; page views add to the minute's earlier batches.
    const { pageviews, ...latest } = row;
    realtime.push({ updateOne: { filter: { _id }, update: { $set: latest, $inc: { pageviews } }, upsert: true } });
  }
  if (pruneBeforeMinute !== undefined) realtime.push({ deleteMany: { filter: { minute: { $lt: pruneBeforeMinute } } } });
  const properties: MongoWriteOp[] = [...output.properties.values()].map((info) => ({
    replaceOne: { filter: { _id: info.id }, replacement: { _id: info.id, info: { ...info } }, upsert: true },
  }));
  const all: Writes[] = [
    { collection: 'daily', ops: daily },
    { collection: 'hourly', ops: hourly },
    { collection: 'sessions', ops: sessions },
    { collection: 'userDays', ops: userDays },
    { collection: 'realtime', ops: realtime },
    { collection: 'properties', ops: properties },
  ];
  return all.filter((w) => w.ops.length > 0);
}

export async function openMongoAnalyticsSink(store: MongoReadStore, options: MongoAnalyticsSinkOptions): Promise<ProjectionSink> {
  const { db } = store;
  const { name, version, clock } = options;
  const logger = options.logger.child({ sink: 'analytics-mongodb', version });
  const c = collectionsOf(name, version);
  // Read models and checkpoint commit together, so documents without a checkpoint can only
  // be what an interrupted drop left: start such a version from empty collections.
  await ensureCheckpointCollection(db);
  if ((await readCheckpoint(db, name, version)) === undefined) await dropCollections(db, c);
  // Also creates the collections, so no transaction ever has to.
  await createIndexes(db, c);
  const windowMs = options.realtimeWindowMinutes * 60_000;
  const device = createDeviceParser(options.deviceCacheSize);

  const loadProperties = async (): Promise<Map<string, PropertyInfo>> => {
    const map = new Map<string, PropertyInfo>();
    for (const doc of await db.collection(c.properties).find({}).toArray()) {
      const info = propertyInfoSchema.parse(doc['info']);
      map.set(info.id, info);
    }
    return map;
  };
  // The committed property infos; only replaced after a commit.
  let properties = await loadProperties();
  // Recently written session documents, least recently used first; committed state only
  // (a batch mutates the documents it works on, so a failed batch empties the cache).
  const sessions = createSessionCache(options.sessionCacheSize ?? 5_000, async (keys) => {
    const ids = keys.map((key) => sessionId(key.property, key.day, key.id));
    return (await db.collection(c.sessions).find({ _id: { $in: ids } }).toArray()).map(sessionOfStored);
  });

  /** Adds rollup increments in the transaction, then deletes the rows they left all zero. */
  const writeAndPrune = async (accumulator: BatchAccumulator, session: MongoSession): Promise<void> => {
    const daily = dailyWrites(accumulator);
    const hourly = hourlyWrites(accumulator);
    if (daily.length > 0) await db.collection(c.daily).bulkWrite(daily, { session, ordered: true });
    if (hourly.length > 0) await db.collection(c.hourly).bulkWrite(hourly, { session, ordered: true });
    const ids = rollupIds(accumulator);
    await deleteEmptyRollups(db, c.daily, ids.daily, session);
    await deleteEmptyRollups(db, c.hourly, ids.hourly, session);
  };

  /** Takes an erased visitor's stored sessions out of the rollups and deletes them, with its user-days and realtime rows. */
  const eraseStored = async (erasure: ClientErasure, session: MongoSession): Promise<void> => {
    const { property, client } = erasure;
    let after = '';
    for (;;) {
      const stored = await db
        .collection(c.sessions)
        .find({ property, client, id: { $gt: after } }, { sort: { id: 1 }, limit: ERASURE_PAGE_SIZE, session })
        .toArray();
      if (stored.length === 0) break;
      const docs = stored.map(sessionOfStored);
      await writeAndPrune(subtractStoredSessions(docs.filter((doc) => !erasure.subtracted.has(doc.id))), session);
      await db.collection(c.sessions).deleteMany({ _id: { $in: stored.map((doc) => doc['_id']) } }, { session });
      const userDays = [...new Set(docs.map((doc) => doc.day))].map((day) => keyId(property, day, client));
      await db.collection(c.userDays).deleteMany({ _id: { $in: userDays } }, { session });
      after = docs[docs.length - 1]!.id;
    }
    await db.collection(c.realtime).deleteMany({ property, client }, { session });
  };

  let lastPrune = Number.NEGATIVE_INFINITY;
  // The checkpoint as this sink last saw it: when it moved without us (another runner held
  // the lease meanwhile), the caches may be stale, so they are reloaded from the store.
  let knownCheckpoint = await readCheckpoint(db, name, version);

  return {
    checkpoint: () => readCheckpoint(db, name, version),

    async applyBatch(events: RecordedEvent[], position: Position) {
      const now = clock();
      const pruneBefore = lastPrune;
      const stored = await readCheckpoint(db, name, version);
      if (stored !== knownCheckpoint) {
        logger.info({ stored, known: knownCheckpoint }, 'the checkpoint moved under this sink; reloading its caches');
        sessions.clear();
        properties = await loadProperties();
        knownCheckpoint = stored;
      }
      let output: BatchOutput;
      try {
        output = await processBatch({ events, loadSessions: sessions.load, properties, device, realtimeFrom: now - windowMs });
        // Pruning by the wall clock, at most once a minute: the collection holds about the last window of activity.
        const prune = now - lastPrune >= 60_000 ? Math.floor((now - windowMs) / 60_000) : undefined;
        const writes = writesOf(output, prune);
        await store.withTransaction(async (session) => {
          // Erasures first: the batch's own documents may be the visitor's new ones, after it.
          for (const erasure of output.erasures) await eraseStored(erasure, session);
          for (const { collection, ops } of writes) await db.collection(c[collection]).bulkWrite(ops, { session, ordered: true });
          if (output.erasures.length > 0) {
            const ids = rollupIds(output.accumulator);
            await deleteEmptyRollups(db, c.daily, ids.daily, session);
            await deleteEmptyRollups(db, c.hourly, ids.hourly, session);
          }
          await writeCheckpoint(db, name, version, position, now, session);
        });
        if (prune !== undefined) lastPrune = now;
      } catch (error) {
        sessions.clear();
        lastPrune = pruneBefore;
        throw error;
      }
      knownCheckpoint = position;
      sessions.forget(output.erasures);
      sessions.remember(output.sessions);
      if (output.properties.size > 0) {
        const next = new Map(properties);
        for (const [id, info] of output.properties) next.set(id, info);
        properties = next;
        logger.debug({ properties: [...output.properties.keys()] }, 'property settings updated');
      }
    },

    async drop() {
      // The checkpoint first: if the drop is interrupted after it, the next open clears the leftovers.
      await dropCheckpoint(db, name, version);
      await dropCollections(db, c);
      properties = new Map();
      sessions.clear();
      knownCheckpoint = undefined;
    },
  };
}
