// Aggregates a batch's increments in memory, so each rollup row, user-day and
// realtime row is written once per batch however many events touched it. Store
// agnostic: the embedded sink turns the result into SQL upserts, a MongoDB sink into
// `$inc` upserts.
import { addCustomInto, addInto, hasCustom, isZero, zeroVector, type CustomVector, type Vector } from './metrics.ts';
import type { AnalyticsOutput, RealtimeFact } from './model.ts';

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

export interface RealtimeRow extends RealtimeFact {
  /** Epoch minute: floor(time / 60,000). */
  minute: number;
}

export interface BatchAccumulator extends AnalyticsOutput {
  readonly dailyRows: Map<string, RollupRow>;
  readonly hourlyRows: Map<string, RollupRow>;
  readonly userDays: Map<string, UserDayRow>;
  readonly realtimeRows: Map<string, RealtimeRow>;
}

const SEP = '\u0001';

function rowFor(rows: Map<string, RollupRow>, property: string, period: string, dimension: string, value: string): RollupRow {
  const key = property + SEP + period + SEP + dimension + SEP + value;
  let row = rows.get(key);
  if (row === undefined) rows.set(key, (row = { property, period, dimension, value, metrics: zeroVector(), custom: undefined }));
  return row;
}

/**
 * @param realtimeFrom realtime facts older than this (epoch ms) are dropped: a replay of
 *   old history writes no realtime rows.
 */
export function createBatchAccumulator(realtimeFrom = Number.NEGATIVE_INFINITY): BatchAccumulator {
  const dailyRows = new Map<string, RollupRow>();
  const hourlyRows = new Map<string, RollupRow>();
  const userDays = new Map<string, UserDayRow>();
  const realtimeRows = new Map<string, RealtimeRow>();
  return {
    dailyRows,
    hourlyRows,
    userDays,
    realtimeRows,
    daily(property, day, dimension, value, vector, sign, positions, custom) {
      const row = rowFor(dailyRows, property, day, dimension, value);
      addInto(row.metrics, vector, sign, positions);
      if (custom !== undefined) addCustomInto((row.custom ??= {}), custom, sign);
    },
    hourly(property, hour, vector, positions) {
      addInto(rowFor(hourlyRows, property, hour, '', '').metrics, vector, 1, positions);
    },
    userDay(property, day, client, newUser) {
      const key = property + SEP + day + SEP + client;
      const row = userDays.get(key);
      if (row === undefined) userDays.set(key, { property, day, client, newUser });
      else if (newUser) row.newUser = true;
    },
    realtime(fact) {
      if (fact.time < realtimeFrom) return;
      const minute = Math.floor(fact.time / 60_000);
      // The client's latest fact in the minute wins (events arrive in log order).
      realtimeRows.set(fact.property + SEP + minute + SEP + fact.client, { ...fact, minute });
    },
  };
}

/** A row whose increments cancelled out (e.g. a session that moved in and out of a value) needs no write. */
export const isEmptyRow = (row: RollupRow): boolean => isZero(row.metrics) && !hasCustom(row.custom) ;
