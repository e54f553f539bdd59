// Raw-data retention: each property's `retentionDays` (0 or absent: forever) applied to its
// client streams (`client-<tid>.*`, the visitors' hits). Property streams, API keys and
// erasure records are never touched.
//
// The event store decides how:
// - embedded (truncateBefore): every run deletes the client events of each property
//   recorded before now - retentionDays. Each run visits only what was recorded since the
//   previous run's cut-off.
// - EventStoreDB (setStreamMaxAge): `$maxAge` is stream metadata, so every client stream
//   of a property with retention gets it: after a property's retention changes (and once
//   per process start) all of its streams, from a scan of the log; on later runs only the
//   streams created since (revision 0). The server hides older events at once and removes
//   them at the next scavenge.
//
// The read models are not touched: numbers already projected stay. A replay only sees the
// history that is left (docs/deploy.md, "Retention").
import type { Logger } from './logger.ts';
import { evolve, initialState, PROPERTY_STREAM_PREFIX, type PropertyState } from '../domain/property/decider.ts';
import { propertyEventSchemas, type PropertyEvent } from '../domain/property/events.ts';
import { CLIENT_STREAM_PREFIX } from '../domain/client/stream.ts';
import { comparePositions, type EventStore, type Position } from '../storage/eventstore/port.ts';

const DAY_MS = 86_400_000;
/** Tracking ids written into stream names as they are (domain/client/stream.ts); others are encoded. */
const RAW_TID = /^[A-Za-z0-9_:@+-]+$/;

/** The prefix every client stream of a property starts with; undefined for a tid the stream names encode. */
export function clientStreamPrefix(propertyId: string): string | undefined {
  return RAW_TID.test(propertyId) && `${CLIENT_STREAM_PREFIX}${propertyId}.`.length < 100 ? `${CLIENT_STREAM_PREFIX}${propertyId}.` : undefined;
}

export interface RetentionRun {
  mode: 'truncate' | 'max-age' | 'unsupported';
  /** Properties with a retention. */
  properties: number;
  /** Events deleted (embedded). */
  deleted: number;
  /** Streams whose $maxAge was set or removed (EventStoreDB). */
  streamsUpdated: number;
}

export interface RetentionJobOptions {
  eventStore: EventStore;
  logger: Logger;
  /** Time between runs, ms; 0: no timer (runOnce only). */
  intervalMs: number;
  now?: () => number;
  /** Called after every completed pass (tests wait on it). */
  onRun?: (run: RetentionRun) => void;
}

export interface RetentionJob {
  /** One pass now (waits for a pass already running, then runs another). */
  runOnce(): Promise<RetentionRun>;
  /** Stops the timer and ends a running pass at its next step. */
  stop(): Promise<void>;
}

export interface PropertyRetention {
  /** Days kept now; 0: forever. */
  days: number;
  /** The property had a retention at some point (its streams may still carry a $maxAge). */
  everLimited: boolean;
}

/** Every property's retention, folded from the property streams now. */
export async function propertyRetentions(store: EventStore): Promise<Map<string, PropertyRetention>> {
  const states = new Map<string, PropertyState>();
  const limitedStreams = new Set<string>();
  for await (const recorded of store.readAll({ filter: { streamPrefixes: [PROPERTY_STREAM_PREFIX] } })) {
    const schema = (propertyEventSchemas as Record<string, (typeof propertyEventSchemas)[keyof typeof propertyEventSchemas] | undefined>)[recorded.type];
    const parsed = schema?.safeParse(recorded.data);
    if (!parsed?.success) continue;
    const event = { type: recorded.type, data: parsed.data } as PropertyEvent;
    const next = evolve(states.get(recorded.stream) ?? initialState(), event);
    states.set(recorded.stream, next);
    if (next.status === 'present' && (next.settings.retentionDays ?? 0) > 0) limitedStreams.add(recorded.stream);
  }
  const retentions = new Map<string, PropertyRetention>();
  for (const [stream, state] of states) {
    if (state.status === 'present') retentions.set(state.settings.id, { days: state.settings.retentionDays ?? 0, everLimited: limitedStreams.has(stream) });
  }
  return retentions;
}

export function startRetentionJob(options: RetentionJobOptions): RetentionJob {
  const { eventStore: store, logger } = options;
  const now = options.now ?? Date.now;
  let stopping = false;
  let running: Promise<RetentionRun> | undefined;
  let warnedUnsupported = false;
  // EventStoreDB: the retention last applied to every stream of each property, and how far
  // the log was scanned for new streams.
  const applied = new Map<string, number>();
  let scannedTo: Position | undefined;

  async function pass(): Promise<RetentionRun> {
    const retentions = await propertyRetentions(store);
    const limited = [...retentions].flatMap(([tid, { days }]): [string, number][] => (days > 0 ? [[tid, days]] : []));
    if (store.truncateBefore) return truncate(limited, store.truncateBefore.bind(store));
    if (store.setStreamMaxAge) return maxAge(retentions, store.setStreamMaxAge.bind(store));
    if (limited.length > 0 && !warnedUnsupported) {
      warnedUnsupported = true;
      logger.warn({ eventStore: store.kind }, 'properties have a retention, but this event store cannot enforce one; raw data is kept');
    }
    return { mode: 'unsupported', properties: limited.length, deleted: 0, streamsUpdated: 0 };
  }

  async function truncate(limited: [string, number][], truncateBefore: (prefix: string, before: number) => Promise<number>): Promise<RetentionRun> {
    let deleted = 0;
    for (const [tid, days] of limited) {
      if (stopping) break;
      const prefix = clientStreamPrefix(tid);
      if (!prefix) continue;
      const removed = await truncateBefore(prefix, now() - days * DAY_MS);
      if (removed > 0) logger.info({ property: tid, retentionDays: days, deleted: removed }, 'retention: old raw events deleted');
      deleted += removed;
    }
    return { mode: 'truncate', properties: limited.length, deleted, streamsUpdated: 0 };
  }

  async function maxAge(retentions: Map<string, PropertyRetention>, setMaxAge: (stream: string, seconds: number | undefined) => Promise<void>): Promise<RetentionRun> {
    let streamsUpdated = 0;
    const seconds = (days: number): number | undefined => (days > 0 ? days * 86_400 : undefined);
    const head = await store.headPosition();
    const limitedCount = [...retentions.values()].filter((r) => r.days > 0).length;

    // Every stream of a property whose retention changed since this process applied it, or,
    // on this process's first pass, of every property that has or ever had a retention
    // (another process may have set a $maxAge that must now change or go).
    const changed = [...retentions].filter(([tid, r]) => (applied.has(tid) ? applied.get(tid) !== r.days : r.days > 0 || r.everLimited));
    for (const [tid, { days }] of changed) {
      const prefix = clientStreamPrefix(tid);
      if (!prefix) continue;
      const seen = new Set<string>();
      for await (const event of store.readAll({ filter: { streamPrefixes: [prefix] } })) {
        if (stopping) return { mode: 'max-age', properties: limitedCount, deleted: 0, streamsUpdated };
        if (seen.has(event.stream)) continue;
        seen.add(event.stream);
        await setMaxAge(event.stream, seconds(days));
        streamsUpdated += 1;
      }
      applied.set(tid, days);
      logger.info({ property: tid, retentionDays: days, streams: seen.size }, 'retention: $maxAge applied to the client streams');
    }

    // Streams created since the last run, of properties with a retention.
    const prefixes = new Map<string, number>();
    for (const [tid, { days }] of retentions) {
      const prefix = clientStreamPrefix(tid);
      if (prefix && days > 0) prefixes.set(prefix, days);
    }
    // On the first pass every property with a retention was scanned whole above: new streams
    // are those after the head read before that.
    const from = scannedTo ?? head;
    let last = from;
    if (prefixes.size > 0) {
      for await (const event of store.readAll({ ...(from ? { fromPosition: from } : {}), filter: { streamPrefixes: [...prefixes.keys()] } })) {
        if (stopping) return { mode: 'max-age', properties: limitedCount, deleted: 0, streamsUpdated };
        last = event.position;
        if (event.revision !== 0) continue;
        const days = prefixes.get(event.stream.slice(0, event.stream.indexOf('.') + 1));
        if (days === undefined) continue;
        await setMaxAge(event.stream, seconds(days));
        streamsUpdated += 1;
      }
    }
    // Safe to resume after the head read before the scan, or after the last event seen.
    scannedTo = [last, head].filter((p): p is Position => p !== undefined).sort(comparePositions).pop();
    return { mode: 'max-age', properties: limitedCount, deleted: 0, streamsUpdated };
  }

  function runOnce(): Promise<RetentionRun> {
    const previous = running ?? Promise.resolve(undefined);
    const next = previous
      .then(
        () => pass(),
        () => pass(),
      )
      .then((run) => {
        options.onRun?.(run);
        return run;
      });
    running = next;
    const clear = (): void => {
      if (running === next) running = undefined;
    };
    next.then(clear, clear);
    return next;
  }

  const tick = (): void => {
    if (stopping || running) return;
    runOnce().catch((error: unknown) => logger.warn({ err: error }, 'retention run failed; it is tried again at the next interval'));
  };
  // The first pass right after start, then every interval (that timer never keeps the process alive).
  const first = options.intervalMs > 0 ? setTimeout(tick, 0) : undefined;
  const timer = options.intervalMs > 0 ? setInterval(tick, options.intervalMs) : undefined;
  timer?.unref();

  return {
    runOnce,
    async stop() {
      stopping = true;
      clearTimeout(first);
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
