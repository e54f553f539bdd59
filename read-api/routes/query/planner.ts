// Which read model answers a stats query. Pure: the query's names and the kinds of its
// dimensions in, a plan out.
//
// 1. rollups — the daily/hourly rollups (and exact users beside them) answer:
//    at most one dimension, filters (before aggregation) only on that dimension, and the
//    dimension is one the rollups are keyed by or derive exactly: a standard dimension,
//    a custom dimension, date / week / month / dayOfWeek (from the daily totals), hour
//    (the hourly totals; not with custom metrics, which have no hourly rollups).
// 2. sessions / documents — the session documents answer: every dimension (asked for or
//    filtered on) is session-level (session dimensions, session-scoped custom dimensions,
//    the session's date / week / month / weekday, and its start hour when only session
//    metrics are asked for, as the hourly rollups count those).
// 3. sessions / hits — anything else (hit-level dimensions combined with others or
//    filtered by others, transactionId, hour with hit metrics, ...): the sessions the
//    session-level conditions leave are read from the raw history, hit by hit.
// Row filters on metrics never change the plan: they apply to the answer's rows.
import { familyOf, SESSION_LEVEL_METRICS, type DimensionKind } from './catalog.ts';

export type Plan = { source: 'rollups'; dimension: string | undefined } | { source: 'sessions'; mode: 'documents' | 'hits' };

export interface PlanInput {
  /** Requested dimensions (model names). */
  dimensions: readonly string[];
  /** Dimensions the data filter names (model names). */
  filterDimensions: ReadonlySet<string>;
  /** Kinds of every dimension in either list. */
  kinds: ReadonlyMap<string, DimensionKind>;
  /** API metric names computed (requested, ordered by, filtered on). */
  metrics: readonly string[];
  /** Any customMetricN among them. */
  customMetrics: boolean;
}

const ROLLUP_KINDS: ReadonlySet<DimensionKind> = new Set(['time', 'session', 'page', 'event', 'product', 'cd-session', 'cd-hit']);

export function planQuery(input: PlanInput): Plan {
  const { dimensions, filterDimensions, kinds } = input;
  const [only] = dimensions;
  const filtersOnlyOnIt = [...filterDimensions].every((d) => d === only);
  if (dimensions.length === 0 && filterDimensions.size === 0) return { source: 'rollups', dimension: undefined };
  if (dimensions.length === 1 && only !== undefined && filtersOnlyOnIt) {
    const kind = kinds.get(only);
    if (kind !== undefined && ROLLUP_KINDS.has(kind) && !(only === 'hour' && input.customMetrics)) return { source: 'rollups', dimension: only };
  }
  const hitLevel = [...kinds.values()].some((kind) => familyOf(kind) !== undefined);
  const byHitHour = kinds.has('hour') && input.metrics.some((m) => !SESSION_LEVEL_METRICS.has(m));
  return { source: 'sessions', mode: hitLevel || byHitHour ? 'hits' : 'documents' };
}
