// Prometheus metrics (prom-client), one registry per process. The hot paths keep their
// own plain counters (CollectorStats, HitRecorderStats, the runners' status); the
// metrics here read them when Prometheus scrapes (collect callbacks), so serving a hit
// costs nothing more. Only append latency and API query latency are observed as they
// happen, each a histogram observation.
//
// Labels are few and bounded: service, projection name and version, outcome or reason
// from fixed lists, the API route template (never the URL, which holds ids and tokens).
import { performance } from 'node:perf_hooks';
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CollectorStats } from '../collector/http.ts';
import type { HitRecorderStats } from '../collector/record-hit.ts';
import type { ProjectionState, ProjectionStatus } from '../projections/status.ts';
import type { EventStore } from '../storage/eventstore/port.ts';

export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // Process CPU, memory, event loop lag, GC: the standard names (process_*, nodejs_*).
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Counters fed from a running total read at scrape time (prom-client has no set() on counters). */
function setCounter(counter: Counter<string>, value: number, labels?: Record<string, string>): void {
  if (labels) counter.labels(labels).inc(value);
  else counter.inc(value);
}

// --- collector ----------------------------------------------------------------------

export interface CollectorMetricsSources {
  collector: () => CollectorStats;
  recorder: () => HitRecorderStats;
  /** The embedded store's group-commit counters, when the process has that store. */
  eventStore?: () => { transactions: number; events: number; truncated?: number };
}

export function registerCollectorMetrics(registry: Registry, sources: CollectorMetricsSources): void {
  new Counter({
    name: 'webalytic_collector_requests_total',
    help: 'Requests to the collector endpoints (/collect, /batch, /debug/*, /wa.js).',
    registers: [registry],
    collect() {
      this.reset();
      setCounter(this, sources.collector().requests);
    },
  });
  new Counter({
    name: 'webalytic_collector_hits_total',
    help: 'Hits received, by outcome: recorded (a new event, acknowledged once durable), duplicate (a retried hit already stored, acknowledged), dropped (invalid, unknown or inactive property, refused by the domain; acknowledged as GA does but not stored), failed (the store failed; answered 503).',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      const stats = sources.collector();
      this.reset();
      setCounter(this, stats.recorded, { outcome: 'recorded' });
      setCounter(this, stats.duplicates, { outcome: 'duplicate' });
      setCounter(this, stats.dropped, { outcome: 'dropped' });
      setCounter(this, stats.failed, { outcome: 'failed' });
    },
  });
  new Counter({
    name: 'webalytic_collector_requests_rejected_total',
    help: 'Requests refused before any hit was read, by reason: rate_limited (429), overloaded (503, COLLECT_MAX_IN_FLIGHT reached).',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      const stats = sources.collector();
      this.reset();
      setCounter(this, stats.rateLimited, { reason: 'rate_limited' });
      setCounter(this, stats.overloaded, { reason: 'overloaded' });
    },
  });
  new Gauge({
    name: 'webalytic_collector_hits_in_flight',
    help: 'Hits being parsed, enriched or appended right now.',
    registers: [registry],
    collect() {
      this.set(sources.collector().inFlight);
    },
  });
  new Counter({
    name: 'webalytic_collector_append_conflicts_total',
    help: "Appends refused because another writer moved the client's stream first; each one is retried after reloading the stream (a hit fails after 5).",
    registers: [registry],
    collect() {
      this.reset();
      setCounter(this, sources.recorder().conflicts);
    },
  });
  new Counter({
    name: 'webalytic_collector_client_state_cache_total',
    help: "Look-ups of a client's state by the hit recorder: hit (in memory) or miss (read from the stream).",
    labelNames: ['result'],
    registers: [registry],
    collect() {
      const stats = sources.recorder();
      this.reset();
      setCounter(this, stats.cacheHits, { result: 'hit' });
      setCounter(this, stats.cacheMisses, { result: 'miss' });
    },
  });
  const store = sources.eventStore;
  if (store) {
    new Counter({
      name: 'webalytic_eventstore_transactions_total',
      help: 'Write transactions of the embedded event store (group commit: many appends per transaction).',
      registers: [registry],
      collect() {
        this.reset();
        setCounter(this, store().transactions);
      },
    });
    new Counter({
      name: 'webalytic_eventstore_events_written_total',
      help: 'Events written by the embedded event store.',
      registers: [registry],
      collect() {
        this.reset();
        setCounter(this, store().events);
      },
    });
  }
}

/** Seconds buckets from 0.5 ms to 5 s: a group commit is a few ms; EventStoreDB adds a network round trip. */
const APPEND_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The event store as seen by the hit recorder, each append timed (durable: the promise
 * settles once the store acknowledged). Everything else is passed through unchanged.
 */
export function timedAppends(store: EventStore, registry: Registry): EventStore {
  const histogram = new Histogram({
    name: 'webalytic_eventstore_append_duration_seconds',
    help: 'Time from append() to the durable acknowledgement, by result (ok, or error: a conflict or a failure).',
    labelNames: ['result'],
    buckets: APPEND_BUCKETS,
    registers: [registry],
  });
  const ok = histogram.labels({ result: 'ok' });
  const failed = histogram.labels({ result: 'error' });
  const timed: EventStore = {
    kind: store.kind,
    append(stream, events, options) {
      const started = performance.now();
      return store.append(stream, events, options).then(
        (result) => {
          ok.observe((performance.now() - started) / 1000);
          return result;
        },
        (error: unknown) => {
          failed.observe((performance.now() - started) / 1000);
          throw error;
        },
      );
    },
    readStream: (stream, options) => store.readStream(stream, options),
    readAll: (options) => store.readAll(options),
    subscribeToAll: (options) => store.subscribeToAll(options),
    deleteStream: (stream) => store.deleteStream(stream),
    headPosition: () => store.headPosition(),
    close: () => store.close(),
  };
  return timed;
}

// --- projections --------------------------------------------------------------------

const STATES: ProjectionState[] = ['starting', 'waiting', 'catching-up', 'live', 'failed', 'stopped'];

/**
 * A log position as a number for a gauge: the embedded store's sequence number, or the
 * commit part of an EventStoreDB `commit/prepare` position. Comparable within one store.
 */
export function positionNumber(position: string | undefined): number | undefined {
  if (position === undefined) return undefined;
  const match = /^(\d{1,20})(?:\/\d{1,20})?$/.exec(position);
  return match ? Number(match[1]) : undefined;
}

/** One status read per scrape, shared by every projection metric (prom-client collects them concurrently). */
function sharedPerScrape<T>(read: () => Promise<T>, ttlMs = 500): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = performance.now();
    if (!cached || now - cached.at > ttlMs) {
      const value = read();
      cached = { at: now, value };
      value.catch(() => {
        cached = undefined;
      });
    }
    return cached.value;
  };
}

export function registerProjectionMetrics(registry: Registry, readStatus: () => Promise<ProjectionStatus[]>): void {
  const status = sharedPerScrape(readStatus);
  const labelNames = ['projection', 'version', 'role'] as const;
  const labelsOf = (s: ProjectionStatus) => ({ projection: s.name, version: String(s.version), role: s.role });
  const gauge = (name: string, help: string, value: (s: ProjectionStatus) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        for (const s of await status()) {
          const v = value(s);
          if (v !== undefined && Number.isFinite(v)) this.labels(labelsOf(s)).set(v);
        }
      },
    });

  gauge('webalytic_projection_position', 'Checkpoint: the log position of the last committed event (embedded: sequence number; EventStoreDB: commit position).', (s) =>
    positionNumber(s.position),
  );
  gauge('webalytic_projection_head_position', 'The newest log position when the lag was measured.', (s) => positionNumber(s.headPosition));
  gauge('webalytic_projection_events_behind', 'Lag: log events after the checkpoint (0 while live and idle).', (s) => s.eventsBehind);
  gauge('webalytic_projection_last_batch_duration_seconds', 'How long the last committed batch took (one read-store transaction).', (s) =>
    s.lastBatch === undefined ? undefined : s.lastBatch.ms / 1000,
  );
  gauge('webalytic_projection_last_batch_events', 'Events in the last committed batch.', (s) => s.lastBatch?.events);
  gauge('webalytic_projection_events_per_second', 'Events committed per second over the last few seconds.', (s) => s.eventsPerSecond);
  gauge('webalytic_projection_events_applied', 'Events committed by this runner since it started.', (s) => s.eventsApplied);
  gauge('webalytic_projection_batches', 'Batches committed by this runner since it started.', (s) => s.batches);

  new Gauge({
    name: 'webalytic_projection_append_to_commit_seconds',
    help: 'Append-to-commit time of recent events (p50, p95, last): how stale the read models are.',
    labelNames: [...labelNames, 'quantile'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await status()) {
        if (!s.latencyMs || s.latencyMs.samples === 0) continue;
        const labels = labelsOf(s);
        this.labels({ ...labels, quantile: '0.5' }).set(s.latencyMs.p50 / 1000);
        this.labels({ ...labels, quantile: '0.95' }).set(s.latencyMs.p95 / 1000);
        this.labels({ ...labels, quantile: 'last' }).set(s.latencyMs.last / 1000);
      }
    },
  });
  new Gauge({
    name: 'webalytic_projection_state',
    help: "1 for the runner's current state (starting, waiting, catching-up, live, failed, stopped), 0 for the others.",
    labelNames: [...labelNames, 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await status()) {
        for (const state of STATES) this.labels({ ...labelsOf(s), state }).set(s.state === state ? 1 : 0);
      }
    },
  });
}

// --- read API -----------------------------------------------------------------------

const QUERY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Express middleware (mounted on /api) timing every request by its route template, e.g.
 * `POST /api/v1/query` or `GET /api/v1/properties/:id`; requests no route matched count as
 * `unmatched`. Long-lived event streams are timed too, so their route shows long durations.
 */
export function apiLatencyMiddleware(registry: Registry): RequestHandler {
  const histogram = new Histogram({
    name: 'webalytic_api_request_duration_seconds',
    help: 'Read API requests by route template, method and status class: time to the end of the answer.',
    labelNames: ['method', 'route', 'status'],
    buckets: QUERY_BUCKETS,
    registers: [registry],
  });
  return (req, res, next) => {
    const started = performance.now();
    res.once('finish', () => {
      const route: unknown = req.route;
      const template = route && typeof route === 'object' && 'path' in route && typeof route.path === 'string' ? `${req.baseUrl}${route.path}` : 'unmatched';
      histogram.observe({ method: req.method, route: template, status: `${Math.floor(res.statusCode / 100)}xx` }, (performance.now() - started) / 1000);
    });
    next();
  };
}
