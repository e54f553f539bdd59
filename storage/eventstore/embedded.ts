// The embedded event store: one SQLite file (better-sqlite3, WAL), the default adapter.
//
// Writes go through group commit: every append() or deleteStream() called before the
// event loop reaches its check phase is queued, and the whole queue is written in one
// SQLite transaction on setImmediate. Each caller's checks run in call order inside
// that transaction, so a conflict fails only its own caller, and every promise settles
// only after COMMIT returned, which is the durability point.
//
// Reads and subscriptions pull pages from the database by position, so a slow reader
// costs no memory; live subscribers are woken by an in-process signal after each commit,
// and a light poll of `PRAGMA data_version` notices commits made by other processes.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from '../../platform/logger.ts';
import { InvalidAppendError, WrongExpectedRevisionError, validateAppend } from './errors.ts';
import {
  decodePosition,
  encodePosition,
  filterParameters,
  hasFilter,
  openDatabase,
  prepareStatements,
  type EventRow,
  type SynchronousMode,
} from './embedded-sql.ts';
import type {
  AppendResult,
  EventFilter,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  JsonObject,
  JsonValue,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
  SubscriptionMessage,
} from './port.ts';

export type { SynchronousMode } from './embedded-sql.ts';

export interface EmbeddedEventStoreOptions {
  file: string;
  logger?: Logger;
  /**
   * Default 'full': an acknowledged append survives a power cut, not only a killed
   * process. Group commit makes that one fsync per batch, which cost about 5% of
   * throughput under load on the development machine (docs/benchmarks.md). 'normal'
   * still survives kill -9 and suits disks with slow fsync. See SynchronousMode.
   */
  synchronous?: SynchronousMode;
  /** How often a live subscriber checks for commits by other processes. Default 250 ms. */
  crossProcessPollMs?: number;
}

/** Counters, so tests and metrics can see that group commit batches. */
export interface EmbeddedEventStoreStats {
  /** Write transactions committed. */
  transactions: number;
  /** append() calls that succeeded (idempotent no-ops included). */
  appends: number;
  /** Events written. */
  events: number;
  /** deleteStream() calls committed. */
  deletes: number;
}

export interface EmbeddedEventStore extends EventStore {
  readonly kind: 'embedded';
  readonly file: string;
  stats(): EmbeddedEventStoreStats;
}

const PAGE_SIZE = 512;
/** Filtered reads look at this many positions per query, so a rare match never blocks the loop long. */
const SCAN_WINDOW = 65_536;
/** A very large queue is split over several transactions to bound one commit's pause. */
const MAX_OPS_PER_TRANSACTION = 4096;

type Operation =
  | {
      kind: 'append';
      stream: string;
      events: EventToAppend[];
      json: { data: string; metadata: string }[];
      expected: ExpectedRevision;
      resolve: (result: AppendResult) => void;
      reject: (error: unknown) => void;
    }
  | { kind: 'delete'; stream: string; resolve: () => void; reject: (error: unknown) => void };

type Outcome = { ok: true; value: AppendResult | undefined; written: number } | { ok: false; error: unknown };

export function openEmbeddedEventStore(options: EmbeddedEventStoreOptions): EmbeddedEventStore {
  const { file, logger } = options;
  const db = openDatabase(file, options.synchronous ?? 'full');
  const sql = prepareStatements(db);
  const pollMs = options.crossProcessPollMs ?? 250;
  const stats: EmbeddedEventStoreStats = { transactions: 0, appends: 0, events: 0, deletes: 0 };

  let closed = false;
  let queue: Operation[] = [];
  let flushScheduled = false;
  /** Highest position known to be committed (ours or another process's). */
  let lastAssigned = sql.lastAssigned.get() ?? 0;
  const waiters = new Set<() => void>();
  let poll: NodeJS.Timeout | undefined;
  let dataVersion = 0;
  const subscriptions = new Set<{ close(): Promise<void> }>();

  logger?.debug({ file, lastPosition: lastAssigned }, 'embedded event store opened');

  // --- writes -------------------------------------------------------------------

  function enqueue(operation: Operation): void {
    queue.push(operation);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  }

  function flush(): void {
    flushScheduled = false;
    while (queue.length > 0 && db.open) {
      const batch = queue.length > MAX_OPS_PER_TRANSACTION ? queue.splice(0, MAX_OPS_PER_TRANSACTION) : queue;
      if (batch === queue) queue = [];
      commit(batch);
    }
  }

  const writeBatch = db.transaction((batch: Operation[], created: number): Outcome[] =>
    batch.map((operation): Outcome => {
      if (operation.kind === 'delete') {
        sql.deleteStream.run(operation.stream);
        return { ok: true, value: undefined, written: 0 };
      }
      try {
        const { result, written } = applyAppend(operation, created);
        return { ok: true, value: result, written };
      } catch (error) {
        // Only the expected-revision outcome is per caller; anything else (I/O, disk
        // full) aborts the whole transaction and fails every caller of the batch.
        if (error instanceof WrongExpectedRevisionError) return { ok: false, error };
        throw error;
      }
    }),
  );

  function commit(batch: Operation[]): void {
    let outcomes: Outcome[];
    try {
      outcomes = writeBatch.immediate(batch, Date.now());
    } catch (error) {
      logger?.error({ err: error, operations: batch.length }, 'event store write transaction failed; rolled back');
      for (const operation of batch) operation.reject(error);
      return;
    }
    // Committed: from here on every acknowledged event is in the WAL.
    stats.transactions += 1;
    let wroteEvents = false;
    let deleted = false;
    batch.forEach((operation, i) => {
      const outcome = outcomes[i]!;
      if (!outcome.ok) {
        operation.reject(outcome.error);
        return;
      }
      if (operation.kind === 'delete') {
        stats.deletes += 1;
        deleted = true;
        operation.resolve();
        return;
      }
      stats.appends += 1;
      stats.events += outcome.written;
      if (outcome.written > 0) wroteEvents = true;
      operation.resolve(outcome.value!);
    });
    if (wroteEvents) {
      lastAssigned = Math.max(lastAssigned, sql.lastAssigned.get() ?? 0);
      wakeAll();
    }
    if (deleted) eraseFromWal();
  }

  /**
   * One append inside the batch transaction. Idempotency, pinned in the contract where
   * EventStoreDB agrees:
   * - If every id of the batch is already in the stream, at consecutive revisions in
   *   batch order (as one earlier append wrote them), the append is a no-op success that
   *   returns the revision and position of the last of them, provided the expected
   *   revision fits that place: 'any' and 'stream_exists' always, 'no_stream' when they
   *   start at revision 0, a number N when they start at N + 1.
   * - If only some ids are there, or they sit elsewhere, nothing is written and the
   *   caller gets WrongExpectedRevisionError (EventStoreDB's "corrupted idempotency").
   *   Unlike EventStoreDB, which writes duplicates when N is the current revision, a
   *   stream here never holds the same id twice.
   */
  function applyAppend(operation: Extract<Operation, { kind: 'append' }>, created: number): { result: AppendResult; written: number } {
    const { stream, events, json, expected } = operation;
    const current = sql.lastRevision.get(stream) ?? -1;
    if (current >= 0) {
      const found = findExisting(stream, events);
      if (found.length > 0) {
        const start = found[0]![1];
        const inPlace = found.length === events.length && found.every(([, revision], i) => revision === start + i);
        const fits = expected === 'any' || expected === 'stream_exists' || (expected === 'no_stream' ? start === 0 : expected + 1 === start);
        if (inPlace && fits) {
          return { result: { nextRevision: start + events.length - 1, position: encodePosition(found[found.length - 1]![2]) }, written: 0 };
        }
        throw new WrongExpectedRevisionError(stream, expected, current);
      }
    }
    const matches =
      expected === 'any' || (expected === 'no_stream' ? current === -1 : expected === 'stream_exists' ? current >= 0 : expected === current);
    if (!matches) throw new WrongExpectedRevisionError(stream, expected, current);
    let position = 0;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const text = json[i]!;
      position = Number(sql.insert.run(stream, current + 1 + i, event.id, event.type, text.data, text.metadata, created).lastInsertRowid);
    }
    return { result: { nextRevision: current + events.length, position: encodePosition(position) }, written: events.length };
  }

  /** The batch's ids already in the stream, as [id, revision, position], in batch order. */
  function findExisting(stream: string, events: EventToAppend[]): [string, number, number][] {
    const rows = new Map<string, [string, number, number]>();
    for (let from = 0; from < events.length; from += 64) {
      const ids = events.slice(from, from + 64).map((event) => event.id);
      for (const row of sql.findIds(ids.length).all(stream, ...ids)) rows.set(row[0], row);
    }
    const found: [string, number, number][] = [];
    for (const event of events) {
      const row = rows.get(event.id);
      if (row) found.push(row);
    }
    return found;
  }

  /**
   * secure_delete zeroes the rows in the database pages, but older page images stay in
   * the WAL until it is checkpointed: checkpoint and truncate it so erased data is gone
   * from the disk. Best effort: a reader in another process can hold the WAL open.
   */
  function eraseFromWal(): void {
    try {
      const [outcome] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      if (outcome?.busy) logger?.warn('WAL checkpoint after a stream deletion was blocked by a reader; erased rows stay in the WAL until the next checkpoint');
    } catch (error) {
      logger?.warn({ err: error }, 'WAL checkpoint after a stream deletion failed; erased rows may linger in the WAL until the next checkpoint');
    }
  }

  function checkExpected(expected: unknown): ExpectedRevision {
    if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return expected;
    if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return expected;
    throw new InvalidAppendError('expectedRevision', "must be 'any', 'no_stream', 'stream_exists' or a revision (an integer >= 0)");
  }

  // --- live signal ----------------------------------------------------------------

  function wakeAll(): void {
    const woken = [...waiters];
    waiters.clear();
    for (const wake of woken) wake();
  }

  /** Calls `wake` once at the next commit (ours, or another process's noticed by the poll) or on close. */
  function waitForCommit(wake: () => void): void {
    waiters.add(wake);
    if (!poll) {
      dataVersion = Number(db.pragma('data_version', { simple: true }));
      // Not unref'd: a process whose only work is a live subscription (a projection
      // worker fed by collectors in other processes) must keep running.
      poll = setInterval(pollOtherProcesses, pollMs);
    }
  }

  function pollOtherProcesses(): void {
    if (waiters.size === 0 || !db.open) {
      clearInterval(poll);
      poll = undefined;
      return;
    }
    // data_version changes only when another connection commits to the file.
    const version = Number(db.pragma('data_version', { simple: true }));
    if (version !== dataVersion) {
      dataVersion = version;
      lastAssigned = Math.max(lastAssigned, sql.lastAssigned.get() ?? 0);
      wakeAll();
    }
  }

  // --- reads ----------------------------------------------------------------------

  function ensureOpen(): void {
    if (closed) throw new Error('the embedded event store is closed');
  }

  function toEvent(row: EventRow): RecordedEvent {
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

  /**
   * One page of the log after `after`. `scannedTo` is how far the log was examined, a
   * safe exclusive checkpoint even when the filter matched nothing. Positions become
   * visible in order (one writer at a time), so reading up to the last assigned position
   * can never skip an event that commits later.
   */
  function readLogPage(after: number, filter: EventFilter | undefined, limit: number): { rows: EventRow[]; scannedTo: number; atHead: boolean } {
    const head = Math.max(sql.lastAssigned.get() ?? 0, after);
    lastAssigned = Math.max(lastAssigned, head);
    const upper = hasFilter(filter) ? Math.min(head, after + SCAN_WINDOW) : head;
    const rows = sql.readLog(filter).all(after, upper, ...filterParameters(filter), limit);
    if (rows.length === limit) return { rows, scannedTo: rows[rows.length - 1]![0], atHead: false };
    return { rows, scannedTo: upper, atHead: upper === head };
  }

  async function* readStreamPages(stream: string, options: ReadStreamOptions): AsyncGenerator<RecordedEvent> {
    const backwards = options.direction === 'backwards';
    let remaining = checkCount(options.maxCount);
    let next = options.fromRevision ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
    if (!Number.isSafeInteger(next) || next < 0) throw new RangeError('fromRevision: must be an integer >= 0');
    while (remaining > 0) {
      ensureOpen();
      const limit = Math.min(PAGE_SIZE, remaining);
      const rows = (backwards ? sql.readBackwards : sql.readForwards).all(stream, next, limit);
      for (const row of rows) yield toEvent(row);
      remaining -= rows.length;
      if (rows.length < limit) return;
      next = rows[rows.length - 1]![2] + (backwards ? -1 : 1);
      if (next < 0) return;
      await nextTurn(); // let I/O run between pages of a long read
    }
  }

  async function* readAllPages(options: ReadAllOptions): AsyncGenerator<RecordedEvent> {
    let remaining = checkCount(options.maxCount);
    let after = options.fromPosition === undefined ? 0 : decodePosition(options.fromPosition);
    const filter = options.filter;
    while (remaining > 0) {
      ensureOpen();
      const page = readLogPage(after, filter, Math.min(PAGE_SIZE, remaining));
      after = page.scannedTo;
      for (const row of page.rows) yield toEvent(row);
      remaining -= page.rows.length;
      if (page.atHead) return;
      await nextTurn();
    }
  }

  function checkCount(maxCount: number | undefined): number {
    if (maxCount === undefined) return Number.POSITIVE_INFINITY;
    if (!Number.isSafeInteger(maxCount) || maxCount < 0) throw new RangeError('maxCount: must be an integer >= 0');
    return maxCount;
  }

  function subscribe(options: SubscribeOptions): Subscription {
    let after = options.fromPosition === undefined ? 0 : decodePosition(options.fromPosition);
    const filter = options.filter;
    let stopped = false;
    let wake: (() => void) | undefined;

    async function* messages(): AsyncGenerator<SubscriptionMessage> {
      let caughtUp = false;
      try {
        while (!stopped && !closed) {
          const page = readLogPage(after, filter, PAGE_SIZE);
          after = page.scannedTo;
          for (const row of page.rows) {
            yield { type: 'event', event: toEvent(row) };
            if (stopped || closed) return;
          }
          if (!page.atHead) {
            await nextTurn(); // more to catch up: read on, but let I/O run between pages
            continue;
          }
          if (!caughtUp) {
            caughtUp = true;
            yield { type: 'caughtUp', position: after > 0 ? encodePosition(after) : undefined };
            continue;
          }
          // Live: commits may have landed while we yielded; otherwise sleep until the next one.
          if (lastAssigned > after) continue;
          await new Promise<void>((resolve) => {
            wake = resolve;
            waitForCommit(resolve);
          });
          wake = undefined;
        }
      } finally {
        stopped = true;
        subscriptions.delete(handle);
      }
    }

    const iterator = messages();
    const handle = {
      close: async (): Promise<void> => {
        stopped = true;
        subscriptions.delete(handle);
        if (wake) {
          waiters.delete(wake);
          wake();
        }
      },
    };
    subscriptions.add(handle);
    return { [Symbol.asyncIterator]: () => iterator, close: handle.close };
  }

  // --- the port -------------------------------------------------------------------

  return {
    kind: 'embedded',
    file,

    async append(stream, events, appendOptions) {
      ensureOpen();
      const json = validateAppend(stream, events);
      const expected = checkExpected(appendOptions?.expectedRevision ?? 'any');
      return new Promise<AppendResult>((resolve, reject) => {
        enqueue({ kind: 'append', stream, events, json, expected, resolve, reject });
      });
    },

    readStream(stream, readOptions = {}) {
      return readStreamPages(stream, readOptions);
    },

    readAll(readOptions = {}) {
      return readAllPages(readOptions);
    },

    subscribeToAll(subscribeOptions = {}) {
      ensureOpen();
      return subscribe(subscribeOptions);
    },

    /**
     * Removes the stream's rows for good (GDPR erasure), in write order with appends.
     * The stream then no longer exists: a later append with 'no_stream' recreates it
     * from revision 0. (EventStoreDB's soft delete continues the old revisions instead,
     * so this case is pinned in embedded.test.ts, not in the shared contract.)
     * Deleting a stream that does not exist is a no-op.
     */
    async deleteStream(stream) {
      ensureOpen();
      return new Promise<void>((resolve, reject) => enqueue({ kind: 'delete', stream, resolve, reject }));
    },

    async headPosition(): Promise<Position | undefined> {
      ensureOpen();
      const newest = sql.newestPosition.get();
      return newest === null || newest === undefined ? undefined : encodePosition(newest);
    },

    stats: () => ({ ...stats }),

    async close() {
      if (closed) return;
      flush(); // queued writes are committed (and acknowledged) before the file closes
      closed = true;
      await Promise.all([...subscriptions].map((subscription) => subscription.close()));
      wakeAll();
      if (poll) clearInterval(poll);
      poll = undefined;
      db.close();
      logger?.debug({ file }, 'embedded event store closed');
    },
  };
}
