// The names the stats query accepts, and how they map onto the analytics read model:
// API `customDimensionN` / `customMetricN` are the model's `cdN` / `cmN`; rates are
// fractions in the API (the model's reports give percent: `toApiValue` converts, once).
import { isTimeDimension, TIME_DIMENSIONS } from '../../../projections/analytics/calendar.ts';
import { EVENT_DIMENSIONS, PAGE_DIMENSIONS, PRODUCT_DIMENSIONS, SESSION_DIMENSIONS, STANDARD_DIMENSIONS } from '../../../projections/analytics/dimensions.ts';
import { METRIC_NAMES } from '../../../projections/analytics/queries.ts';

export const MAX_CUSTOM_INDEX = 200;
const CUSTOM_METRIC = /^customMetric([1-9][0-9]{0,2})$/;
const CUSTOM_DIMENSION = /^customDimension([1-9][0-9]{0,2})$/;
const MODEL_CUSTOM_DIMENSION = /^cd([1-9][0-9]{0,2})$/;

const indexOf = (pattern: RegExp, name: string): number | undefined => {
  const m = pattern.exec(name);
  const index = m === null ? NaN : Number(m[1]);
  return index >= 1 && index <= MAX_CUSTOM_INDEX ? index : undefined;
};

/** Every metric name besides customMetric1..200. */
export const METRICS: readonly string[] = METRIC_NAMES;
export const isApiMetric = (name: string): boolean => METRICS.includes(name) || indexOf(CUSTOM_METRIC, name) !== undefined;
/** customMetric3 → cm3; other names are the same. */
export const modelMetric = (name: string): string => {
  const index = indexOf(CUSTOM_METRIC, name);
  return index === undefined ? name : `cm${index}`;
};
export const isCustomMetric = (name: string): boolean => indexOf(CUSTOM_METRIC, name) !== undefined;

/** The transaction id of transaction hits (and of the items and EE purchases carrying one). */
export const TRANSACTION_DIMENSION = 'transactionId';

/** Every dimension name besides customDimension1..200. */
export const DIMENSIONS: readonly string[] = [...TIME_DIMENSIONS, ...STANDARD_DIMENSIONS, TRANSACTION_DIMENSION];
export const isApiDimension = (name: string): boolean => DIMENSIONS.includes(name) || indexOf(CUSTOM_DIMENSION, name) !== undefined;
/** customDimension3 → cd3; other names are the same. */
export const modelDimension = (name: string): string => {
  const index = indexOf(CUSTOM_DIMENSION, name);
  return index === undefined ? name : `cd${index}`;
};
/** cd3 → customDimension3 (for messages and answers). */
export const apiDimension = (name: string): string => {
  const index = indexOf(MODEL_CUSTOM_DIMENSION, name);
  return index === undefined ? name : `customDimension${index}`;
};
export const isModelCustomDimension = (name: string): boolean => indexOf(MODEL_CUSTOM_DIMENSION, name) !== undefined;

/** Reported in percent by the analytics queries, as fractions by the API. */
const PERCENT_METRICS: ReadonlySet<string> = new Set(['bounceRate', 'percentNewSessions', 'exitRate', 'entranceRate', 'ecommerceConversionRate']);

/** A value of the analytics queries (percent for rates) in API units (fractions). The one place rates are converted. */
export const toApiValue = (metric: string, value: number): number => (PERCENT_METRICS.has(metric) ? value / 100 : value);

/** Metrics a session document holds whole, attributed to the session's start hour (users, sessions and what derives from them). */
export const SESSION_LEVEL_METRICS: ReadonlySet<string> = new Set([
  'users',
  'newUsers',
  'percentNewSessions',
  'sessions',
  'sessionsPerUser',
  'bounces',
  'bounceRate',
  'sessionDuration',
  'avgSessionDuration',
]);

/**
 * Where a dimension's values come from:
 * - time: the session's day (date, week, month, dayOfWeek) or hour;
 * - session: one value per session (traffic source, landing/exit page, geo, device, user type);
 * - page / event / product / transaction: the hits of that kind (hit-level);
 * - cd-session / cd-hit: a custom dimension by its scope (session and user scope keep the
 *   session's last value; hit scope is per hit); cd-none: not reported (product scope, inactive).
 */
export type DimensionKind = 'time' | 'session' | 'page' | 'event' | 'product' | 'transaction' | 'cd-session' | 'cd-hit' | 'cd-none';
export type HitFamily = 'page' | 'event' | 'product' | 'transaction' | 'cd';

const has = (list: readonly string[], name: string): boolean => list.includes(name);

/** The kind of a model dimension name; `customScope` gives a custom dimension's treatment ('hit' when undefined). */
export function dimensionKind(name: string, customScope: (cd: string) => 'hit' | 'session' | 'ignore' | undefined): DimensionKind {
  if (isTimeDimension(name)) return 'time';
  if (has(SESSION_DIMENSIONS, name)) return 'session';
  if (has(PAGE_DIMENSIONS, name)) return 'page';
  if (has(EVENT_DIMENSIONS, name)) return 'event';
  if (has(PRODUCT_DIMENSIONS, name)) return 'product';
  if (name === TRANSACTION_DIMENSION) return 'transaction';
  const scope = customScope(name) ?? 'hit';
  return scope === 'session' ? 'cd-session' : scope === 'hit' ? 'cd-hit' : 'cd-none';
}

/** The hit family of a hit-level kind; undefined for session-level kinds. */
export function familyOf(kind: DimensionKind): HitFamily | undefined {
  switch (kind) {
    case 'page':
    case 'event':
    case 'product':
    case 'transaction':
      return kind;
    case 'cd-hit':
      return 'cd';
    default:
      return undefined;
  }
}
