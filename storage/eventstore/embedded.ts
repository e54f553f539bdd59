// The embedded event store: one SQLite file (better-sqlite3, WAL), the default adapter.
//
// Writes go through group commit: every append() or deleteStream() called before the
// event loop reaches its check phase is queued, and the whole queue is written in one
// SQLite transaction on setImmediate. Each caller's checks run in call order inside
// that transaction, so a conflict fails only its own caller, and every promise settles
// only after COMMIT returned, which is the durability point.
//
// Under sustained load the transactions run in a writer thread with its own connection
// (embedded-writer-thread.ts): inserts, COMMIT and fsync then never block the event loop
// that serves HTTP. One batch is in the thread at a time and the next one grows while it
// commits, so the thread is the single writer and batches keep their call order. Stream
// reads go to the thread too while it runs: a read on this thread's connection after one
// of the thread's commits finds its page cache reset and re-reads every page it needs
// (about 90 µs for a client's last events instead of 20; a collector reads the stream of
// every client it has not cached). Log reads and subscriptions stay on this connection
// (WAL lets them run beside the writer) and see every commit the thread acknowledged.
//
// Reads and subscriptions pull pages from the database by position, so a slow reader
// costs no memory; live subscribers are woken by an in-process signal after each commit,
// other threads of the process that opened the same file (the projections thread of
// `webalytic start`) by a BroadcastChannel message, and a light poll of
// `PRAGMA data_version` notices commits made by other processes.
import { availableParallelism } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from '../../platform/logger.ts';
import { InvalidAppendError, WrongExpectedRevisionError, validateAppend } from './errors.ts';
import { createBatchWriter, type BatchResult, type SerialisedEvent, type WriteOperation } from './embedded-writer.ts';
import { startWriterThread, type StreamPageRequest, type WriterThread } from './embedded-writer-client.ts';
import { subscribeWithReaderThread, type ReaderSubscribeOptions } from './embedded-reader.ts';
import {
  decodePosition,
  encodePosition,
  eventOfRow,
  hasFilter,
  openDatabase,
  prepareStatements,
  readLogPage as readLogPageOf,
  type EventRow,
  type LogPage,
  type SynchronousMode,
} from './embedded-sql.ts';
import type {
  AppendResult,
  EventFilter,
  EventStore,
  ExpectedRevision,
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
  /** How often a live subscriber checks for commits by other processes (a `PRAGMA data_version`, microseconds). Default 50 ms: the mean delay a split deployment adds to live projections. */
  crossProcessPollMs?: number;
  /**
   * Where write transactions run. 'thread': always in the writer thread. 'inline': on
   * the caller's thread (a short-lived CLI or test store saves starting a thread).
   * 'auto' (default): inline until the store has acknowledged AUTO_THREAD_AFTER_APPENDS
   * appends, then in the thread once it has started, on a machine with more than one
   * CPU (on one, the hand-off only adds work). Same outcomes either way.
   */
  writer?: 'auto' | 'thread' | 'inline';
  /** The clock stamping `created` (tests of retention pass their own). Default Date.now. */
  now?: () => number;
}

/** Counters, so tests and metrics can see that group commit batches. */
export interface EmbeddedEventStoreStats {
  /** Write transactions committed. */
  transactions: number;
  /** Of those, the ones committed by the writer thread. */
  threadTransactions: number;
  /** append() calls that succeeded (idempotent no-ops included). */
  appends: number;
  /** Events written. */
  events: number;
  /** deleteStream() calls committed. */
  deletes: number;
  /** Events removed by truncateBefore (retention). */
  truncated: number;
  /** Stream pages read in the writer thread. */
  threadReads: number;
}

export interface EmbeddedEventStore extends EventStore {
  readonly kind: 'embedded';
  readonly file: string;
  stats(): EmbeddedEventStoreStats;
  truncateBefore(streamPrefix: string, before: number): Promise<number>;
  /**
   * `subscribeToAll` for a subscriber far behind (a replay): the catch-up is read, parsed
   * and passed through `extractModule`'s `extract` in a reader thread (embedded-reader.ts),
   * then the ordinary subscription goes on from the head. On a one-CPU machine the
   * hand-off would only add work: it is the ordinary subscription there.
   */
  subscribeToAllWithReader(options: ReaderSubscribeOptions): Subscription;
}

const PAGE_SIZE = 512;
/** A very large queue is split over several transactions to bound one commit's pause. */
const MAX_OPS_PER_TRANSACTION = 4096;
/**
 * Batches in the writer thread at once. One: the next batch grows while the thread
 * commits, so under load a commit (and its fsync) serves more appends. Two kept the
 * thread busier but made batches a quarter smaller for no measurable gain.
 */
const MAX_BATCHES_IN_THREAD = 1;
/** In 'auto' mode, the writer thread starts after this many appends (a busy store, not a one-off). */
export const AUTO_THREAD_AFTER_APPENDS = 1000;
const SEVERAL_CPUS = availableParallelism() > 1;
/** truncateBefore deletes in windows of this many positions, one transaction each, yielding between. */
const TRUNCATE_WINDOW = 16_384;

/** What a sleeping filtered subscriber tells the store, so a commit it would skip need not wake it. */
interface Sleeper {
  filter: EventFilter;
  /** Where its next read starts (exclusive). */
  position(): number;
  moveTo(position: number): void;
}

/** Whether an acknowledged write of the batch recorded an event the filter passes. */
function concerns(pending: Pending, filter: EventFilter): boolean {
  const { operation } = pending;
  if (operation.kind !== 'append') return false;
  const prefixes = filter.streamPrefixes;
  if (prefixes !== undefined && !prefixes.some((prefix) => operation.stream.startsWith(prefix))) return false;
  const types = filter.eventTypes;
  return types === undefined || operation.events.some((event) => types.includes(event[1]));
}

/** A queued write and its caller's promise. */
interface Pending {
  operation: WriteOperation;
  resolve: (result: AppendResult | undefined) => void;
  reject: (error: unknown) => void;
}

export function openEmbeddedEventStore(options: EmbeddedEventStoreOptions): EmbeddedEventStore {
  const { file, logger } = options;
  const db = openDatabase(file, options.synchronous ?? 'full');
  const sql = prepareStatements(db);
  const pollMs = options.crossProcessPollMs ?? 50;
  const clock = options.now ?? Date.now;
  const stats: EmbeddedEventStoreStats = { transactions: 0, threadTransactions: 0, appends: 0, events: 0, deletes: 0, truncated: 0, threadReads: 0 };
  const synchronous = options.synchronous ?? 'full';
  const writerMode = options.writer ?? 'auto';
  const writeInline = createBatchWriter(db, sql);
  /** Per stream prefix, the position below which truncateBefore already deleted what was old enough. */
  const truncatedBelow = new Map<string, number>();

  let closed = false;
  let queue: Pending[] = [];
  let flushScheduled = false;
  /** Batches sent to the writer thread and not yet answered. */
  let inFlight = 0;
  /** Settles when the last batch sent is answered (the thread answers in order). */
  let lastSent: Promise<void> = Promise.resolve();
  let thread: WriterThread | undefined;
  /** The thread could not start: 'auto' writes inline from then on, 'thread' fails writes with this. */
  let threadFailure: Error | undefined;
  /** Highest position known to be committed (ours or another process's). */
  let lastAssigned = sql.lastAssigned.get() ?? 0;
  /** Live subscribers asleep until the next commit, each by its wake function. */
  const waiters = new Map<() => void, Sleeper | undefined>();
  let poll: NodeJS.Timeout | undefined;
  let dataVersion = 0;
  // Our commits, announced to the stores of this file in other threads (and theirs to us):
  // a subscriber there wakes at once instead of at its next data_version poll.
  const commits = new BroadcastChannel(`webalytic-eventstore:${resolvePath(file)}`);
  commits.onmessage = () => {
    if (waiters.size > 0 && db.open) pollOtherProcesses();
  };
  // After onmessage, which would ref it again: the channel alone keeps no process alive.
  commits.unref();
  const subscriptions = new Set<{ close(): Promise<void> }>();

  logger?.debug({ file, lastPosition: lastAssigned }, 'embedded event store opened');

  // --- writes -------------------------------------------------------------------

  function enqueue(pending: Pending): void {
    queue.push(pending);
    scheduleFlush();
  }

  function scheduleFlush(): void {
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  }

  function takeBatch(): Pending[] {
    const batch = queue.length > MAX_OPS_PER_TRANSACTION ? queue.splice(0, MAX_OPS_PER_TRANSACTION) : queue;
    if (batch === queue) queue = [];
    return batch;
  }

  /** Runs on setImmediate, so every write queued in the same turn joins one transaction. */
  function flush(): void {
    flushScheduled = false;
    // While the thread is busy the queue grows; it is sent when an answer comes.
    if (inFlight >= MAX_BATCHES_IN_THREAD || queue.length === 0 || !db.open) return;
    if (useThread()) {
      if (threadFailure !== undefined) {
        failBatch(takeBatch(), threadFailure);
        return;
      }
      if (thread?.isReady()) sendToThread(thread);
      // else: still starting; its `ready` schedules the next flush
      return;
    }
    while (queue.length > 0) commitInline(takeBatch());
  }

  /** Whether this batch goes to the thread; starts the thread the first time it is wanted. */
  function useThread(): boolean {
    if (writerMode === 'inline') return false;
    if (writerMode === 'auto' && (!SEVERAL_CPUS || stats.appends < AUTO_THREAD_AFTER_APPENDS || threadFailure !== undefined)) return false;
    if (thread === undefined && threadFailure === undefined) startThread();
    // 'auto' writes inline until the thread is ready, 'thread' waits for it.
    return writerMode === 'thread' || thread?.isReady() === true;
  }

  function startThread(): void {
    const started = startWriterThread({
      file,
      synchronous,
      onStop: (error) => {
        if (thread !== started) return;
        thread = undefined; // a new one starts with the next batch
        if (started.isReady()) logger?.error({ err: error }, 'event store writer thread stopped; a new one takes over');
      },
    });
    thread = started;
    started.ready.then(
      () => {
        logger?.debug({ file }, 'event store writer thread started');
        scheduleFlush();
      },
      (error: unknown) => {
        threadFailure = error instanceof Error ? error : new Error(String(error));
        if (writerMode === 'auto') logger?.warn({ err: error }, 'event store writer thread could not start; writing on the main thread');
        else logger?.error({ err: error }, 'event store writer thread could not start');
        scheduleFlush();
      },
    );
  }

  function sendToThread(writer: WriterThread): void {
    const batch = takeBatch();
    const operations = batch.map((pending) => pending.operation);
    inFlight += 1;
    lastSent = writer.write(operations, clock()).then(
      (result) => {
        inFlight -= 1;
        settle(batch, result, true);
        if (queue.length > 0) scheduleFlush();
      },
      (error: unknown) => {
        inFlight -= 1;
        failBatch(batch, error);
        if (queue.length > 0) scheduleFlush();
      },
    );
  }

  function commitInline(batch: Pending[]): void {
    let result: BatchResult;
    try {
      result = writeInline(
        batch.map((pending) => pending.operation),
        clock(),
      );
    } catch (error) {
      failBatch(batch, error);
      return;
    }
    settle(batch, result, false);
  }

  function failBatch(batch: Pending[], error: unknown): void {
    logger?.error({ err: error, operations: batch.length }, 'event store write transaction failed; rolled back');
    for (const pending of batch) pending.reject(error);
  }

  /** The batch is committed: each caller gets its own result or conflict, in call order. */
  function settle(batch: Pending[], result: BatchResult, inThread: boolean): void {
    stats.transactions += 1;
    if (inThread) stats.threadTransactions += 1;
    let written = 0;
    for (let i = 0; i < batch.length; i++) {
      const { operation, resolve, reject } = batch[i]!;
      const outcome = result.outcomes[i]!;
      if (!outcome.ok) {
        reject(new WrongExpectedRevisionError(operation.stream, operation.kind === 'append' ? operation.expected : 'any', outcome.actualRevision));
      } else if (operation.kind === 'delete') {
        stats.deletes += 1;
        resolve(undefined);
      } else {
        stats.appends += 1;
        stats.events += outcome.written;
        written += outcome.written;
        resolve({ nextRevision: outcome.nextRevision, position: encodePosition(outcome.position) });
      }
    }
    if (result.walWarning !== undefined) logger?.warn(result.walWarning);
    if (written > 0) {
      lastAssigned = Math.max(lastAssigned, result.lastAssigned);
      // One transaction of the single writer: its positions are consecutive.
      wakeConcerned(batch, result.lastAssigned - written + 1, result.lastAssigned);
      commits.postMessage(result.lastAssigned);
    }
  }

  function checkExpected(expected: unknown): ExpectedRevision {
    if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return expected;
    if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return expected;
    throw new InvalidAppendError('expectedRevision', "must be 'any', 'no_stream', 'stream_exists' or a revision (an integer >= 0)");
  }

  // --- live signal ----------------------------------------------------------------

  function wakeAll(): void {
    const woken = [...waiters.keys()];
    waiters.clear();
    for (const wake of woken) wake();
  }

  /**
   * After one of our commits, which wrote positions first..last: a filtered subscriber
   * that had read up to just before them and that no event of the batch concerns is moved
   * past them asleep, instead of woken to query rows it would skip (each query re-reads
   * pages the writer thread's commit made stale in this connection's cache).
   */
  function wakeConcerned(batch: Pending[], first: number, last: number): void {
    for (const [wake, sleeper] of [...waiters]) {
      if (sleeper !== undefined && sleeper.position() === first - 1 && !batch.some((pending) => concerns(pending, sleeper.filter))) {
        sleeper.moveTo(last);
        continue;
      }
      waiters.delete(wake);
      wake();
    }
  }

  /** Calls `wake` once at the next commit (ours, or another process's noticed by the poll) or on close. */
  /** The file's change counter as this connection sees it: it moves when another connection commits. */
  const currentDataVersion = (): number => Number(db.pragma('data_version', { simple: true }));

  /**
   * @param since the data_version read before the caller last looked at the head: the
   * poll, if this starts it, counts from there, so a commit by another connection after
   * that look is not folded into its baseline and missed.
   */
  function waitForCommit(wake: () => void, sleeper?: Sleeper, since?: number): void {
    waiters.set(wake, sleeper);
    if (!poll) {
      dataVersion = since ?? currentDataVersion();
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
    const version = currentDataVersion();
    if (version !== dataVersion) {
      dataVersion = version;
      lastAssigned = Math.max(lastAssigned, sql.lastAssigned.get() ?? 0);
      wakeAll();
    }
  }

  /** The lowest position whose event was recorded at or after `time` (one past the last when none is). */
  function firstPositionFrom(time: number): number {
    let low = 0;
    let high = (sql.lastAssigned.get() ?? 0) + 1;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      const row = sql.firstFrom.get(middle);
      if (row === undefined || row[1] >= time) high = middle;
      else low = row[0] + 1;
    }
    return low;
  }

  // --- reads ----------------------------------------------------------------------

  function ensureOpen(): void {
    if (closed) throw new Error('the embedded event store is closed');
  }

  const toEvent = eventOfRow;

  /** One page of the log after `after` (embedded-sql.ts readLogPage); notes the head it saw. */
  function readLogPage(after: number, filter: EventFilter | undefined, limit: number): LogPage {
    const page = readLogPageOf(sql, after, filter, limit);
    lastAssigned = Math.max(lastAssigned, page.head);
    return page;
  }

  /**
   * In the writer thread while it runs (see the top of the file), else here. A thread that
   * dies fails the reads in flight, like its writes; the next read is made here.
   */
  function readStreamPage(page: StreamPageRequest): EventRow[] | Promise<EventRow[]> {
    if (thread?.isReady()) {
      stats.threadReads += 1;
      return thread.readStreamPage(page);
    }
    return (page.backwards ? sql.readBackwards : sql.readForwards).all(page.stream, page.from, page.limit);
  }

  async function* readStreamPages(stream: string, options: ReadStreamOptions): AsyncGenerator<RecordedEvent> {
    const backwards = options.direction === 'backwards';
    let remaining = checkCount(options.maxCount);
    let next = options.fromRevision ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
    if (!Number.isSafeInteger(next) || next < 0) throw new RangeError('fromRevision: must be an integer >= 0');
    while (remaining > 0) {
      ensureOpen();
      const limit = Math.min(PAGE_SIZE, remaining);
      const rows = await readStreamPage({ stream, from: next, limit, backwards });
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
    const sleeper: Sleeper | undefined = hasFilter(filter)
      ? {
          filter: filter!,
          position: () => after,
          moveTo: (position) => {
            after = position;
          },
        }
      : undefined;

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
          // Live: commits may have landed while we yielded, ours (lastAssigned) or another
          // connection's (the head in the file); otherwise sleep until the next one. The
          // version is read before the head, so a commit between the two still wakes us.
          const since = currentDataVersion();
          lastAssigned = Math.max(lastAssigned, sql.lastAssigned.get() ?? 0);
          if (lastAssigned > after) continue;
          await new Promise<void>((resolve) => {
            wake = resolve;
            waitForCommit(resolve, sleeper, since);
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
      const serialised: SerialisedEvent[] = new Array(events.length);
      for (let i = 0; i < events.length; i++) serialised[i] = [events[i]!.id, events[i]!.type, json[i]!.data, json[i]!.metadata];
      return new Promise<AppendResult>((resolve, reject) => {
        enqueue({ operation: { kind: 'append', stream, events: serialised, expected }, resolve: resolve as Pending['resolve'], reject });
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

    subscribeToAllWithReader(readerOptions) {
      ensureOpen();
      const { extractModule: _extract, ...subscribeOptions } = readerOptions;
      if (!SEVERAL_CPUS) return subscribe(subscribeOptions);
      const after = readerOptions.fromPosition === undefined ? 0 : decodePosition(readerOptions.fromPosition);
      const subscription = subscribeWithReaderThread(file, after, readerOptions, (live) => subscribe(live));
      // Closed with the store, like the ordinary subscriptions.
      const handle = {
        close: async (): Promise<void> => {
          subscriptions.delete(handle);
          await subscription.close();
        },
      };
      subscriptions.add(handle);
      return { [Symbol.asyncIterator]: () => subscription[Symbol.asyncIterator](), close: handle.close };
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
      return new Promise<void>((resolve, reject) => enqueue({ operation: { kind: 'delete', stream }, resolve: () => resolve(), reject }));
    },

    /**
     * Retention: removes the old events of the streams under a prefix (a property's client
     * streams). `created` grows with the position (one writer, stamped at commit), so the
     * first position recorded at or after `before` is found by a binary search on the
     * primary key, and only the positions below it are visited, each window in its own
     * short transaction. What an earlier call already cleared is not visited again.
     */
    async truncateBefore(streamPrefix, before) {
      ensureOpen();
      if (typeof streamPrefix !== 'string' || streamPrefix === '') throw new RangeError('streamPrefix: must be a non-empty string');
      if (!Number.isFinite(before)) throw new RangeError('before: must be epoch milliseconds');
      const cut = firstPositionFrom(before);
      let from = truncatedBelow.get(streamPrefix) ?? 0;
      let deleted = 0;
      while (from < cut && !closed) {
        const to = Math.min(cut, from + TRUNCATE_WINDOW);
        deleted += sql.truncateWindow.run(from, to, streamPrefix.length, streamPrefix, before).changes;
        from = to;
        truncatedBelow.set(streamPrefix, from);
        await nextTurn(); // appends and reads go on between windows
      }
      stats.truncated += deleted;
      if (deleted > 0) logger?.debug({ streamPrefix, deleted }, 'old events removed (retention)');
      return deleted;
    },

    async headPosition(): Promise<Position | undefined> {
      ensureOpen();
      const newest = sql.newestPosition.get();
      return newest === null || newest === undefined ? undefined : encodePosition(newest);
    },

    stats: () => ({ ...stats }),

    async close() {
      if (closed) return;
      closed = true;
      // Queued writes are committed (and acknowledged) before the file closes: the batch
      // in the thread first, then what is left, here (the thread is idle by then).
      while (inFlight > 0) await lastSent;
      while (queue.length > 0 && db.open) commitInline(takeBatch());
      if (thread !== undefined) {
        const stopping = thread;
        thread = undefined;
        await stopping.close();
      }
      await Promise.all([...subscriptions].map((subscription) => subscription.close()));
      wakeAll();
      if (poll) clearInterval(poll);
      poll = undefined;
      commits.close();
      db.close();
      logger?.debug({ file }, 'embedded event store closed');
    },
  };
}
