// The additive metrics the analytics read models store, in a fixed order: a metric
// vector is a plain number array indexed by these positions, so adding two vectors
// is a loop, not a map merge. Stored units keep sums exact and order-independent
// (integers only): durations in milliseconds, money and event values in millionths.
// The queries convert to report units (seconds, currency units).

export const BASE_METRICS = [
  'sessions', // sessions with at least one interaction hit (S-7)
  'newUsers', // sessions that are the client's new-user session, counted with sessions
  'bounces', // sessions with exactly one interaction hit
  'sessionDuration', // ms: last − first interaction hit
  'hits', // processed hits
  'pageviews',
  'screenviews',
  'uniquePageviews', // first view of a path + title in the session
  'entrances', // first page/screen view of the session
  'exits', // last page/screen view of the session (moves with each view)
  'timeOnPage', // ms, BigQuery cookbook rule (docs/events.md)
  'totalEvents',
  'uniqueEvents', // first category/action/label combination in the session
  'eventValue', // millionths
  'sessionsWithEvent', // sessions with at least one event hit (per event dimension value: with that value)
  'transactions', // classic transaction hits + enhanced-ecommerce purchases
  'transactionRevenue', // millionths, `tr` verbatim
  'transactionTax', // millionths
  'transactionShipping', // millionths
  'itemQuantity', // purchased quantity (classic items + EE purchase products)
  'itemRevenue', // millionths, Σ price × quantity
  'uniquePurchases', // purchased product lines
  'refunds', // EE refund hits
  'refundAmount', // millionths, the refund's revenue
  'quantityRefunded', // refunded product quantity (product dimensions and totals)
  'socialInteractions',
  'exceptions',
] as const;

export type BaseMetric = (typeof BASE_METRICS)[number];
export const METRIC_COUNT = BASE_METRICS.length;

/** Position of each base metric in a vector. */
export const M = Object.fromEntries(BASE_METRICS.map((name, index) => [name, index])) as { readonly [K in BaseMetric]: number };

/** Stored in millionths of a currency unit (or of an event value). */
export const MICRO_METRICS: ReadonlySet<BaseMetric> = new Set(['eventValue', 'transactionRevenue', 'transactionTax', 'transactionShipping', 'itemRevenue', 'refundAmount']);
/** Stored in milliseconds, reported in seconds. */
export const MILLISECOND_METRICS: ReadonlySet<BaseMetric> = new Set(['sessionDuration', 'timeOnPage']);
/** Stored units per report unit: a report value is the stored one divided by this. */
export const storedPerReportUnit = (metric: BaseMetric): 1 | 1000 | 1_000_000 => (MICRO_METRICS.has(metric) ? 1_000_000 : MILLISECOND_METRICS.has(metric) ? 1000 : 1);

/** The metrics that describe the session as a whole (attributed to the session's start hour and, for page dimensions, to its landing page). */
export const SESSION_METRICS: readonly number[] = [M.sessions, M.newUsers, M.bounces, M.sessionDuration];

export type Vector = number[];

export const zeroVector = (): Vector => new Array<number>(METRIC_COUNT).fill(0);

/** `target += sign × source` over the given positions (all when omitted). */
export function addInto(target: Vector, source: Vector, sign = 1, positions?: readonly number[]): void {
  if (positions === undefined) {
    for (let i = 0; i < METRIC_COUNT; i++) {
      const v = source[i]!;
      if (v !== 0) target[i] = target[i]! + sign * v;
    }
  } else {
    for (const i of positions) {
      const v = source[i]!;
      if (v !== 0) target[i] = target[i]! + sign * v;
    }
  }
}

export const isZero = (v: Vector): boolean => v.every((x) => x === 0);

/** Custom metrics cm<N>, by name ('cm3'), stored in millionths. */
export type CustomVector = Record<string, number>;

export function addCustomInto(target: CustomVector, source: CustomVector | undefined, sign = 1): void {
  if (source === undefined) return;
  for (const key in source) {
    const v = source[key]!;
    if (v !== 0) target[key] = (target[key] ?? 0) + sign * v;
  }
}

export const hasCustom = (c: CustomVector | undefined): c is CustomVector => c !== undefined && Object.keys(c).length > 0;

/** Money, event values and custom metric values → integer millionths (exact sums in any order). */
export const toMicros = (value: number): number => Math.round(value * 1_000_000);
