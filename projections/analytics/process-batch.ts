// One batch of the analytics projection, store-agnostic: reads the batch's session
// documents through `loadSessions` (one call for the whole batch), applies the pure
// model to every event in log order, flushes each session once, and returns what a
// sink must write in its transaction. The embedded and MongoDB sinks only load and
// write.
//
// Erasure (`ClientErased.v1` in `erasure-<tid>`): the visitor's sessions the batch is
// working on are taken out of the batch's increments at once (their whole document:
// what was committed before plus what the batch added), its user-day and realtime facts
// leave the batch, and `erasures` tells the sink to do the same with what it stored:
// subtract the committed sessions the batch did not hold (`subtractStoredSessions`, a
// page at a time), then delete the visitor's sessions, user-days and realtime rows,
// BEFORE it writes the batch's own documents (a visitor may come back after the erasure,
// in the same batch, as a new stream). Erasing a visitor with nothing stored changes
// nothing, so a repeated erasure is harmless.
import type { RecordedEvent } from '../../storage/eventstore/port.ts';
import { clientEventSchemas, HIT_DISCARDED } from '../../domain/client/events.ts';
import { CLIENT_ERASED, clientErasedSchema, ERASURE_STREAM_PREFIX } from '../../domain/erasure/events.ts';
import { ProjectionEventError } from '../projection.ts';
import { createBatchAccumulator, type BatchAccumulator } from './batch.ts';
import { applyClientEvent, eraseSession, flushSession, resumeSession, type ModelContext, type RecordedData, type SessionDoc, type SessionWork } from './model.ts';
import { defaultPropertyInfo, evolvePropertyInfo, PROPERTY_EVENT_PREFIX, type PropertyInfo } from './property-info.ts';
import type { DeviceInfo } from './user-agent.ts';

export const CLIENT_EVENT_PREFIX = 'client-';

export interface BatchInput {
  events: readonly RecordedEvent[];
  /** The documents of these sessions that exist, by id (a session without a document is left out). */
  loadSessions(keys: SessionKey[]): Promise<Map<string, SessionDoc>>;
  /** The committed property infos (not changed by this call). */
  properties: ReadonlyMap<string, PropertyInfo>;
  device(userAgent: string): DeviceInfo;
  /** Realtime facts older than this (epoch ms) are dropped. */
  realtimeFrom: number;
}

/** A session's identity with the fields stores key it by (its day never changes). */
export interface SessionKey {
  property: string;
  day: string;
  id: string;
}

/** A visitor the batch erased: the sink takes out and deletes what it stored of them. */
export interface ClientErasure {
  property: string;
  /** The client key (the stream name without `client-`), as sessions, user-days and realtime rows hold it. */
  client: string;
  /**
   * Stored sessions of the visitor whose whole document the batch already subtracted (it
   * had loaded them): the sink deletes them without subtracting them again.
   */
  subtracted: Set<string>;
}

export interface BatchOutput {
  accumulator: BatchAccumulator;
  /** Every session the batch touched, with its new document (erased visitors' sessions before their erasure left out). */
  sessions: SessionDoc[];
  /** Property infos changed by the batch's property events. */
  properties: Map<string, PropertyInfo>;
  /** Visitors erased by the batch, one entry each: applied to the stored read models before the batch's own writes. */
  erasures: ClientErasure[];
}

/** Stored sessions an erasure reads, subtracts and deletes at a time. */
export const ERASURE_PAGE_SIZE = 500;

/**
 * The increments that take these stored sessions (one page of an erased visitor's) out
 * of the rollups: what the sink adds, like a batch's, before deleting the documents.
 */
export function subtractStoredSessions(docs: readonly SessionDoc[]): BatchAccumulator {
  const out = createBatchAccumulator();
  for (const doc of docs) eraseSession(doc, out);
  return out;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The data of a recorded client event, after a structural check of the fields the
 * model relies on. Full schema validation happened when the decider wrote the event;
 * re-running zod on every event would cost more than the whole projection.
 */
export function recordedDataOf(type: string, data: unknown): RecordedData {
  if (!Object.hasOwn(clientEventSchemas, type)) throw new Error(`type: ${type} is not a client event type this projection knows`);
  if (!isObject(data)) throw new Error('data: must be an object');
  const { hit, session, state, params } = data;
  if (!isObject(hit) || typeof hit['type'] !== 'string' || typeof hit['time'] !== 'number' || !isObject(hit['page']) || !isObject(hit['device']) || !isObject(hit['geo'])) {
    throw new Error('data.hit: must hold type, time, page, device and geo');
  }
  if (!isObject(session) || typeof session['id'] !== 'string' || !session['id'].includes(':') || typeof session['interactionIndex'] !== 'number' || !isObject(session['source'])) {
    throw new Error('data.session: must hold id, interactionIndex and source');
  }
  if (!isObject(state) || typeof state['sessionDay'] !== 'string') throw new Error('data.state.sessionDay: required');
  if (!isObject(params) || typeof params['tid'] !== 'string') throw new Error('data.params.tid: required');
  return data as unknown as RecordedData;
}

export async function processBatch(input: BatchInput): Promise<BatchOutput> {
  const { events } = input;
  const accumulator = createBatchAccumulator(input.realtimeFrom);
  const changed = new Map<string, PropertyInfo>();
  const defaults = new Map<string, PropertyInfo>();
  const context: ModelContext = {
    property(id) {
      const known = changed.get(id) ?? input.properties.get(id);
      if (known !== undefined) return known;
      let fallback = defaults.get(id);
      if (fallback === undefined) defaults.set(id, (fallback = defaultPropertyInfo(id)));
      return fallback;
    },
    device: input.device,
  };
  const fail = (event: RecordedEvent, cause: unknown): never => {
    throw new ProjectionEventError(event.position, event.id, event.type, cause);
  };

  // Sessions first seen in this batch at their first hit have no document yet: only the others are loaded.
  // Sessions of a visitor after its erasure are left unloaded (the stored ones are erased).
  const data: (RecordedData | undefined)[] = new Array(events.length);
  const erasedSoFar = new Set<string>();
  const toLoad: SessionKey[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    if (event.type === CLIENT_ERASED && event.stream.startsWith(ERASURE_STREAM_PREFIX)) {
      const parsed = clientErasedSchema.safeParse(event.data);
      if (parsed.success) erasedSoFar.add(parsed.data.stream.slice(CLIENT_EVENT_PREFIX.length));
      continue;
    }
    if (!event.stream.startsWith(CLIENT_EVENT_PREFIX) || event.type === HIT_DISCARDED) continue;
    let recorded: RecordedData;
    try {
      recorded = recordedDataOf(event.type, event.data);
    } catch (error) {
      return fail(event, error);
    }
    data[i] = recorded;
    const id = recorded.session.id;
    if (seen.has(id)) continue;
    seen.add(id);
    if (recorded.session.hitIndex !== 1 && !erasedSoFar.has(clientKeyOf(id))) toLoad.push({ property: recorded.params['tid'] as string, day: recorded.state.sessionDay, id });
  }
  const loaded = toLoad.length === 0 ? new Map<string, SessionDoc>() : await input.loadSessions(toLoad);

  const works = new Map<string, SessionWork>();
  const erasures = new Map<string, ClientErasure>();
  const erase = (property: string, client: string): void => {
    const key = `${property}\u0001${client}`;
    let erasure = erasures.get(key);
    if (erasure === undefined) erasures.set(key, (erasure = { property, client, subtracted: new Set() }));
    for (const [id, work] of works) {
      if (work.doc.client !== client || work.doc.property !== property) continue;
      // The whole document goes: what the store holds of it and what this batch added.
      flushSession(work, accumulator);
      eraseSession(work.doc, accumulator);
      if (loaded.get(id) === work.doc) erasure.subtracted.add(id);
      works.delete(id);
    }
    // A later event of the visitor starts afresh, never from a stored (erased) document.
    for (const [id, doc] of loaded) if (doc.client === client && doc.property === property) loaded.delete(id);
    accumulator.forgetClient(property, client);
  };
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    try {
      const recorded = data[i];
      if (recorded !== undefined) {
        const id = recorded.session.id;
        let work = works.get(id);
        if (work === undefined) {
          const doc = loaded.get(id);
          if (doc !== undefined) work = resumeSession(doc);
        }
        works.set(id, applyClientEvent(work, recorded, context, accumulator));
      } else if (event.type === CLIENT_ERASED && event.stream.startsWith(ERASURE_STREAM_PREFIX)) {
        const erased = clientErasedSchema.parse(event.data);
        erase(erased.propertyId, erased.stream.slice(CLIENT_EVENT_PREFIX.length));
      } else if (event.stream.startsWith(PROPERTY_EVENT_PREFIX)) {
        const id = event.stream.slice(PROPERTY_EVENT_PREFIX.length);
        const before = changed.get(id) ?? input.properties.get(id);
        const after = evolvePropertyInfo(before, event.type, event.data);
        if (after !== undefined && after !== before) changed.set(after.id, after);
      }
    } catch (error) {
      fail(event, error);
    }
  }
  const sessions: SessionDoc[] = [];
  for (const work of works.values()) {
    flushSession(work, accumulator);
    sessions.push(work.doc);
  }
  return { accumulator, sessions, properties: changed, erasures: [...erasures.values()] };
}

/** The client key of a session id (`<client key>:<number>`). */
const clientKeyOf = (sessionId: string): string => sessionId.slice(0, sessionId.lastIndexOf(':'));
