// One batch of the analytics projection, store-agnostic: reads the batch's session
// documents through `loadSessions` (one call for the whole batch), applies the pure
// model to every event in log order, flushes each session once, and returns what a
// sink must write in its transaction. The embedded sink (and later a MongoDB one)
// only loads and writes.
import type { RecordedEvent } from '../../storage/eventstore/port.ts';
import { clientEventSchemas, HIT_DISCARDED } from '../../domain/client/events.ts';
import { ProjectionEventError } from '../projection.ts';
import { createBatchAccumulator, type BatchAccumulator } from './batch.ts';
import { applyClientEvent, flushSession, resumeSession, type ModelContext, type RecordedData, type SessionDoc, type SessionWork } from './model.ts';
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

export interface BatchOutput {
  accumulator: BatchAccumulator;
  /** Every session the batch touched, with its new document. */
  sessions: SessionDoc[];
  /** Property infos changed by the batch's property events. */
  properties: Map<string, PropertyInfo>;
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
  const data: (RecordedData | undefined)[] = new Array(events.length);
  const toLoad: SessionKey[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
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
    if (recorded.session.hitIndex !== 1) toLoad.push({ property: recorded.params['tid'] as string, day: recorded.state.sessionDay, id });
  }
  const loaded = toLoad.length === 0 ? new Map<string, SessionDoc>() : await input.loadSessions(toLoad);

  const works = new Map<string, SessionWork>();
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
  return { accumulator, sessions, properties: changed };
}
