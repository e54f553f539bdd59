// The analytics read API over the read models: reports (one optional dimension, any
// metrics), time series, realtime and session drill-downs. Store-independent: the
// numbers come from an `AnalyticsReadSource` (queries-embedded.ts for SQLite; a
// MongoDB source goes beside it), and every unit conversion and derived metric is
// computed here, once, so both stores give the same answers.
//
// Units: durations in seconds, money in currency units, rates in percent (as GA's
// Core Reporting API). A ratio whose denominator is 0 is reported as 0.
//
// Users: exact distinct client keys. Without a dimension from the user-day table; per
// value of a session dimension, distinct clients of the sessions with that value; per
// value of a hit dimension (page, event, product, hit-scoped cd<N>), distinct clients
// of the sessions in which a hit had that value. A report's total users is the distinct
// count over the same sessions (never a sum of rows).
import { z } from 'zod';
import type { ReadStore } from '../../storage/readstore/port.ts';
import type { RealtimeRow } from './batch.ts';
import { createTopRows } from './top-rows.ts';
import { CUSTOM_METRIC, isCustomDimension, STANDARD_DIMENSIONS } from './dimensions.ts';
import { createEmbeddedReadSource } from './queries-embedded.ts';
import { createMongoReadSource } from '../mongodb/analytics-source.ts';
import { BASE_METRICS, M, METRIC_COUNT, storedPerReportUnit, zeroVector, type BaseMetric } from './metrics.ts';
import { daysBetween } from './local-time.ts';

// ---- the store-specific part -------------------------------------------------------

export interface ValueMetrics {
  value: string;
  /** Σ base metrics in stored units, in BASE_METRICS order. */
  metrics: number[];
  /** Whether any base metric of the value is nonzero; set by a source that summed only the wanted metrics (absent: judged from `metrics`). */
  nonzero?: boolean;
}

/** A client's activity in one minute, as the sink stores it (batch.ts). */
export type RealtimeActivity = Omit<RealtimeRow, 'property'>;

export interface StoredSession {
  id: string;
  client: string;
  number: number;
  day: string;
  startedAt: number;
  lastHitAt: number;
  dims: Record<string, string>;
  totals: number[];
  custom: Record<string, number>;
}

export interface AnalyticsReadSource {
  /**
   * Σ per value of `dimension` ('' = totals, one row with value '') over days [from, to].
   * `wanted` (positions in BASE_METRICS) lets a source sum only those: other positions may
   * be 0, and `nonzero` then tells whether the value has any metric at all.
   */
  rollups(property: string, dimension: string, from: string, to: string, wanted?: readonly number[]): Promise<ValueMetrics[]>;
  /** Σ of the given custom metrics per value. */
  customRollups(property: string, dimension: string, from: string, to: string, metrics: string[]): Promise<{ value: string; metric: string; amount: number }[]>;
  /**
   * Distinct users per value of `dimension` ('' = none: one entry '') and over all values.
   * With `values`, `byValue` needs only those (a source may still list more).
   */
  users(property: string, dimension: string, from: string, to: string, values?: readonly string[]): Promise<{ byValue: Map<string, number>; total: number }>;
  /** Per day, the totals row (dimension ''). */
  dailyTotals(property: string, from: string, to: string): Promise<{ period: string; metrics: number[] }[]>;
  dailyCustomTotals(property: string, from: string, to: string, metrics: string[]): Promise<{ period: string; metric: string; amount: number }[]>;
  dailyUsers(property: string, from: string, to: string): Promise<Map<string, number>>;
  /** Per local hour ('YYYY-MM-DDTHH') of the days [from, to]. */
  hourlyTotals(property: string, from: string, to: string): Promise<{ period: string; metrics: number[] }[]>;
  /** Distinct clients per session start hour. */
  hourlyUsers(property: string, from: string, to: string): Promise<Map<string, number>>;
  /** Activity rows of minutes [fromMinute, toMinute]. */
  realtime(property: string, fromMinute: number, toMinute: number): Promise<RealtimeActivity[]>;
  sessions(property: string, from: string, to: string, filters: Record<string, string>, limit: number, offset: number): Promise<StoredSession[]>;
  /**
   * One page of a rollup report sorted by the store, so a dimension with tens of thousands
   * of values (page paths, referral paths) is not read whole into the process. Optional:
   * a source without it, or answering undefined (a sort key it cannot compute), has the
   * report read every value (`rollups`) and sort here; both give the same page (the
   * contract compares them).
   */
  rollupPage?(request: RollupPageRequest): Promise<RollupPage | undefined>;
}

/**
 * What a report is sorted by, as a store can compute it: a base metric, or a ratio of
 * base metrics (positions in BASE_METRICS), in report units (see `derive`).
 */
export type SortKey = { metric: number } | { over: number; under: readonly number[]; minus: readonly number[]; percent: boolean } | { users: true };

export interface RollupPageRequest {
  property: string;
  dimension: string;
  from: string;
  to: string;
  /** Positions in BASE_METRICS to sum for the page's rows and the totals. */
  wanted: readonly number[];
  sortKey: SortKey;
  direction: 'asc' | 'desc';
  limit: number;
  offset: number;
  /** Only these values are rows (and counted); the totals stay over every value. */
  values?: readonly string[];
}

export interface RollupPage {
  /** In report order: by the sort key, ties by value (code unit order). Other positions than `wanted` may be 0. */
  rows: ValueMetrics[];
  /** With a users sort key: the users of each row's value, and of all values. */
  users?: { byValue: Map<string, number>; total: number };
  /** The values with a metric other than 0 in the range: the report's rows before limit/offset. */
  rowCount: number;
  /** Σ of the wanted metrics over every value, in BASE_METRICS order. */
  totals: number[];
}

// ---- metrics ---------------------------------------------------------------------

/**
 * A derived metric as data: `over / (Σ under − Σ minus)` in report units, times 100 for a
 * percentage, 0 when the denominator is 0 (§6 formulas). As data, the same formula is
 * computed here and, for a store-side sort, by the store (see `SortKey`).
 */
interface Ratio {
  over: BaseMetric | 'users';
  under: readonly (BaseMetric | 'users')[];
  minus?: readonly BaseMetric[];
  percent?: true;
}

const DERIVED_METRICS = {
  bounceRate: { over: 'bounces', under: ['sessions'], percent: true },
  avgSessionDuration: { over: 'sessionDuration', under: ['sessions'] },
  pageviewsPerSession: { over: 'pageviews', under: ['sessions'] },
  percentNewSessions: { over: 'newUsers', under: ['sessions'], percent: true },
  exitRate: { over: 'exits', under: ['pageviews', 'screenviews'], percent: true },
  entranceRate: { over: 'entrances', under: ['pageviews', 'screenviews'], percent: true },
  // timeOnPage / (pageviews − exits); 0 when undefined (an exit-only page, M-2).
  avgTimeOnPage: { over: 'timeOnPage', under: ['pageviews', 'screenviews'], minus: ['exits'] },
  ecommerceConversionRate: { over: 'transactions', under: ['sessions'], percent: true },
  avgOrderValue: { over: 'transactionRevenue', under: ['transactions'] },
  revenuePerSession: { over: 'transactionRevenue', under: ['sessions'] },
  sessionsPerUser: { over: 'sessions', under: ['users'] },
  eventsPerSessionWithEvent: { over: 'totalEvents', under: ['sessionsWithEvent'] },
  avgEventValue: { over: 'eventValue', under: ['totalEvents'] },
  avgPrice: { over: 'itemRevenue', under: ['itemQuantity'] },
  avgQuantity: { over: 'itemQuantity', under: ['uniquePurchases'] },
} as const satisfies Record<string, Ratio>;
type DerivedMetric = keyof typeof DERIVED_METRICS;

export const DERIVED_METRIC_NAMES = Object.keys(DERIVED_METRICS) as DerivedMetric[];
export const METRIC_NAMES: readonly string[] = [...BASE_METRICS, 'users', ...DERIVED_METRIC_NAMES];

/** The base metrics (and 'users') a derived metric reads. */
const inputsOf = (ratio: Ratio): readonly (BaseMetric | 'users')[] => [ratio.over, ...ratio.under, ...(ratio.minus ?? [])];

/** A derived metric from base values in report units. */
function derive(metric: DerivedMetric, v: Record<string, number>): number {
  const ratio: Ratio = DERIVED_METRICS[metric];
  // Left to right, as a store computing the same formula does. No closure here: it runs
  // for every row of a report, and tsx wraps each closure it creates (keepNames).
  let denominator = 0;
  for (const name of ratio.under) denominator += v[name] ?? 0;
  if (ratio.minus !== undefined) for (const name of ratio.minus) denominator -= v[name] ?? 0;
  const quotient = denominator === 0 ? 0 : (v[ratio.over] ?? 0) / denominator;
  return ratio.percent ? 100 * quotient : quotient;
}

/** Stored units → report units. */
function reportValue(metric: BaseMetric, stored: number): number {
  const per = storedPerReportUnit(metric);
  return per === 1 ? stored : stored / per;
}

const isDerived = (name: string): name is DerivedMetric => Object.hasOwn(DERIVED_METRICS, name);
const isBase = (name: string): name is BaseMetric => Object.hasOwn(M, name);

/** The sort key of a metric a store may compute; undefined for custom metrics and ratios over users. */
export function sortKeyOf(metric: string): SortKey | undefined {
  if (metric === 'users') return { users: true };
  if (isBase(metric)) return { metric: M[metric] };
  if (!isDerived(metric)) return undefined;
  const ratio: Ratio = DERIVED_METRICS[metric];
  if (!inputsOf(ratio).every(isBase)) return undefined;
  const at = (name: BaseMetric | 'users'): number => M[name as BaseMetric];
  return { over: at(ratio.over), under: ratio.under.map(at), minus: (ratio.minus ?? []).map(at), percent: ratio.percent === true };
}
const isCustomMetric = (name: string): boolean => {
  const m = CUSTOM_METRIC.exec(name);
  return m !== null && Number(m[1]) <= 200;
};

// ---- requests ----------------------------------------------------------------------

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day YYYY-MM-DD');
const metricName = z.string().refine((m) => METRIC_NAMES.includes(m) || isCustomMetric(m), { message: 'must be a known metric (see METRIC_NAMES) or cm<N>' });
const dimensionName = z.string().refine((d) => STANDARD_DIMENSIONS.includes(d) || isCustomDimension(d), { message: 'must be a known dimension or cd<N>' });
const range = { property: z.string().min(1, 'must not be empty'), from: day, to: day };

export const reportRequestSchema = z
  .object({
    ...range,
    dimension: dimensionName.optional(),
    metrics: z.array(metricName).min(1, 'must name at least one metric'),
    limit: z.number().int().min(1).max(100_000).optional(),
    offset: z.number().int().min(0).optional(),
    orderBy: z.object({ metric: metricName, direction: z.enum(['asc', 'desc']) }).optional(),
    /** Only these values of the dimension are rows (a compare range's rows for another range's page); totals stay over all. */
    values: z.array(z.string()).max(100_000).optional(),
  })
  .refine((r) => r.from <= r.to, { message: 'from: must not be after to', path: ['from'] })
  .refine((r) => r.values === undefined || r.dimension !== undefined, { message: 'values: needs a dimension', path: ['values'] });

export const timeseriesRequestSchema = z
  .object({ ...range, interval: z.enum(['day', 'hour']), metrics: z.array(metricName).min(1, 'must name at least one metric') })
  .refine((r) => r.from <= r.to, { message: 'from: must not be after to', path: ['from'] })
  .refine((r) => r.interval === 'day' || !r.metrics.some(isCustomMetric), { message: 'metrics: custom metrics have daily rollups only', path: ['metrics'] });

export const realtimeRequestSchema = z.object({ property: z.string().min(1, 'must not be empty'), now: z.number().int('must be epoch milliseconds') });

export const sessionsRequestSchema = z
  .object({
    ...range,
    filters: z.record(dimensionName, z.string()).optional(),
    limit: z.number().int().min(1).max(10_000).optional(),
    offset: z.number().int().min(0).optional(),
  })
  .refine((r) => r.from <= r.to, { message: 'from: must not be after to', path: ['from'] });

export type ReportRequest = z.input<typeof reportRequestSchema>;
export type TimeseriesRequest = z.input<typeof timeseriesRequestSchema>;
export type RealtimeRequest = z.input<typeof realtimeRequestSchema>;
export type SessionsRequest = z.input<typeof sessionsRequestSchema>;

export interface ReportRow {
  dimension?: string;
  metrics: Record<string, number>;
}
export interface Report {
  rows: ReportRow[];
  /** Rows before limit/offset. */
  rowCount: number;
  totals: Record<string, number>;
}
export interface Timeseries {
  points: { period: string; metrics: Record<string, number> }[];
  totals: Record<string, number>;
}
export interface RealtimeBreakdown {
  users: number;
  pages: { value: string; users: number }[];
  sources: { value: string; users: number }[];
  countries: { value: string; users: number }[];
  devices: { value: string; users: number }[];
}
export interface Realtime {
  activeUsers5: number;
  activeUsers30: number;
  /** The last 30 minutes, oldest first: distinct active clients and page views per minute. */
  perMinute: { minute: string; users: number; pageviews: number }[];
  last5: RealtimeBreakdown;
  last30: RealtimeBreakdown;
}
export interface SessionSummary {
  id: string;
  client: string;
  number: number;
  day: string;
  startedAt: number;
  lastHitAt: number;
  dimensions: Record<string, string>;
  metrics: Record<string, number>;
}

export interface AnalyticsQueries {
  report(request: ReportRequest): Promise<Report>;
  timeseries(request: TimeseriesRequest): Promise<Timeseries>;
  realtime(request: RealtimeRequest): Promise<Realtime>;
  sessions(request: SessionsRequest): Promise<SessionSummary[]>;
}

// ---- assembly ----------------------------------------------------------------------

/** The base metrics (and 'users') the requested metrics need. */
/** Positions in BASE_METRICS of the stored metrics that `metrics` (base, derived; users and cm<N> aside) are computed from. */
export function basePositionsOf(metrics: readonly string[]): number[] {
  return [...basesOf(metrics).base].flatMap((m) => (m in M ? [M[m as BaseMetric]] : []));
}

function basesOf(metrics: readonly string[]): { base: Set<string>; custom: string[] } {
  const base = new Set<string>();
  const custom: string[] = [];
  for (const m of metrics) {
    if (isCustomMetric(m)) custom.push(m);
    else if (isDerived(m)) for (const b of inputsOf(DERIVED_METRICS[m])) base.add(b);
    else base.add(m);
  }
  return { base, custom };
}

const ALL_POSITIONS: readonly number[] = BASE_METRICS.map((_, i) => i);

/** Report-unit values of the base metrics at `positions` (default: all), the custom ones and users. */
function valuesOf(stored: readonly number[] | undefined, custom: Record<string, number> | undefined, users: number | undefined, positions: readonly number[] = ALL_POSITIONS): Record<string, number> {
  const v: Record<string, number> = {};
  for (const i of positions) v[BASE_METRICS[i]!] = reportValue(BASE_METRICS[i]!, stored?.[i] ?? 0);
  if (custom !== undefined) for (const key in custom) v[key] = custom[key]! / 1_000_000;
  v['users'] = users ?? 0;
  return v;
}

function pick(metrics: readonly string[], v: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of metrics) out[m] = isDerived(m) ? derive(m, v) : (v[m] ?? 0);
  return out;
}

const addStored = (target: number[], source: readonly number[]): void => {
  for (let i = 0; i < METRIC_COUNT; i++) target[i] = (target[i] ?? 0) + (source[i] ?? 0);
};
const copyStored = (source: readonly number[]): number[] => {
  const copy = new Array<number>(METRIC_COUNT);
  for (let i = 0; i < METRIC_COUNT; i++) copy[i] = source[i] ?? 0;
  return copy;
};
const EMPTY_STORED: readonly number[] = zeroVector();



function top(rows: Map<string, RealtimeActivity>, field: 'page' | 'source' | 'country' | 'device', n = 10): { value: string; users: number }[] {
  const counts = new Map<string, number>();
  for (const row of rows.values()) counts.set(row[field], (counts.get(row[field]) ?? 0) + 1);
  return [...counts]
    .map(([value, users]) => ({ value, users }))
    .sort((a, b) => b.users - a.users || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
    .slice(0, n);
}

function breakdown(rows: readonly RealtimeActivity[], fromMinute: number): RealtimeBreakdown {
  // Each client counts once, under its latest activity in the window.
  const latest = new Map<string, RealtimeActivity>();
  for (const row of rows) {
    if (row.minute < fromMinute) continue;
    const seen = latest.get(row.client);
    if (seen === undefined || seen.minute <= row.minute) latest.set(row.client, row);
  }
  return { users: latest.size, pages: top(latest, 'page'), sources: top(latest, 'source'), countries: top(latest, 'country'), devices: top(latest, 'device') };
}

export function createAnalyticsQueriesFrom(source: AnalyticsReadSource): AnalyticsQueries {
  return {
    async report(input) {
      const request = reportRequestSchema.parse(input);
      const dimension = request.dimension ?? '';
      const { base, custom } = basesOf([...request.metrics, ...(request.orderBy ? [request.orderBy.metric] : [])]);
      const wanted = basePositionsOf([...base]);
      const order = request.orderBy ?? { metric: request.metrics[0]!, direction: 'desc' as const };
      const offset = request.offset ?? 0;
      const limit = request.limit ?? 1000;

      const sortKey = request.dimension !== undefined && custom.length === 0 ? sortKeyOf(order.metric) : undefined;
      const cut =
        sortKey === undefined || source.rollupPage === undefined
          ? undefined
          : await source.rollupPage({
              property: request.property,
              dimension,
              from: request.from,
              to: request.to,
              wanted,
              sortKey,
              direction: order.direction,
              limit,
              offset,
              ...(request.values === undefined ? {} : { values: request.values }),
            });
      if (cut !== undefined) {
        const pageUsers = !base.has('users')
          ? undefined
          : (cut.users ??
            (await source.users(
              request.property,
              dimension,
              request.from,
              request.to,
              cut.rows.map((row) => row.value),
            )));
        return {
          rows: cut.rows.map((row) => ({ dimension: row.value, metrics: pick(request.metrics, valuesOf(row.metrics, undefined, pageUsers?.byValue.get(row.value), wanted)) })),
          rowCount: cut.rowCount,
          totals: pick(request.metrics, valuesOf(cut.totals, {}, pageUsers?.total)),
        };
      }

      const rollups = await source.rollups(request.property, dimension, request.from, request.to, wanted);
      const customRows = custom.length === 0 ? [] : await source.customRollups(request.property, dimension, request.from, request.to, custom);
      const users = base.has('users') ? await source.users(request.property, dimension, request.from, request.to) : undefined;

      // Per value, its sums. A value's first row is kept as it is (ad hoc aggregates have
      // one row per value); only a value met again gets a copy to add into.
      const byValue = new Map<string, { stored: readonly number[]; owned: boolean; custom: Record<string, number> | undefined }>();
      for (const row of rollups) {
        if (!(row.nonzero ?? row.metrics.some((x) => x !== 0))) continue;
        const found = byValue.get(row.value);
        if (found === undefined) byValue.set(row.value, { stored: row.metrics, owned: false, custom: undefined });
        else {
          if (!found.owned) found.stored = copyStored(found.stored);
          found.owned = true;
          addStored(found.stored as number[], row.metrics);
        }
      }
      for (const row of customRows) {
        if (row.amount === 0) continue;
        let found = byValue.get(row.value);
        if (found === undefined) byValue.set(row.value, (found = { stored: EMPTY_STORED, owned: false, custom: undefined }));
        const custom = (found.custom ??= {});
        custom[row.metric] = (custom[row.metric] ?? 0) + row.amount;
      }
      // Without a dimension there is always one row (the totals), even over an empty range.
      if (dimension === '' && !byValue.has('')) byValue.set('', { stored: EMPTY_STORED, owned: false, custom: undefined });

      const totalStored = new Array<number>(METRIC_COUNT).fill(0);
      const totalCustom: Record<string, number> = {};
      const only = request.values === undefined ? undefined : new Set(request.values);
      // The sort value of every row, read through one scratch object (tens of thousands of
      // rows: no object per row); full metric values only for the rows of the page.
      const keyPositions = basePositionsOf([order.metric]);
      const scratch: Record<string, number> = {};
      const orderMetric = order.metric;
      const orderCustom = isCustomMetric(orderMetric);
      const orderDerived = isDerived(orderMetric) ? orderMetric : undefined;
      const keyOf = (stored: readonly number[], custom: Record<string, number> | undefined, value: string): number => {
        if (orderCustom) return (custom?.[orderMetric] ?? 0) / 1_000_000;
        for (const i of keyPositions) scratch[BASE_METRICS[i]!] = reportValue(BASE_METRICS[i]!, stored[i] ?? 0);
        scratch['users'] = users?.byValue.get(value) ?? 0;
        return orderDerived !== undefined ? derive(orderDerived, scratch) : (scratch[orderMetric] ?? 0);
      };
      const sign = order.direction === 'asc' ? 1 : -1;
      const best = createTopRows(offset + limit, sign);
      let rowCount = 0;
      for (const [value, e] of byValue) {
        addStored(totalStored, e.stored);
        if (e.custom !== undefined) for (const key in e.custom) totalCustom[key] = (totalCustom[key] ?? 0) + e.custom[key]!;
        if (only !== undefined && !only.has(value)) continue;
        rowCount += 1;
        best.offer(value, keyOf(e.stored, e.custom, value));
      }
      const page = best.inOrder().slice(offset, offset + limit);
      const totals = pick(request.metrics, valuesOf(totalStored, totalCustom, users?.total));
      return {
        rows: page.map((value) => {
          const e = byValue.get(value)!;
          const metrics = pick(request.metrics, valuesOf(e.stored, e.custom, users?.byValue.get(value), wanted));
          return request.dimension === undefined ? { metrics } : { dimension: value, metrics };
        }),
        rowCount,
        totals,
      };
    },

    async timeseries(input) {
      const request = timeseriesRequestSchema.parse(input);
      const { base, custom } = basesOf(request.metrics);
      const wantUsers = base.has('users');
      const days = daysBetween(request.from, request.to);
      const periods = request.interval === 'day' ? days : days.flatMap((d) => Array.from({ length: 24 }, (_, h) => `${d}T${String(h).padStart(2, '0')}`));
      const stored = request.interval === 'day' ? await source.dailyTotals(request.property, request.from, request.to) : await source.hourlyTotals(request.property, request.from, request.to);
      const customRows = custom.length === 0 ? [] : await source.dailyCustomTotals(request.property, request.from, request.to, custom);
      const users = !wantUsers
        ? new Map<string, number>()
        : request.interval === 'day'
          ? await source.dailyUsers(request.property, request.from, request.to)
          : await source.hourlyUsers(request.property, request.from, request.to);
      const totalUsers = wantUsers ? (await source.users(request.property, '', request.from, request.to)).total : 0;

      const byPeriod = new Map(stored.map((row) => [row.period, row.metrics]));
      const customByPeriod = new Map<string, Record<string, number>>();
      for (const row of customRows) {
        const c = customByPeriod.get(row.period) ?? {};
        c[row.metric] = (c[row.metric] ?? 0) + row.amount;
        customByPeriod.set(row.period, c);
      }
      const totalStored = new Array<number>(METRIC_COUNT).fill(0);
      const totalCustom: Record<string, number> = {};
      const points = periods.map((period) => {
        const s = byPeriod.get(period);
        if (s !== undefined) addStored(totalStored, s);
        const c = customByPeriod.get(period);
        if (c !== undefined) for (const key in c) totalCustom[key] = (totalCustom[key] ?? 0) + c[key]!;
        return { period, metrics: pick(request.metrics, valuesOf(s, c, users.get(period))) };
      });
      return { points, totals: pick(request.metrics, valuesOf(totalStored, totalCustom, totalUsers)) };
    },

    async realtime(input) {
      const request = realtimeRequestSchema.parse(input);
      const nowMinute = Math.floor(request.now / 60_000);
      const rows = await source.realtime(request.property, nowMinute - 29, nowMinute);
      const clientsByMinute = new Map<number, Set<string>>();
      const pageviewsByMinute = new Map<number, number>();
      for (const row of rows) {
        let clients = clientsByMinute.get(row.minute);
        if (clients === undefined) clientsByMinute.set(row.minute, (clients = new Set()));
        clients.add(row.client);
        pageviewsByMinute.set(row.minute, (pageviewsByMinute.get(row.minute) ?? 0) + row.pageviews);
      }
      const perMinute = Array.from({ length: 30 }, (_, i) => {
        const minute = nowMinute - 29 + i;
        return { minute: new Date(minute * 60_000).toISOString(), users: clientsByMinute.get(minute)?.size ?? 0, pageviews: pageviewsByMinute.get(minute) ?? 0 };
      });
      const last5 = breakdown(rows, nowMinute - 4);
      const last30 = breakdown(rows, nowMinute - 29);
      return { activeUsers5: last5.users, activeUsers30: last30.users, perMinute, last5, last30 };
    },

    async sessions(input) {
      const request = sessionsRequestSchema.parse(input);
      const found = await source.sessions(request.property, request.from, request.to, request.filters ?? {}, request.limit ?? 100, request.offset ?? 0);
      return found.map((s) => {
        const v = valuesOf(s.totals, s.custom, undefined);
        const metrics: Record<string, number> = {};
        for (const m of BASE_METRICS) if (v[m] !== 0) metrics[m] = v[m]!;
        for (const key in s.custom) metrics[key] = v[key]!;
        return { id: s.id, client: s.client, number: s.number, day: s.day, startedAt: s.startedAt, lastHitAt: s.lastHitAt, dimensions: { ...s.dims }, metrics };
      });
    },
  };
}

/** The read source of one stored version of the analytics projection, for the store's kind. */
export function createAnalyticsSource(store: ReadStore, version: number): AnalyticsReadSource {
  if (store.kind === 'embedded') return createEmbeddedReadSource(store, 'analytics', version);
  // MongoDB: the same queries over aggregation pipelines (projections/mongodb/analytics-source.ts).
  return createMongoReadSource(store, 'analytics', version);
}

/** The queries of one stored version of the analytics projection (see the registry's active version). */
export function createAnalyticsQueries(store: ReadStore, version: number): AnalyticsQueries {
  return createAnalyticsQueriesFrom(createAnalyticsSource(store, version));
}
