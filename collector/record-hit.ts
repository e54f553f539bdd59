// The RecordHit command handler: load the client's state with bounded work, let the
// client aggregate decide, append with the expected revision, retry on a conflict.
//
// - Hits of one client stream are handled one after the other inside the process (a
//   promise chain per stream), in call order, so a burst of one visitor never
//   conflicts with itself; different clients proceed concurrently and the store's
//   group commit writes them together.
// - State comes from an LRU cache (state, revision and the ids of the stream's last
//   events); on a miss, from the last events of the stream, read backwards (every
//   client event carries the full state: domain/client/README-state.md).
// - Idempotency: the event id is the hit's id. A retried beacon whose event is among
//   the stream's recent ids is a no-op. An older one makes the store refuse the append
//   (its id sits elsewhere in the stream) with the stream's revision unchanged, which
//   is told apart from a concurrent writer (revision moved) and also a no-op.
// - The promise resolves only once the append is durable.
import type { ClientEvent, ClientState } from '../domain/client/decider.ts';
import { decide, evolve, stateFromLastEvent } from '../domain/client/decider.ts';
import { clientEventSchemas } from '../domain/client/events.ts';
import { clientStreamName } from '../domain/client/stream.ts';
import type { ReceivedHit } from '../domain/hit.ts';
import type { PropertySettings } from '../domain/property/settings.ts';
import type { Logger } from '../platform/logger.ts';
import { InvalidAppendError, WrongExpectedRevisionError } from '../storage/eventstore/errors.ts';
import type { EventStore, ExpectedRevision, RecordedEvent } from '../storage/eventstore/port.ts';
import { createLru } from '../platform/lru.ts';

export interface RecordedHit {
  stream: string;
  /** Revision of the hit's event; -1 when it was a duplicate found beyond the recent window. */
  revision: number;
  /** e.g. 'PageviewRecorded.v1' or 'HitDiscarded.v1'. */
  eventType: string;
  /** The event was already in the stream (a retried beacon): nothing was written. */
  duplicate: boolean;
}

export interface HitRecorderStats {
  recorded: number;
  duplicates: number;
  conflicts: number;
  cacheHits: number;
  cacheMisses: number;
}

export interface HitRecorder {
  record(hit: ReceivedHit, property: PropertySettings): Promise<RecordedHit>;
  stats(): HitRecorderStats;
}

export interface HitRecorderOptions {
  store: EventStore;
  logger: Logger;
  /** Client streams whose state is kept in memory. */
  cacheSize?: number;
  /** Conflicts with other writers tolerated for one hit before it fails. */
  maxRetries?: number;
}

/** The store failed or kept conflicting: the hit may be retried later. */
export class HitRecordingError extends Error {
  override readonly name = 'HitRecordingError';
}

/** The hit itself cannot be recorded (the domain or the store's input checks refused it): retrying will not help. */
export class HitRejectedError extends Error {
  override readonly name = 'HitRejectedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const rejected = (error: unknown): HitRejectedError => new HitRejectedError(`hit refused: ${(error as Error).message}`, { cause: error });

/** Ids of a stream's last events kept to recognise a retried beacon. */
const RECENT_IDS = 16;

interface Recent {
  id: string;
  revision: number;
  type: string;
}

interface CachedClient {
  state: ClientState;
  /** The stream's last revision; -1: no stream. */
  revision: number;
  recent: Recent[];
}

export function createHitRecorder(options: HitRecorderOptions): HitRecorder {
  const { store, logger } = options;
  const maxRetries = options.maxRetries ?? 5;
  const cache = createLru<string, CachedClient>(options.cacheSize ?? 100_000);
  const tails = new Map<string, Promise<unknown>>();
  const counters: HitRecorderStats = { recorded: 0, duplicates: 0, conflicts: 0, cacheHits: 0, cacheMisses: 0 };

  function toClientEvent(event: RecordedEvent): ClientEvent {
    const schema = (clientEventSchemas as Record<string, (typeof clientEventSchemas)[keyof typeof clientEventSchemas] | undefined>)[event.type];
    if (schema === undefined) throw new HitRecordingError(`stream "${event.stream}" revision ${event.revision}: "${event.type}" is not a client event`);
    const parsed = schema.safeParse(event.data);
    if (!parsed.success) {
      throw new HitRecordingError(`stream "${event.stream}" revision ${event.revision}: ${event.type} data is invalid: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
    }
    return { id: event.id, type: event.type, data: parsed.data } as ClientEvent;
  }

  async function load(stream: string): Promise<CachedClient> {
    counters.cacheMisses += 1;
    const recent: Recent[] = [];
    let last: RecordedEvent | undefined;
    for await (const event of store.readStream(stream, { direction: 'backwards', maxCount: RECENT_IDS })) {
      last ??= event;
      recent.unshift({ id: event.id, revision: event.revision, type: event.type });
    }
    const loaded: CachedClient = {
      state: stateFromLastEvent(last === undefined ? undefined : toClientEvent(last)),
      revision: last?.revision ?? -1,
      recent,
    };
    cache.set(stream, loaded);
    return loaded;
  }

  async function handle(stream: string, hit: ReceivedHit, property: PropertySettings): Promise<RecordedHit> {
    for (let attempt = 0; ; attempt++) {
      let client = cache.get(stream);
      if (client) counters.cacheHits += 1;
      else client = await load(stream);
      const seen = client.recent.find((r) => r.id === hit.id);
      if (seen) {
        counters.duplicates += 1;
        return { stream, revision: seen.revision, eventType: seen.type, duplicate: true };
      }
      let events: ClientEvent[];
      try {
        events = decide({ type: 'RecordHit', hit, property }, client.state);
      } catch (error) {
        throw rejected(error);
      }
      const expectedRevision: ExpectedRevision = client.revision === -1 ? 'no_stream' : client.revision;
      try {
        const result = await store.append(stream, events, { expectedRevision });
        let state = client.state;
        for (const event of events) state = evolve(state, event);
        const recent = client.recent.concat(events.map((event, i) => ({ id: event.id, revision: result.nextRevision - events.length + 1 + i, type: event.type })));
        if (recent.length > RECENT_IDS) recent.splice(0, recent.length - RECENT_IDS);
        cache.set(stream, { state, revision: result.nextRevision, recent });
        counters.recorded += 1;
        const own = events.find((event) => event.id === hit.id) ?? events[events.length - 1]!;
        return { stream, revision: result.nextRevision, eventType: own.type, duplicate: false };
      } catch (error) {
        if (error instanceof InvalidAppendError) throw rejected(error);
        if (!(error instanceof WrongExpectedRevisionError)) {
          cache.delete(stream); // the append's outcome is unknown: reload next time
          throw error;
        }
        cache.delete(stream);
        if (error.actualRevision === client.revision) {
          // Nobody else wrote: the store refused because the hit's id already sits
          // further back in the stream. A retried beacon, already stored.
          counters.duplicates += 1;
          return { stream, revision: -1, eventType: 'duplicate', duplicate: true };
        }
        counters.conflicts += 1;
        if (attempt >= maxRetries) throw new HitRecordingError(`stream "${stream}": still conflicting after ${maxRetries} retries`);
        logger.debug({ stream, expected: expectedRevision, actual: error.actualRevision }, 'client stream moved under us; reloading');
      }
    }
  }

  return {
    record(hit, property) {
      let stream: string;
      try {
        stream = clientStreamName(property.id, hit.params, property);
      } catch (error) {
        return Promise.reject(rejected(error));
      }
      const previous = tails.get(stream);
      const run = (): Promise<RecordedHit> => handle(stream, hit, property);
      const next = previous ? previous.then(run, run) : run();
      tails.set(stream, next);
      const forget = (): void => {
        if (tails.get(stream) === next) tails.delete(stream);
      };
      next.then(forget, forget);
      return next;
    },
    stats: () => ({ ...counters }),
  };
}
