// The EventStoreDB adapter of the event store port. This is the only file that imports
// @eventstore/db-client (a move to @kurrent/kurrentdb-client touches this file alone);
// the pure mapping it relies on is in eventstoredb-mapping.ts.
//
// Target: EventStoreDB 22.6 or later (stream reads must carry $all positions); the
// compose file pins 24.10. Semantics follow the embedded store and the shared contract:
// - append: input is validated locally first (same InvalidAppendError, nothing sent);
//   event ids are ESDB event ids, so ESDB's own idempotency gives the no-op re-append.
// - readAll / subscribeToAll: `fromPosition` is exclusive (ESDB reads are inclusive, so
//   the event at exactly that position is skipped); system records ($-streams,
//   $-types, links) and erased events are never returned. Client 6.2.1 offers no
//   server-side filter on readAll, so reads filter here; live subscriptions filter on
//   the server (one kind) and re-check here.
// - subscribeToAll catches up with paged readAll calls to the end of the log (so it does
//   not depend on the server's caught-up message, which older servers lack), reports
//   caughtUp, then subscribes from the last position read and drops anything at or
//   before it: no gap and no duplicate at the seam.
// - deleteStream soft-deletes (the name stays usable: a returning visitor's hits can
//   still be written) after recording an erasure that hides the old events from $all
//   reads. The bytes leave the disk only when a scavenge runs (docs/deploy.md).
// - Connection loss: the client reconnects by itself for later calls; a call in flight
//   fails, and a live subscription ends with the error, so its consumer resubscribes
//   from its checkpoint.
import {
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  eventTypeFilter,
  excludeSystemEvents,
  isCommandError,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AppendResult as ClientAppendResult,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type EventData,
  type Filter,
  type JSONType,
  type ReadPosition,
  type StreamingRead,
} from '@eventstore/db-client';
import type { Logger } from '../../platform/logger.ts';
import { WrongExpectedRevisionError, validateAppend, validateStreamName } from './errors.ts';
import {
  ERASURE_EVENT_TYPE,
  ERASURE_STREAM,
  checkExpectedRevision,
  compareLogPositions,
  createErasureSet,
  decodeLogPosition,
  encodeLogPosition,
  erasureKey,
  isRealLogPosition,
  isSystemRecord,
  matchesFilter,
  parseErasure,
  planServerFilter,
  toActualRevision,
  toClientConnectionString,
  toClientExpectedRevision,
  type LogPosition,
  type ServerFilterPlan,
} from './eventstoredb-mapping.ts';
import type {
  AppendResult,
  EventStore,
  EventToAppend,
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

export interface EventStoreDbOptions {
  /** esdb://host:2113?tls=false (kurrentdb:// is accepted and means the same). */
  connectionString: string;
  logger?: Logger;
}

/** Events per read call; a page is held in memory, so this bounds a reader's footprint. */
const PAGE_SIZE = 512;
/** A live subscription pauses the server stream when this many events wait for the consumer. */
const LIVE_HIGH_WATER = 1024;
const LIVE_LOW_WATER = 256;
/** deleteStream retries when an append lands between its read and its delete. */
const DELETE_ATTEMPTS = 10;
/** setStreamMaxAge retries when another writer changed the metadata between its read and its write. */
const METADATA_ATTEMPTS = 5;

/** The fields of a client record this adapter uses (stream and $all reads alike). */
interface ClientRecord {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  created: Date;
  isJson: boolean;
  data: unknown;
  metadata: unknown;
  position?: LogPosition;
}

export function openEventStoreDb(options: EventStoreDbOptions): EventStore {
  const { logger } = options;
  const client = EventStoreDBClient.connectionString(toClientConnectionString(options.connectionString));
  const erasures = createErasureSet();
  /** Next revision of ERASURE_STREAM to read. */
  let erasuresRead = 0n;
  let refreshing: Promise<void> | undefined;
  const subscriptions = new Set<{ close(): Promise<void> }>();
  let closed = false;

  logger?.debug({ eventStore: 'eventstoredb' }, 'EventStoreDB event store opened');

  function ensureOpen(): void {
    if (closed) throw new Error('the EventStoreDB event store is closed');
  }

  // --- client calls -------------------------------------------------------------------

  /** Runs one bounded read to its end (so no gRPC call is left open) and returns its events. */
  async function drain<E>(read: StreamingRead<E>): Promise<E[]> {
    const items: E[] = [];
    for await (const item of read) items.push(item);
    return items;
  }

  const isMissingStream = (error: unknown): boolean =>
    error instanceof Error && isCommandError(error) && (error.type === ErrorType.STREAM_NOT_FOUND || error.type === ErrorType.STREAM_DELETED);

  /** One page of a stream; a missing or deleted stream is an empty page. */
  async function readStreamPage(stream: string, from: bigint | 'start' | 'end', backwards: boolean, maxCount: number): Promise<ClientRecord[]> {
    try {
      const resolved = await drain(
        client.readStream(stream, { fromRevision: from, direction: backwards ? BACKWARDS : FORWARDS, maxCount, resolveLinkTos: false }),
      );
      return resolved.flatMap((r) => (r.event ? [r.event] : []));
    } catch (error) {
      if (isMissingStream(error)) return [];
      throw error;
    }
  }

  /** One page of $all from `from` (inclusive on the server). */
  async function readLogPage(from: ReadPosition, backwards: boolean, maxCount: number): Promise<ClientRecord[]> {
    const resolved = await drain(client.readAll({ fromPosition: from, direction: backwards ? BACKWARDS : FORWARDS, maxCount, resolveLinkTos: false }));
    return resolved.flatMap((r: AllStreamResolvedEvent) => (r.event ? [r.event] : []));
  }

  /** Catches up with erasures recorded by any process; concurrent callers share one read. */
  function refreshErasures(): Promise<void> {
    refreshing ??= (async () => {
      try {
        for (;;) {
          const page = await readStreamPage(ERASURE_STREAM, erasuresRead, false, PAGE_SIZE);
          for (const record of page) {
            const erasure = record.isJson ? parseErasure(record.data) : undefined;
            if (erasure) erasures.add(erasure);
            else logger?.warn({ stream: ERASURE_STREAM, revision: String(record.revision) }, 'ignoring a malformed erasure record');
            erasuresRead = record.revision + 1n;
          }
          if (page.length < PAGE_SIZE) return;
        }
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  }

  // --- mapping records ------------------------------------------------------------------

  function positionOf(record: ClientRecord): LogPosition {
    if (!isRealLogPosition(record.position)) {
      throw new Error(`EventStoreDB returned no log position for ${record.streamId}@${String(record.revision)}; EventStoreDB 22.6 or later is required`);
    }
    return record.position;
  }

  /** Not a system record and not erased: what any read may return (before the caller's filter). */
  const isVisible = (record: ClientRecord): boolean =>
    !isSystemRecord(record.streamId, record.type) && !erasures.hides(record.streamId, Number(record.revision));

  function toRecordedEvent(record: ClientRecord): RecordedEvent {
    return {
      stream: record.streamId,
      revision: Number(record.revision),
      position: encodeLogPosition(positionOf(record)),
      id: record.id,
      type: record.type,
      // Written by append() as JSON; the client parses it. Foreign binary events read as null.
      data: record.isJson ? (record.data as JsonValue) : null,
      metadata: isJsonObject(record.metadata) ? record.metadata : {},
      created: record.created.getTime(),
    };
  }

  // --- appending --------------------------------------------------------------------------

  async function append(stream: string, events: EventToAppend[], expectedRevision: unknown): Promise<AppendResult> {
    ensureOpen();
    validateAppend(stream, events);
    const expected = checkExpectedRevision(expectedRevision ?? 'any');
    const proposed = events.map(
      (event): EventData =>
        jsonEvent({
          id: event.id,
          type: event.type,
          // The client JSON.stringifies `data`; its type leaves out numbers, booleans and
          // null, which are JSON all the same (validateAppend checked the value).
          data: event.data as JSONType,
          metadata: event.metadata ?? {},
        }),
    );
    const clientExpected: AppendExpectedRevision = toClientExpectedRevision(expected);
    let result: ClientAppendResult;
    try {
      result = await client.appendToStream(stream, proposed, { expectedRevision: clientExpected });
    } catch (error) {
      if (error instanceof Error && isCommandError(error) && error.type === ErrorType.WRONG_EXPECTED_VERSION) {
        throw new WrongExpectedRevisionError(stream, expected, toActualRevision(error.actualVersion));
      }
      throw error;
    }
    const nextRevision = Number(result.nextExpectedRevision);
    // A single-event write reports the event's own position (commit and prepare equal).
    // A batch reports one position for the whole write and an idempotent no-op none,
    // so then the last event is read back for its exact position.
    if (events.length === 1 && isRealLogPosition(result.position) && result.position.commit === result.position.prepare) {
      return { nextRevision, position: encodeLogPosition(result.position) };
    }
    const [last] = await readStreamPage(stream, result.nextExpectedRevision, false, 1);
    if (!last) throw new Error(`EventStoreDB acknowledged ${stream}@${nextRevision} but the event cannot be read back`);
    return { nextRevision, position: encodeLogPosition(positionOf(last)) };
  }

  // --- reading ----------------------------------------------------------------------------

  async function* readStreamEvents(stream: string, options: ReadStreamOptions): AsyncGenerator<RecordedEvent> {
    ensureOpen();
    const backwards = options.direction === 'backwards';
    let remaining = checkCount(options.maxCount);
    if (options.fromRevision !== undefined && (!Number.isSafeInteger(options.fromRevision) || options.fromRevision < 0)) {
      throw new RangeError('fromRevision: must be an integer >= 0');
    }
    let from: bigint | 'start' | 'end' = options.fromRevision === undefined ? (backwards ? END : START) : BigInt(options.fromRevision);
    while (remaining > 0) {
      ensureOpen();
      const limit = Math.min(PAGE_SIZE, remaining);
      const page = await readStreamPage(stream, from, backwards, limit);
      for (const record of page) yield toRecordedEvent(record);
      remaining -= page.length;
      const last = page[page.length - 1];
      if (page.length < limit || !last) return;
      if (backwards && last.revision === 0n) return;
      from = backwards ? last.revision - 1n : last.revision + 1n;
    }
  }

  /**
   * Reads $all forwards after `after` (exclusive) to the end, page by page, yielding
   * every record, system ones included, so callers know how far the log was scanned.
   * Erasures are refreshed before each page.
   */
  async function* scanLog(after: LogPosition | undefined, pageSize: number, stop: () => boolean): AsyncGenerator<ClientRecord> {
    let cursor = after;
    while (!stop()) {
      ensureOpen();
      await refreshErasures();
      // The server includes the record at `cursor`; ask for one more to make up for it.
      const limit = cursor ? pageSize + 1 : pageSize;
      const page = await readLogPage(cursor ?? START, false, limit);
      for (const record of page) {
        const position = positionOf(record);
        if (cursor && compareLogPositions(position, cursor) <= 0) continue;
        cursor = position;
        yield record;
        if (stop()) return;
      }
      if (page.length < limit) return;
    }
  }

  async function* readAllEvents(options: ReadAllOptions): AsyncGenerator<RecordedEvent> {
    ensureOpen();
    let remaining = checkCount(options.maxCount);
    const after = options.fromPosition === undefined ? undefined : decodeLogPosition(options.fromPosition);
    const { filter } = options;
    if (remaining === 0 || planServerFilter(filter).kind === 'nothing') return;
    // Unfiltered short reads fetch little; filtered ones may skip much, so read full pages.
    const pageSize = filter ? PAGE_SIZE : Math.min(PAGE_SIZE, Math.max(remaining, 32));
    for await (const record of scanLog(after, pageSize, () => remaining <= 0)) {
      if (!isVisible(record) || !matchesFilter(filter, record.streamId, record.type)) continue;
      yield toRecordedEvent(record);
      remaining -= 1;
    }
  }

  // --- subscribing --------------------------------------------------------------------------

  function subscribe(options: SubscribeOptions): Subscription {
    const after = options.fromPosition === undefined ? undefined : decodeLogPosition(options.fromPosition);
    const { filter } = options;
    const plan = planServerFilter(filter);
    let stopped = false;
    let live: AllStreamSubscription | undefined;
    let wakeLive: (() => void) | undefined;
    let wakeIdle: (() => void) | undefined;

    async function* messages(): AsyncGenerator<SubscriptionMessage> {
      try {
        // Catch-up: `cursor` is the last record scanned (the seam for the live part);
        // `checkpoint` the last visible one, reported with caughtUp like the embedded
        // store's head: every event up to it was delivered or filtered out.
        let cursor = after;
        let checkpoint = options.fromPosition;
        for await (const record of scanLog(after, PAGE_SIZE, () => stopped || closed)) {
          cursor = positionOf(record);
          if (!isVisible(record)) continue;
          checkpoint = encodeLogPosition(cursor);
          if (matchesFilter(filter, record.streamId, record.type)) yield { type: 'event', event: toRecordedEvent(record) };
          if (stopped || closed) return;
        }
        if (stopped || closed) return;
        yield { type: 'caughtUp', position: checkpoint };
        if (stopped || closed) return;

        if (plan.kind === 'nothing') {
          // Nothing can ever match: stay open, idle, until closed.
          await new Promise<void>((resolve) => {
            wakeIdle = resolve;
          });
          return;
        }
        live = client.subscribeToAll({ fromPosition: cursor ?? START, resolveLinkTos: false, filter: serverFilter(plan) });
        const feed = pull(live, () => stopped || closed);
        wakeLive = feed.wake;
        for (;;) {
          const resolved = await feed.next();
          if (!resolved) return;
          const record = resolved.event;
          if (!record) continue;
          const position = positionOf(record);
          // The live subscription may start at or before the seam: drop what catch-up delivered.
          if (cursor && compareLogPositions(position, cursor) <= 0) continue;
          cursor = position;
          if (isVisible(record) && matchesFilter(filter, record.streamId, record.type)) yield { type: 'event', event: toRecordedEvent(record) };
        }
      } catch (error) {
        // A call cut short by close() is the end of the iteration, not a failure.
        if (stopped || closed) return;
        throw error;
      } finally {
        stopped = true;
        subscriptions.delete(handle);
        await stopLive();
      }
    }

    async function stopLive(): Promise<void> {
      const current = live;
      live = undefined;
      if (!current) return;
      try {
        await current.unsubscribe();
      } catch (error) {
        logger?.debug({ err: error }, 'EventStoreDB subscription: unsubscribe failed');
      }
    }

    const iterator = messages();
    const handle = {
      async close(): Promise<void> {
        stopped = true;
        subscriptions.delete(handle);
        wakeLive?.();
        wakeIdle?.();
        await stopLive();
      },
    };
    subscriptions.add(handle);
    return { [Symbol.asyncIterator]: () => iterator, close: handle.close };
  }

  // --- the port -------------------------------------------------------------------------

  return {
    kind: 'eventstoredb',

    append(stream, events, appendOptions) {
      return append(stream, events, appendOptions?.expectedRevision);
    },

    readStream(stream, readOptions = {}) {
      return readStreamEvents(stream, readOptions);
    },

    readAll(readOptions = {}) {
      return readAllEvents(readOptions);
    },

    subscribeToAll(subscribeOptions = {}) {
      ensureOpen();
      return subscribe(subscribeOptions);
    },

    /**
     * Soft delete, preceded by an erasure record so $all reads hide the old events at
     * once. Soft, not a tombstone: a tombstoned name can never be written again, and a
     * visitor whose data was erased may come back with the same client id. A soft delete
     * keeps the revisions going (the next append is revision last + 1). The erased data
     * is physically removed by the next scavenge (docs/deploy.md). Deleting a stream that
     * does not exist, or whose name no append would accept, is a no-op.
     */
    async deleteStream(stream) {
      ensureOpen();
      try {
        validateStreamName(stream);
      } catch {
        return;
      }
      for (let attempt = 1; ; attempt++) {
        const [last] = await readStreamPage(stream, END, true, 1);
        if (!last) return;
        const erasure = { key: erasureKey(stream), before: Number(last.revision) + 1 };
        await client.appendToStream(ERASURE_STREAM, jsonEvent({ type: ERASURE_EVENT_TYPE, data: { ...erasure } }));
        erasures.add(erasure);
        try {
          await client.deleteStream(stream, { expectedRevision: last.revision });
          logger?.info({ erasure: erasure.key }, 'stream soft-deleted; its events leave the disk at the next scavenge');
          return;
        } catch (error) {
          if (isMissingStream(error)) return;
          // An append landed after the read: erase up to the new end.
          if (error instanceof Error && isCommandError(error) && error.type === ErrorType.WRONG_EXPECTED_VERSION && attempt < DELETE_ATTEMPTS) continue;
          throw error;
        }
      }
    },

    /**
     * Retention: `$maxAge` in the stream's metadata. The rest of the metadata is kept (a
     * soft-deleted stream's `$tb` above all: writing metadata without it would bring the
     * erased events back), with optimistic concurrency on the metadata stream.
     */
    async setStreamMaxAge(stream, maxAgeSeconds) {
      ensureOpen();
      validateStreamName(stream);
      if (maxAgeSeconds !== undefined && (!Number.isSafeInteger(maxAgeSeconds) || maxAgeSeconds < 1)) {
        throw new RangeError('maxAgeSeconds: must be a whole number of seconds >= 1, or undefined to remove it');
      }
      for (let attempt = 1; ; attempt++) {
        // The metadata stream's revision, read first (client 6.2.1's getStreamMetadata reports a
        // log position as `metastreamRevision`): a write landing between the two reads makes
        // ours fail on the revision and go round again.
        const [last] = await readStreamPage(`$$${stream}`, END, true, 1);
        const current = await client.getStreamMetadata(stream);
        const metadata = { ...(current.metadata ?? {}) };
        if (metadata.maxAge === maxAgeSeconds) return;
        if (maxAgeSeconds === undefined) delete metadata.maxAge;
        else metadata.maxAge = maxAgeSeconds;
        try {
          await client.setStreamMetadata(stream, metadata, { expectedRevision: last ? last.revision : NO_STREAM });
          return;
        } catch (error) {
          if (error instanceof Error && isCommandError(error) && error.type === ErrorType.WRONG_EXPECTED_VERSION && attempt < METADATA_ATTEMPTS) continue;
          throw error;
        }
      }
    },

    async headPosition(): Promise<Position | undefined> {
      ensureOpen();
      await refreshErasures();
      // Newest first; system records (stats are written every few seconds) are skipped.
      let before: LogPosition | undefined;
      for (;;) {
        const page = await readLogPage(before ?? END, true, PAGE_SIZE);
        for (const record of page) {
          const position = positionOf(record);
          if (before && compareLogPositions(position, before) >= 0) continue; // the page's start, already seen
          if (isVisible(record)) return encodeLogPosition(position);
        }
        const oldest = page[page.length - 1];
        if (page.length < PAGE_SIZE || !oldest) return undefined;
        before = positionOf(oldest);
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...subscriptions].map((subscription) => subscription.close()));
      await client.dispose();
      logger?.debug({ eventStore: 'eventstoredb' }, 'EventStoreDB event store closed');
    },
  };
}

function serverFilter(plan: Exclude<ServerFilterPlan, { kind: 'nothing' }>): Filter {
  switch (plan.kind) {
    case 'streamPrefixes':
      return streamNameFilter({ prefixes: plan.prefixes });
    case 'eventTypeRegex':
      return eventTypeFilter({ regex: plan.regex });
    case 'excludeSystemEvents':
      return excludeSystemEvents();
  }
}

/**
 * Pulls a live subscription one event at a time: the server stream is paused while too
 * many events wait, and a stop wakes a waiting `next()` at once (it then returns
 * undefined), whatever the gRPC stream does on cancel.
 */
function pull(subscription: AllStreamSubscription, stopped: () => boolean) {
  const waiting: AllStreamResolvedEvent[] = [];
  let failure: Error | undefined;
  let ended = false;
  let notify: (() => void) | undefined;
  const wake = (): void => {
    const resolve = notify;
    notify = undefined;
    resolve?.();
  };
  subscription.on('data', (resolved: AllStreamResolvedEvent) => {
    waiting.push(resolved);
    if (waiting.length >= LIVE_HIGH_WATER) subscription.pause();
    wake();
  });
  subscription.on('error', (error: Error) => {
    failure ??= error;
    wake();
  });
  subscription.on('end', () => {
    ended = true;
    wake();
  });
  subscription.on('close', () => {
    ended = true;
    wake();
  });
  return {
    wake,
    async next(): Promise<AllStreamResolvedEvent | undefined> {
      for (;;) {
        if (stopped()) return undefined;
        const resolved = waiting.shift();
        if (resolved) {
          if (waiting.length <= LIVE_LOW_WATER && subscription.isPaused()) subscription.resume();
          return resolved;
        }
        if (failure) throw failure;
        if (ended) throw new Error('EventStoreDB ended the subscription');
        await new Promise<void>((resolve) => {
          notify = resolve;
        });
      }
    },
  };
}

function checkCount(maxCount: number | undefined): number {
  if (maxCount === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isSafeInteger(maxCount) || maxCount < 0) throw new RangeError('maxCount: must be an integer >= 0');
  return maxCount;
}

const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
