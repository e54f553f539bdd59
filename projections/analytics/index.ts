// The analytics projection: client and property events → rollups, session documents,
// exact users and realtime activity (see model.ts for the formulas, embedded-schema.ts
// for the tables); erasure events (`ClientErased.v1`) take a visitor out of all of them. Register `analyticsProjection` in the projection catalog; read with
// `createAnalyticsQueries(store, version)`.
import { ERASURE_STREAM_PREFIX } from '../../domain/erasure/events.ts';
import type { Projection } from '../projection.ts';
import { openEmbeddedAnalyticsSink } from './embedded-sink.ts';
import { openMongoAnalyticsSink } from '../mongodb/analytics-sink.ts';

export const ANALYTICS_PROJECTION_NAME = 'analytics';
/** extract.ts: what the model reads of an event, for the embedded store's catch-up reader thread. */
const EXTRACT_MODULE = new URL(`./extract${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
/**
 * Bump when the model's formulas or the storage change: the runner rebuilds a new version beside the serving one.
 * 2: session documents keep a ledger and erasure events are projected.
 * 3: the embedded sessions table holds each session's totals as columns.
 * 4: realtime rows count the client's page views in the minute.
 * 5: the embedded daily rollups are indexed for a report's first page by the threshold algorithm.
 * 6: the embedded store keeps each dimension's daily totals (a report's totals without reading every value).
 * 7: the embedded store counts the changes to each day's sessions (the ad hoc reports keep a day's columns in memory until it changes).
 * 8: embedded sessions carry a client number (`clients` table), so those columns count users by number.
 */
export const ANALYTICS_PROJECTION_VERSION = 8;

export interface AnalyticsProjectionOptions {
  /** Wall clock for realtime (which facts are recent enough to keep). Default Date.now. */
  clock?: () => number;
  /** Realtime activity kept, minutes (reports need 30). Default 60. */
  realtimeWindowMinutes?: number;
  /** Distinct user agents whose parse is cached. Default 10,000. */
  deviceCacheSize?: number;
  /** Session documents kept in memory between batches (embedded sink). Default 5,000. */
  sessionCacheSize?: number;
}

export function createAnalyticsProjection(options: AnalyticsProjectionOptions = {}): Projection {
  const clock = options.clock ?? Date.now;
  return {
    name: ANALYTICS_PROJECTION_NAME,
    version: ANALYTICS_PROJECTION_VERSION,
    // `erasure-` cannot match EventStoreDB's own `$webalytic-erasures` stream ($-streams are never delivered anyway).
    filter: { streamPrefixes: ['client-', 'property-', ERASURE_STREAM_PREFIX] },
    extractModule: EXTRACT_MODULE,
    async openSink(store, version, logger) {
      if (store.kind === 'embedded') {
        return openEmbeddedAnalyticsSink(store, {
          name: ANALYTICS_PROJECTION_NAME,
          version,
          logger,
          clock,
          realtimeWindowMinutes: options.realtimeWindowMinutes ?? 60,
          deviceCacheSize: options.deviceCacheSize,
          sessionCacheSize: options.sessionCacheSize,
        });
      }
      // MongoDB: the same batch, written by projections/mongodb/analytics-sink.ts.
      return openMongoAnalyticsSink(store, {
        name: ANALYTICS_PROJECTION_NAME,
        version,
        logger,
        clock,
        realtimeWindowMinutes: options.realtimeWindowMinutes ?? 60,
        deviceCacheSize: options.deviceCacheSize,
        sessionCacheSize: options.sessionCacheSize,
      });
    },
  };
}

export const analyticsProjection: Projection = createAnalyticsProjection();

export {
  createAnalyticsQueries,
  createAnalyticsQueriesFrom,
  METRIC_NAMES,
  type AnalyticsQueries,
  type AnalyticsReadSource,
  type Report,
  type ReportRequest,
  type ReportRow,
  type Timeseries,
  type TimeseriesRequest,
  type Realtime,
  type RealtimeRequest,
  type SessionSummary,
  type SessionsRequest,
} from './queries.ts';
export { STANDARD_DIMENSIONS } from './dimensions.ts';
// For another store's sink: the store-agnostic batch and the model's document.
export { processBatch, type BatchInput, type BatchOutput, type SessionKey } from './process-batch.ts';
export type { SessionDoc } from './model.ts';
export type { RollupRow, UserDayRow, RealtimeRow, BatchAccumulator } from './batch.ts';
