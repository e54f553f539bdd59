// The SQLite side of the embedded event store: opening the file with the right pragmas,
// the schema, and the read statements (built per filter shape and cached).
import Database from 'better-sqlite3';
import type { EventFilter, JsonObject, JsonValue, Position, RecordedEvent } from './port.ts';

type Db = Database.Database;

/**
 * `synchronous` in WAL mode: NORMAL writes each commit to the WAL with write() but
 * fsyncs only at checkpoints, so a committed transaction survives a killed process
 * (the bytes are in the OS page cache) and only an OS crash or power cut can lose
 * the newest commits. FULL also fsyncs the WAL at every commit, which survives a
 * power cut too; group commit keeps that to one fsync per batch, so the store
 * defaults to FULL (measured in docs/benchmarks.md).
 */
export type SynchronousMode = 'normal' | 'full';

const SCHEMA_VERSION = 1;

// Positions are the AUTOINCREMENT rowid: strictly increasing and never reused, even
// after the newest rows are deleted, so a subscriber's checkpoint can never be passed
// by a later event. (stream, revision) serves stream reads and the revision check;
// (stream, id) serves the idempotency check. Keyed by stream first, the rows of one
// append land in one index page: an index on id alone puts every event on a random page
// and made 50-event appends three times slower.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position INTEGER PRIMARY KEY AUTOINCREMENT,
  stream   TEXT    NOT NULL,
  revision INTEGER NOT NULL,
  id       TEXT    NOT NULL,
  type     TEXT    NOT NULL,
  data     TEXT    NOT NULL,
  metadata TEXT    NOT NULL,
  created  INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_stream ON events (stream, revision);
CREATE INDEX IF NOT EXISTS events_by_stream_id ON events (stream, id);
`;

export function openDatabase(file: string, synchronous: SynchronousMode): Db {
  const db = new Database(file);
  try {
    // Another process may hold the write lock (a CLI tool on the same file): wait, do not fail.
    db.pragma('busy_timeout = 5000');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`could not switch ${file} to WAL (journal_mode is ${String(mode)})`);
    db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    // Deleted events (GDPR erasure) are overwritten with zeros, not left in free pages.
    db.pragma('secure_delete = ON');
    // 64 MiB of page cache keeps the two random-order indexes hot for millions of events.
    db.pragma('cache_size = -65536');
    db.pragma('temp_store = MEMORY');
    db.pragma('journal_size_limit = 67108864');
    const version = db.pragma('user_version', { simple: true });
    if (version !== 0 && version !== SCHEMA_VERSION) {
      throw new Error(`${file}: event store schema version ${String(version)} is not supported (expected ${SCHEMA_VERSION})`);
    }
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** position, stream, revision, id, type, data, metadata, created */
export type EventRow = [number, string, number, string, string, string, string, number];
const COLUMNS = 'position, stream, revision, id, type, data, metadata, created';

const POSITION_DIGITS = 20;
const POSITION_TEXT = /^\d{20}$/;

/** Fixed width, so the plain string order of `comparePositions` is the numeric order. */
export const encodePosition = (position: number): Position => String(position).padStart(POSITION_DIGITS, '0');

export function decodePosition(position: Position): number {
  const value = Number(position);
  if (typeof position !== 'string' || !POSITION_TEXT.test(position) || !Number.isSafeInteger(value)) {
    throw new RangeError(`fromPosition: must be a position returned by this store (20 digits), got ${JSON.stringify(position)}`);
  }
  return value;
}

export interface Statements {
  lastRevision: Database.Statement<[string], number>;
  insert: Database.Statement<[string, number, string, string, string, string, number]>;
  deleteStream: Database.Statement<[string]>;
  /** Highest position ever assigned (never decreases, unlike max(position) after a delete). */
  lastAssigned: Database.Statement<[], number>;
  newestPosition: Database.Statement<[], number | null>;
  readForwards: Database.Statement<[string, number, number], EventRow>;
  readBackwards: Database.Statement<[string, number, number], EventRow>;
  /** [position, created] of the first event at or after a position. */
  firstFrom: Database.Statement<[number], [number, number]>;
  /** Deletes the events in [from, to) of streams starting with a prefix, recorded before a time. */
  truncateWindow: Database.Statement<[number, number, number, string, number]>;
  /** Statement finding which of n ids are already in a stream. */
  findIds(count: number): Database.Statement<unknown[], [string, number, number]>;
  /** Statement reading a page of the log after a position, for one filter shape. */
  readLog(filter: EventFilter | undefined): Database.Statement<unknown[], EventRow>;
}

export function prepareStatements(db: Db): Statements {
  const findIdsCache = new Map<number, Database.Statement<unknown[], [string, number, number]>>();
  const readLogCache = new Map<string, Database.Statement<unknown[], EventRow>>();
  return {
    lastRevision: db.prepare<[string], number>('SELECT revision FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1').pluck(),
    insert: db.prepare('INSERT INTO events (stream, revision, id, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    deleteStream: db.prepare('DELETE FROM events WHERE stream = ?'),
    lastAssigned: db.prepare<[], number>("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck(),
    newestPosition: db.prepare<[], number | null>('SELECT max(position) FROM events').pluck(),
    readForwards: db.prepare<[string, number, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`,
    ).raw(),
    readBackwards: db.prepare<[string, number, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
    ).raw(),
    firstFrom: db.prepare<[number], [number, number]>('SELECT position, created FROM events WHERE position >= ? ORDER BY position LIMIT 1').raw(),
    truncateWindow: db.prepare('DELETE FROM events WHERE position >= ? AND position < ? AND substr(stream, 1, ?) = ? AND created < ?'),
    findIds(count) {
      let statement = findIdsCache.get(count);
      if (!statement) {
        const marks = Array.from({ length: count }, () => '?').join(', ');
        statement = db.prepare<unknown[], [string, number, number]>(`SELECT id, revision, position FROM events WHERE stream = ? AND id IN (${marks})`).raw();
        findIdsCache.set(count, statement);
      }
      return statement;
    },
    readLog(filter) {
      const prefixes = filter?.streamPrefixes?.length;
      const types = filter?.eventTypes?.length;
      const key = `${prefixes ?? '-'}:${types ?? '-'}`;
      let statement = readLogCache.get(key);
      if (!statement) {
        const conditions = ['position > ?', 'position <= ?'];
        // An empty list is a filter that nothing passes, not an absent filter.
        if (prefixes !== undefined) conditions.push(prefixes === 0 ? '0' : `(${Array.from({ length: prefixes }, () => 'substr(stream, 1, ?) = ?').join(' OR ')})`);
        if (types !== undefined) conditions.push(types === 0 ? '0' : `type IN (${Array.from({ length: types }, () => '?').join(', ')})`);
        statement = db.prepare<unknown[], EventRow>(`SELECT ${COLUMNS} FROM events WHERE ${conditions.join(' AND ')} ORDER BY position LIMIT ?`).raw();
        readLogCache.set(key, statement);
      }
      return statement;
    },
  };
}

/** Parameters of `readLog(filter)` after the position bounds, before the limit. */
export function filterParameters(filter: EventFilter | undefined): unknown[] {
  const parameters: unknown[] = [];
  for (const prefix of filter?.streamPrefixes ?? []) parameters.push(prefix.length, prefix);
  for (const type of filter?.eventTypes ?? []) parameters.push(type);
  return parameters;
}

export const hasFilter = (filter: EventFilter | undefined): boolean => filter?.streamPrefixes !== undefined || filter?.eventTypes !== undefined;

/** Filtered reads look at this many positions per query, so a rare match never blocks the loop long. */
const SCAN_WINDOW = 65_536;

export interface LogPage {
  rows: EventRow[];
  /** How far the log was examined: a safe exclusive checkpoint even when the filter matched nothing. */
  scannedTo: number;
  atHead: boolean;
  /** The last assigned position when the page was read. */
  head: number;
}

/**
 * One page of the log after `after`. Positions become visible in order (one writer at a
 * time), so reading up to the last assigned position can never skip an event that
 * commits later.
 */
export function readLogPage(sql: Pick<Statements, 'lastAssigned' | 'readLog'>, after: number, filter: EventFilter | undefined, limit: number): LogPage {
  const head = Math.max(sql.lastAssigned.get() ?? 0, after);
  const upper = hasFilter(filter) ? Math.min(head, after + SCAN_WINDOW) : head;
  const rows = sql.readLog(filter).all(after, upper, ...filterParameters(filter), limit);
  if (rows.length === limit) return { rows, scannedTo: rows[rows.length - 1]![0], atHead: false, head };
  return { rows, scannedTo: upper, atHead: upper === head, head };
}

export function eventOfRow(row: EventRow): RecordedEvent {
  return {
    stream: row[1],
    revision: row[2],
    position: encodePosition(row[0]),
    id: row[3],
    type: row[4],
    data: JSON.parse(row[5]) as JsonValue,
    metadata: row[6] === '{}' ? {} : (JSON.parse(row[6]) as JsonObject),
    created: row[7],
  };
}
