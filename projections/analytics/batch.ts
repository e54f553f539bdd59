// Aggregates a batch's increments in memory, so each rollup row, user-day and
// realtime row is written once per batch however many events touched it. Store
// agnostic: the embedded sink turns the result into SQL upserts, a MongoDB sink into
// `$inc` upserts.
//
// Rows are found through a bucket per (property, day) holding one map per dimension
// id, so the model's hot path is an array index and a lookup by the value string: no
// key strings are built per increment.
import { DIMENSION_COUNT, STANDARD_DIMENSIONS } from './dimensions.ts';
import { hasCustom, isZero, zeroVector, type CustomVector, type Vector } from './metrics.ts';

export interface RollupRow {
  property: string;
  /** 'YYYY-MM-DD' (daily) or 'YYYY-MM-DDTHH' (hourly). */
  period: string;
  /** '' for the property's totals. */
  dimension: string;
  value: string;
  metrics: Vector;
  custom: CustomVector | undefined;
}

export interface UserDayRow {
  property: string;
  day: string;
  client: string;
  newUser: boolean;
}

export interface RealtimeRow {
  property: string;
  /** Epoch minute: floor(time / 60,000). */
  minute: number;
  client: string;
  page: string;
  source: string;
  country: string;
  device: string;
  /** Page views the client had in the minute (the realtime view's per-minute page views). */
  pageviews: number;
}

/** The rollup rows of one property and day. */
export interface DayBucket {
  readonly property: string;
  readonly day: string;
  /** Dimension '' (the totals). */
  readonly total: RollupRow;
  /** By dimension id (dimensions.ts D), then value. */
  readonly dims: Map<string, RollupRow>[];
  /** cd<N> by name, then value. */
  readonly custom: Map<string, Map<string, RollupRow>>;
}

/** Where the model writes (the batch accumulator, or a test double). */
export interface AnalyticsOutput {
  /** Realtime facts older than this (epoch ms) are not wanted: the model does not even build them. */
  readonly realtimeFrom: number;
  bucket(property: string, day: string): DayBucket;
  hourRow(property: string, hour: string): RollupRow;
  /** The client had a processed hit on that day; `newUser`: a new user was counted for it that day. */
  userDay(property: string, day: string, client: string, newUser: boolean): void;
  realtime(property: string, time: number, client: string, page: string, source: string, country: string, device: string, pageviews: number): void;
}

export interface BatchAccumulator extends AnalyticsOutput {
  /** Every daily rollup row touched (totals, standard and custom dimensions). */
  dailyRows(): Generator<RollupRow>;
  readonly hourlyRows: Map<string, RollupRow>;
  readonly userDays: Map<string, UserDayRow>;
  readonly realtimeRows: Map<string, RealtimeRow>;
  /** Drops the client's user-day and realtime facts collected so far (an erasure). */
  forgetClient(property: string, client: string): void;
}

const SEP = '\u0001';

const newRow = (property: string, period: string, dimension: string, value: string): RollupRow => ({ property, period, dimension, value, metrics: zeroVector(), custom: undefined });

/** The row of `value` in a dimension's map, created on first use. */
export function rowIn(map: Map<string, RollupRow>, bucket: DayBucket, dimension: string, value: string): RollupRow {
  let row = map.get(value);
  if (row === undefined) map.set(value, (row = newRow(bucket.property, bucket.day, dimension, value)));
  return row;
}

/** The row of a standard dimension (by id) and value. */
export const rowOf = (bucket: DayBucket, dimension: number, value: string): RollupRow => rowIn(bucket.dims[dimension]!, bucket, STANDARD_DIMENSIONS[dimension]!, value);

/** The row of a custom dimension (cd<N>) and value. */
export function customRowOf(bucket: DayBucket, dimension: string, value: string): RollupRow {
  let map = bucket.custom.get(dimension);
  if (map === undefined) bucket.custom.set(dimension, (map = new Map()));
  return rowIn(map, bucket, dimension, value);
}

/**
 * @param realtimeFrom realtime facts older than this (epoch ms) are dropped: a replay of
 *   old history writes no realtime rows.
 */
export function createBatchAccumulator(realtimeFrom = Number.NEGATIVE_INFINITY): BatchAccumulator {
  const buckets = new Map<string, DayBucket>();
  const hourlyRows = new Map<string, RollupRow>();
  const userDays = new Map<string, UserDayRow>();
  const realtimeRows = new Map<string, RealtimeRow>();
  let last: DayBucket | undefined;
  let lastHour: RollupRow | undefined;
  return {
    realtimeFrom,
    hourlyRows,
    userDays,
    realtimeRows,
    bucket(property, day) {
      // Consecutive events mostly share property and day.
      if (last !== undefined && last.day === day && last.property === property) return last;
      const key = property + SEP + day;
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        bucket = { property, day, total: newRow(property, day, '', ''), dims: Array.from({ length: DIMENSION_COUNT }, () => new Map()), custom: new Map() };
        buckets.set(key, bucket);
      }
      last = bucket;
      return bucket;
    },
    hourRow(property, hour) {
      if (lastHour !== undefined && lastHour.period === hour && lastHour.property === property) return lastHour;
      const key = property + SEP + hour;
      let row = hourlyRows.get(key);
      if (row === undefined) hourlyRows.set(key, (row = newRow(property, hour, '', '')));
      lastHour = row;
      return row;
    },
    userDay(property, day, client, newUser) {
      const key = property + SEP + day + SEP + client;
      const row = userDays.get(key);
      if (row === undefined) userDays.set(key, { property, day, client, newUser });
      else if (newUser) row.newUser = true;
    },
    realtime(property, time, client, page, source, country, device, pageviews) {
      if (time < realtimeFrom) return;
      const minute = Math.floor(time / 60_000);
      const key = property + SEP + minute + SEP + client;
      // The client's latest fact in the minute wins (events arrive in log order); page views add up.
      realtimeRows.set(key, { property, minute, client, page, source, country, device, pageviews: (realtimeRows.get(key)?.pageviews ?? 0) + pageviews });
    },
    forgetClient(property, client) {
      for (const [key, row] of userDays) if (row.client === client && row.property === property) userDays.delete(key);
      for (const [key, row] of realtimeRows) if (row.client === client && row.property === property) realtimeRows.delete(key);
    },
    *dailyRows() {
      for (const bucket of buckets.values()) {
        yield bucket.total;
        for (const map of bucket.dims) yield* map.values();
        for (const map of bucket.custom.values()) yield* map.values();
      }
    },
  };
}

/** A row whose increments cancelled out (e.g. a session that moved in and out of a value) needs no write. */
export const isEmptyRow = (row: RollupRow): boolean => isZero(row.metrics) && (!hasCustom(row.custom) || Object.values(row.custom).every((v) => v === 0));
