// The small projection the runner tests use: per stream, how many events and the sum of
// their `n`; per type, how many events. An event of type 'Poison' cannot be projected.
// Hooks run inside the sink's transaction so a test can kill the process mid-commit.
import type Database from 'better-sqlite3';
import type { EventStore, Position, RecordedEvent } from '../../storage/eventstore/port.ts';
import type { ReadStore } from '../../storage/readstore/port.ts';
import { dropCheckpoint, ensureCheckpointTable, readCheckpoint, writeCheckpoint } from '../checkpoints-embedded.ts';
import { ProjectionEventError, type Projection } from '../projection.ts';

export const TEST_STREAM_PREFIX = 'test-';

export interface CountProjectionHooks {
  /** After event `index` (0-based) of the sink's `batch`-th applyBatch call was written. */
  afterEvent?(batch: number, index: number): void;
  /** After every write of the batch, the checkpoint included, just before COMMIT. */
  beforeCommit?(batch: number): void;
}

export interface Counts {
  streams: Record<string, { events: number; total: number }>;
  types: Record<string, number>;
}

export const tablePrefix = (name: string, version: number): string => `${name.replace(/\W/g, '_')}_v${version}`;

export function createCountProjection(options: { name?: string; version?: number; hooks?: CountProjectionHooks } = {}): Projection {
  const name = options.name ?? 'test-counts';
  const version = options.version ?? 1;
  const hooks = options.hooks ?? {};
  return {
    name,
    version,
    filter: { streamPrefixes: [TEST_STREAM_PREFIX] },
    async openSink(store: ReadStore, storedVersion: number) {
      if (store.kind !== 'embedded') throw new Error('the test projection runs on the embedded read store only');
      const { db } = store;
      const prefix = tablePrefix(name, storedVersion);
      ensureCheckpointTable(db);
      db.exec(`
        CREATE TABLE IF NOT EXISTS ${prefix}_streams (stream TEXT PRIMARY KEY, events INTEGER NOT NULL, total INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS ${prefix}_types (type TEXT PRIMARY KEY, events INTEGER NOT NULL);`);
      const upsertStream = db.prepare<[string, number]>(
        `INSERT INTO ${prefix}_streams (stream, events, total) VALUES (?, 1, ?)
         ON CONFLICT (stream) DO UPDATE SET events = events + 1, total = total + excluded.total`,
      );
      const upsertType = db.prepare<[string]>(`INSERT INTO ${prefix}_types (type, events) VALUES (?, 1) ON CONFLICT (type) DO UPDATE SET events = events + 1`);
      let batches = 0;
      const apply = db.transaction((events: RecordedEvent[], position: Position) => {
        batches += 1;
        events.forEach((event, index) => {
          if (event.type === 'Poison') throw new ProjectionEventError(event.position, event.id, event.type, new Error('poison event'));
          upsertStream.run(event.stream, amountOf(event));
          upsertType.run(event.type);
          hooks.afterEvent?.(batches, index);
        });
        writeCheckpoint(db, name, storedVersion, position, Date.now());
        hooks.beforeCommit?.(batches);
      });
      return {
        checkpoint: async () => readCheckpoint(db, name, storedVersion),
        applyBatch: async (events, position) => apply(events, position),
        drop: async () => {
          db.exec(`DROP TABLE IF EXISTS ${prefix}_streams; DROP TABLE IF EXISTS ${prefix}_types;`);
          dropCheckpoint(db, name, storedVersion);
        },
      };
    },
  };
}

function amountOf(event: RecordedEvent): number {
  const data = event.data;
  if (typeof data === 'object' && data !== null && !Array.isArray(data) && typeof data.n === 'number') return data.n;
  return 0;
}

/** What one stored version of the test projection holds. */
export function readCounts(db: Database.Database, name: string, version: number): Counts {
  const prefix = tablePrefix(name, version);
  const counts: Counts = { streams: {}, types: {} };
  const streams = db.prepare<[], { stream: string; events: number; total: number }>(`SELECT stream, events, total FROM ${prefix}_streams ORDER BY stream`).all();
  for (const row of streams) counts.streams[row.stream] = { events: row.events, total: row.total };
  for (const row of db.prepare<[], { type: string; events: number }>(`SELECT type, events FROM ${prefix}_types ORDER BY type`).all()) counts.types[row.type] = row.events;
  return counts;
}

/** What the projection must hold after the log's events up to `upTo`: a checkpoint (undefined: none yet) or the whole log. */
export async function countsFromLog(store: EventStore, upTo: Position | undefined | 'head'): Promise<Counts> {
  const counts: Counts = { streams: {}, types: {} };
  if (upTo === undefined) return counts;
  for await (const event of store.readAll({ filter: { streamPrefixes: [TEST_STREAM_PREFIX] } })) {
    if (upTo !== 'head' && event.position > upTo) break;
    const stream = (counts.streams[event.stream] ??= { events: 0, total: 0 });
    stream.events += 1;
    stream.total += amountOf(event);
    counts.types[event.type] = (counts.types[event.type] ?? 0) + 1;
  }
  return counts;
}

/** Names of the SQLite tables of one stored version (to check a drop). */
export function tablesOf(db: Database.Database, name: string, version: number): string[] {
  return db
    .prepare<[string], string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ESCAPE '\\' ORDER BY name")
    .pluck()
    .all(`${tablePrefix(name, version).replace(/_/g, '\\_')}\\_%`);
}
