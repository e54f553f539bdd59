// The ad hoc read port of the analytics read model: what the stats query needs beyond the
// rollup reports (queries.ts), on either store. The embedded store answers in SQL and from
// session columns (adhoc-embedded.ts); MongoDB reads the range's session documents and
// evaluates them here, in JS (projections/mongodb/adhoc-source.ts). Both follow the rules
// written down once in this file's evaluation of one session document:
//
// - a session-level dimension's value: the session dimensions, the session's day and start
//   hour and the week / month / weekday of its day, session-scoped cd<N> (absent: the
//   session is not reported under that dimension, negated or not);
// - a condition on a hit dimension (or a hit-scoped cd<N>) looks at the values the
//   session's hits had: a positive one holds when one of them matches, a negative one when
//   none matches its positive form (`is_not /a`: the session never viewed /a).
//
// Dimension names are the analytics ones ('cd3', not 'customDimension3').
import { conditionHolds, type DimensionCondition, type DimensionFilter } from './adhoc-filter.ts';
import { isDayDimension, timeValueOf, type DayDimension } from './calendar.ts';
import { CUSTOM_METRIC, isCustomDimension, isHitDimension, isSessionDimension, NOT_SET, SESSION_DIMENSIONS } from './dimensions.ts';
import { BASE_METRICS, M, METRIC_COUNT, zeroVector, type BaseMetric } from './metrics.ts';
import type { SessionDoc } from './model.ts';
import type { PropertyInfo } from './property-info.ts';

export interface SessionAggregateRequest {
  property: string;
  from: string;
  to: string;
  /** Session-level dimensions (see isSessionLevel); [] for one total row. */
  dimensions: string[];
  filter?: DimensionFilter | undefined;
  /** cm<N> names to sum. */
  customMetrics: string[];
  /** Positions in BASE_METRICS to sum (default all); the others are left 0 in `stored`. */
  metrics?: readonly number[];
  /** cd<N> names that are hit-scoped for this property (conditions on them look at the hits). */
  hitScoped?: ReadonlySet<string>;
}

export interface SessionAggregateRow {
  values: string[];
  /** Σ base metrics in stored units, BASE_METRICS order. */
  stored: number[];
  custom: Record<string, number>;
  users: number;
  /** Whether any base metric is nonzero (every session has processed hits, so: the hits it summed). */
  nonzero: boolean;
}

export interface SessionScanRequest {
  property: string;
  from: string;
  to: string;
  filter?: DimensionFilter | undefined;
  hitScoped?: ReadonlySet<string>;
}

/** Conditions on a session's own metrics (stored units), for the session list. */
export interface SessionMetricCondition {
  metric: BaseMetric;
  op: 'gt' | 'lt' | 'gte' | 'lte' | 'eq';
  /** In stored units (ms, millionths). */
  value: number;
}

/** What the session list can be ordered by (the list's fields). */
export const SESSION_SORT_KEYS = ['start', 'landing_page', 'exit_page', 'source_medium', 'source', 'medium', 'channel', 'country', 'device_category', 'browser', 'pageviews', 'hits', 'duration', 'transactions', 'revenue'] as const;
export type SessionSortKey = (typeof SESSION_SORT_KEYS)[number];

export interface SessionListRequest extends SessionScanRequest {
  metricConditions?: SessionMetricCondition[];
  /** Default: newest first. Ties keep a stable order by session id. */
  orderBy?: { key: SessionSortKey; direction: 'asc' | 'desc' };
  limit: number;
  offset: number;
}

export interface AdhocSource {
  /** The property as the projection knows it (time zone, custom dimension scopes); undefined before its events were seen. */
  propertyInfo(property: string): Promise<PropertyInfo | undefined>;
  /** The first day with data; undefined when there is none. */
  firstDay(property: string): Promise<string | undefined>;
  /** Σ over the session documents grouped by session-level dimensions, with exact users per group and in total. */
  aggregateSessions(request: SessionAggregateRequest): Promise<{ rows: SessionAggregateRow[]; users: number }>;
  countSessions(request: SessionScanRequest): Promise<number>;
  /** The documents, in (day, id) order; lazily. */
  scanSessions(request: SessionScanRequest): AsyncIterable<SessionDoc>;
  /**
   * Distinct users over the given values of one dimension: a standard or cd<N> dimension
   * (users as the rollup reports count them per value) or a time dimension.
   */
  usersOfValues(property: string, from: string, to: string, dimension: string, values: readonly string[]): Promise<number>;
  /** Distinct users per value of a calendar dimension of the day (date, week, month, dayOfWeek). */
  usersByDay(property: string, from: string, to: string, dimension: DayDimension): Promise<Map<string, number>>;
  /** Newest first. */
  listSessions(request: SessionListRequest): Promise<{ total: number; sessions: SessionDoc[] }>;
  /** Prepares the range for ad hoc aggregates in the background, where the store keeps something to prepare (the embedded store's session columns). */
  warm?(property: string, from: string, to: string): void;
  /** Lets go of what the source runs beside its store (the warm-up thread). */
  close?(): void;
}

// ---- one session document, evaluated ------------------------------------------------

const SESSION_INDEX = new Map<string, number>(SESSION_DIMENSIONS.map((name, i) => [name, i]));

/** Whether a session document has one value of the dimension. */
export const isSessionLevel = (dimension: string): boolean => isSessionDimension(dimension) || dimension === 'hour' || isDayDimension(dimension) || isCustomDimension(dimension);

/** The session's value of a session-level dimension; undefined for a cd<N> it never had. */
export function sessionLevelValue(doc: SessionDoc, dimension: string): string | undefined {
  const index = SESSION_INDEX.get(dimension);
  if (index !== undefined) return doc.dims[index] ?? NOT_SET;
  if (dimension === 'hour') return doc.hour;
  if (isDayDimension(dimension)) return timeValueOf(dimension, doc.day, doc.hour);
  if (isCustomDimension(dimension)) return doc.cds[dimension];
  throw new Error(`dimensions: "${dimension}" is not a session-level dimension`);
}

const NEGATED = { is_not: 'is', not_contains: 'contains' } as const;

function conditionPasses(condition: DimensionCondition, doc: SessionDoc, hitScoped: ReadonlySet<string>): boolean {
  const { dimension } = condition;
  if (isHitDimension(dimension) || (isCustomDimension(dimension) && hitScoped.has(dimension))) {
    const positiveOp = condition.op === 'is_not' || condition.op === 'not_contains' ? NEGATED[condition.op] : undefined;
    const positive = positiveOp === undefined ? condition : { ...condition, op: positiveOp };
    // Loops, not closures: this runs per session (tsx wraps every closure it creates).
    let found = false;
    for (const value of doc.hitValues[dimension] ?? []) if ((found = conditionHolds(positive, value))) break;
    return positiveOp === undefined ? found : !found;
  }
  const value = sessionLevelValue(doc, dimension);
  return value !== undefined && conditionHolds(condition, value);
}

/** Whether the session passes a session-level filter (hit dimensions: see the file's header). */
export function sessionPasses(filter: DimensionFilter | undefined, doc: SessionDoc, hitScoped: ReadonlySet<string> = new Set()): boolean {
  if (filter === undefined) return true;
  if ('condition' in filter) return conditionPasses(filter.condition, doc, hitScoped);
  if ('and' in filter) {
    for (const f of filter.and) if (!sessionPasses(f, doc, hitScoped)) return false;
    return true;
  }
  if ('or' in filter) {
    for (const f of filter.or) if (sessionPasses(f, doc, hitScoped)) return true;
    return false;
  }
  return !sessionPasses(filter.not, doc, hitScoped);
}

/** The base metric positions an aggregate sums: those asked for, and hits (which tells a group with sessions from none). */
export function aggregatePositions(metrics: readonly number[] | undefined): number[] {
  return [...new Set([...(metrics ?? BASE_METRICS.map((_, i) => i)), M.hits])].filter((i) => Number.isInteger(i) && i >= 0 && i < METRIC_COUNT).sort((a, b) => a - b);
}

export function checkAggregateRequest(request: SessionAggregateRequest): void {
  for (const d of request.dimensions) if (!isSessionLevel(d)) throw new Error(`dimensions: "${d}" is not a session-level dimension`);
  for (const m of request.customMetrics) if (!CUSTOM_METRIC.test(m)) throw new Error(`metrics: "${m}" is not a custom metric`);
}

interface Group {
  values: string[];
  stored: number[];
  custom: Record<string, number>;
  clients: Set<string>;
}

/**
 * Sums session documents into the groups of an aggregate request, as the embedded SQL
 * does: sessions without a value of a requested cd<N> are left out, every base metric
 * asked for is summed in stored units, users are distinct clients.
 */
export function createSessionAggregator(request: SessionAggregateRequest): { add(doc: SessionDoc): void; result(): { rows: SessionAggregateRow[]; users: number } } {
  checkAggregateRequest(request);
  const positions = aggregatePositions(request.metrics);
  const hitScoped = request.hitScoped ?? new Set<string>();
  const groups = new Map<string, Group>();
  const clients = new Set<string>();
  return {
    add(doc) {
      if (doc.property !== request.property || doc.day < request.from || doc.day > request.to) return;
      const values: string[] = [];
      for (const d of request.dimensions) {
        const value = sessionLevelValue(doc, d);
        if (value === undefined) return;
        values.push(value);
      }
      if (!sessionPasses(request.filter, doc, hitScoped)) return;
      const key = JSON.stringify(values);
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = { values, stored: zeroVector(), custom: {}, clients: new Set() }));
      for (const i of positions) group.stored[i] = group.stored[i]! + (doc.totals[i] ?? 0);
      for (const m of request.customMetrics) {
        const amount = doc.custom[m];
        if (amount !== undefined) group.custom[m] = (group.custom[m] ?? 0) + amount;
      }
      group.clients.add(doc.client);
      clients.add(doc.client);
    },
    result() {
      const rows: SessionAggregateRow[] = [];
      for (const group of groups.values()) {
        const custom: Record<string, number> = {};
        for (const m of request.customMetrics) if ((group.custom[m] ?? 0) !== 0) custom[m] = group.custom[m]!;
        rows.push({ values: group.values, stored: group.stored, custom, users: group.clients.size, nonzero: group.stored.some((x) => x !== 0) });
      }
      return { rows, users: clients.size };
    },
  };
}

const METRIC_TESTS: Readonly<Record<SessionMetricCondition['op'], (a: number, b: number) => boolean>> = {
  gt: (a, b) => a > b,
  lt: (a, b) => a < b,
  gte: (a, b) => a >= b,
  lte: (a, b) => a <= b,
  eq: (a, b) => a === b,
};

/** Whether the session's own metrics meet every condition. */
export function sessionMeetsMetrics(doc: SessionDoc, conditions: readonly SessionMetricCondition[] = []): boolean {
  for (const condition of conditions) {
    const index = BASE_METRICS.indexOf(condition.metric);
    if (index === -1) throw new Error(`filters: "${condition.metric}" is not a base metric`);
    if (!METRIC_TESTS[condition.op](doc.totals[index] ?? 0, condition.value)) return false;
  }
  return true;
}

/** What each sort key of the session list orders by. */
const SORT_VALUE: Readonly<Record<SessionSortKey, (doc: SessionDoc) => string | number>> = {
  start: (doc) => doc.startedAt,
  landing_page: (doc) => sessionLevelValue(doc, 'landingPage')!,
  exit_page: (doc) => sessionLevelValue(doc, 'exitPage')!,
  source_medium: (doc) => sessionLevelValue(doc, 'sourceMedium')!,
  source: (doc) => sessionLevelValue(doc, 'source')!,
  medium: (doc) => sessionLevelValue(doc, 'medium')!,
  channel: (doc) => sessionLevelValue(doc, 'channel')!,
  country: (doc) => sessionLevelValue(doc, 'country')!,
  device_category: (doc) => sessionLevelValue(doc, 'deviceCategory')!,
  browser: (doc) => sessionLevelValue(doc, 'browser')!,
  pageviews: (doc) => doc.totals[M.pageviews] ?? 0,
  hits: (doc) => doc.hits,
  duration: (doc) => doc.totals[M.sessionDuration] ?? 0,
  transactions: (doc) => doc.totals[M.transactions] ?? 0,
  revenue: (doc) => doc.totals[M.transactionRevenue] ?? 0,
};

const compareValues = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);

/** The session list's order: the key in its direction, then the session id ascending. */
export function sessionListOrder(orderBy: SessionListRequest['orderBy']): (a: SessionDoc, b: SessionDoc) => number {
  const order = orderBy ?? { key: 'start', direction: 'desc' };
  const valueOf = SORT_VALUE[order.key];
  const sign = order.direction === 'asc' ? 1 : -1;
  return (a, b) => sign * compareValues(valueOf(a), valueOf(b)) || compareValues(a.id, b.id);
}
