// Runs a checked stats query: resolves the property's ranges, plans, answers each range
// through the analytics report logic (`createAnalyticsQueriesFrom(source).report`, so
// every path computes derived metrics and units the same way), then applies row filters,
// order, paging and the comparison.
import { loadProperty } from '../../../administration/properties.ts';
import type { PropertySettings } from '../../../domain/property/settings.ts';
import type { AdhocSource } from '../../../projections/analytics/adhoc.ts';
import { createEmbeddedAdhocSource, type EmbeddedAdhocSourceOptions } from '../../../projections/analytics/adhoc-embedded.ts';
import { isTimeDimension } from '../../../projections/analytics/calendar.ts';
import { filterDimensions } from '../../../projections/analytics/adhoc-filter.ts';
import { localDayOf } from '../../../projections/analytics/local-time.ts';
import { defaultPropertyInfo, type PropertyInfo } from '../../../projections/analytics/property-info.ts';
import { createMongoAdhocSource } from '../../../projections/mongodb/adhoc-source.ts';
import { basePositionsOf, createAnalyticsQueriesFrom, createAnalyticsSource, sortKeyOf, type AnalyticsReadSource } from '../../../projections/analytics/queries.ts';
import { createDeviceParser } from '../../../projections/analytics/user-agent.ts';
import type { ModelContext } from '../../../projections/analytics/model.ts';
import { activeVersion } from '../../../projections/registry.ts';
import type { EventStore } from '../../../storage/eventstore/port.ts';
import type { ReadStore } from '../../../storage/readstore/port.ts';
import { notFound, ProblemError } from '../../http/problem.ts';
import { aggregateSource, rowKey, valuesOfRowKey, type Aggregate, type AggregateRow } from './aggregate.ts';
import { apiDimension, dimensionKind, isCustomMetric, modelDimension, modelMetric, toApiValue, type DimensionKind } from './catalog.ts';
import { resolveCompareRange, resolveDateRange, type DayRange } from './dates.ts';
import { rowMatches, splitFilters, type FilterTree } from './filters.ts';
import { answerFromHits } from './hits.ts';
import { planQuery, type Plan } from './planner.ts';
import type { QueryRequest } from './request.ts';
import { rollupSource } from './rollup-source.ts';

export const ANALYTICS = 'analytics';
/** The most sessions one hit-level answer reads from the raw history. */
export const DEFAULT_MAX_HIT_SESSIONS = 100_000;
/** Rows one range may have before order and paging (the report logic's own cap). */
const REPORT_ROWS = 100_000;

export interface QueryAnswerRow {
  dimensions: string[];
  metrics: number[];
  compare: number[] | null;
  change: (number | null)[] | null;
}

export interface QueryAnswer {
  property: string;
  time_zone: string;
  currency: string;
  date_range: DayRange;
  compare_range: DayRange | null;
  dimensions: string[];
  metrics: string[];
  rows: QueryAnswerRow[];
  totals: { metrics: number[]; compare: number[] | null; change: (number | null)[] | null };
  row_count: number;
  source: 'rollups' | 'sessions';
  /** Sessions left out because their hits are no longer in the raw history (only when some were). */
  sessions_without_raw_hits?: number;
}

export interface QueryEngineDeps {
  readStore: ReadStore;
  eventStore: EventStore;
  maxHitSessions?: number;
  /** Memory for session columns (SESSION_COLUMNS_MB); 0: ad hoc aggregates in SQL. Default 256. */
  sessionColumnsMb?: number;
}

interface Sources {
  base: AnalyticsReadSource;
  adhoc: AdhocSource;
}

/** The sources of each analytics version, kept across requests (their prepared statements). */
export type SourceCache = Map<number, Sources>;

/** The read model of the active analytics version, on either store (503 problems while there is none). */
export async function analyticsSources(readStore: ReadStore, cache: SourceCache, options: EmbeddedAdhocSourceOptions = { sessionColumns: false }): Promise<Sources & { version: number }> {
  const version = await activeVersion(readStore, ANALYTICS);
  if (version === undefined) throw new ProblemError(503, 'the analytics read model is not built yet (see GET /api/v1/projections)', { type: 'read-model-unavailable', headers: { 'Retry-After': '5' } });
  let sources = cache.get(version);
  if (sources === undefined) {
    // A replay switched versions: the old version's tables are gone.
    for (const old of cache.values()) old.adhoc.close?.();
    cache.clear();
    sources = {
      base: createAnalyticsSource(readStore, version),
      adhoc: readStore.kind === 'embedded' ? createEmbeddedAdhocSource(readStore, ANALYTICS, version, options) : createMongoAdhocSource(readStore, ANALYTICS, version),
    };
    cache.set(version, sources);
  }
  return { ...sources, version };
}

export async function propertySettings(store: EventStore, propertyId: string): Promise<PropertySettings> {
  const settings = await loadProperty(store, propertyId);
  if (settings === undefined) throw notFound(`property "${propertyId}" does not exist`, 'property');
  return settings;
}

interface RangeRows {
  rows: { values: string[]; metrics: Record<string, number> }[];
  /** Rows before a window cut them (every row without one). */
  rowCount: number;
  totals: Record<string, number>;
  sessionsWithoutHits: number;
}

/**
 * Which rows of a range the engine asks for: all of them (it then filters, sorts and
 * pages them itself), one page the report sorts and cuts (the store does it where it
 * can), or the rows of given dimension values (a compare range's rows for that page).
 */
type Window = { kind: 'all' } | { kind: 'page'; offset: number; limit: number } | { kind: 'values'; values: string[] };
const ALL: Window = { kind: 'all' };

/**
 * Whether the report's own order is the answer's, so the report cuts the page: one metric
 * to sort by and no row filter, and either a session-level answer (the report sorts its
 * rows in memory; row keys order as the answer orders ties, see aggregate.ts) or a rollup
 * report of one stored dimension without filter, sorted by a metric the store can sort by
 * (then only the page is read, not every value: a page-path report has tens of thousands).
 */
function reportOrderIsAnswerOrder(p: Prepared): boolean {
  const { plan, request } = p;
  if (p.rowFilter !== undefined || request.offset + request.limit > REPORT_ROWS) return false;
  const [first, ...more] = request.orderBy;
  if (more.length > 0 || (first !== undefined && first.kind !== 'metric')) return false;
  if (plan.source === 'sessions') return true;
  if (plan.dimension === undefined || isTimeDimension(plan.dimension)) return false;
  if (p.dataFilter !== undefined || p.computed.some(isCustomMetric)) return false;
  return sortKeyOf(modelMetric(first?.name ?? request.metrics[0]!)) !== undefined;
}

interface Prepared {
  request: QueryRequest;
  modelDimensions: string[];
  dataFilter: ReturnType<typeof splitFilters>['data'];
  rowFilter: FilterTree | undefined;
  kinds: Map<string, DimensionKind>;
  /** API names of every metric computed: requested, ordered by, filtered on. */
  computed: string[];
  plan: Plan;
  info: PropertyInfo;
}

function prepare(request: QueryRequest, info: PropertyInfo): Prepared {
  const modelDimensions = request.dimensions.map(modelDimension);
  const split = splitFilters(request.filters, new Set(modelDimensions));
  const named = new Set([...modelDimensions, ...filterDimensions(split.data)]);
  const scope = (cd: string) => info.customDimensions[cd.slice(2)];
  const kinds = new Map([...named].map((d) => [d, dimensionKind(d, scope)] as const));
  const computed = [...new Set([...request.metrics, ...request.orderBy.filter((k) => k.kind === 'metric').map((k) => k.name), ...rowFilterMetrics(split.rows)])];
  const plan = planQuery({ dimensions: modelDimensions, filterDimensions: filterDimensions(split.data), kinds, metrics: computed, customMetrics: computed.some(isCustomMetric) });
  return { request, modelDimensions, dataFilter: split.data, rowFilter: split.rows, kinds, computed, plan, info };
}

function rowFilterMetrics(tree: FilterTree | undefined, into: string[] = []): string[] {
  if (tree === undefined) return into;
  if ('metric' in tree) into.push(tree.metric.metric);
  else if ('and' in tree) for (const t of tree.and) rowFilterMetrics(t, into);
  else if ('or' in tree) for (const t of tree.or) rowFilterMetrics(t, into);
  else if ('not' in tree) rowFilterMetrics(tree.not, into);
  return into;
}

async function answerRange(p: Prepared, range: DayRange, sources: Sources, deps: { eventStore: EventStore; maxHitSessions: number; context: () => ModelContext }, window: Window = ALL): Promise<RangeRows> {
  const { request, plan } = p;
  const models = p.computed.map(modelMetric);
  const customMetrics = models.filter((m) => m.startsWith('cm'));
  let source: AnalyticsReadSource;
  let sessionsWithoutHits = 0;
  if (plan.source === 'rollups') {
    source = rollupSource(sources.base, sources.adhoc, plan.dimension, p.dataFilter);
  } else {
    const hitScoped = new Set([...p.kinds].filter(([, kind]) => kind === 'cd-hit').map(([name]) => name));
    let aggregate: Aggregate;
    if (plan.mode === 'documents') {
      const found = await sources.adhoc.aggregateSessions({
        property: request.property,
        from: range.from,
        to: range.to,
        dimensions: p.modelDimensions,
        filter: p.dataFilter,
        customMetrics,
        hitScoped,
        metrics: basePositionsOf(models),
      });
      // A loop, not map + spread: an answer can have tens of thousands of rows. The rows are
      // the port's own objects; nothing downstream writes to them.
      const rows = new Map<string, AggregateRow>();
      for (const row of found.rows) rows.set(rowKey(row.values), row);
      aggregate = { rows, users: found.users };
    } else {
      const answer = await answerFromHits(
        { property: request.property, from: range.from, to: range.to, dimensions: p.modelDimensions, filter: p.dataFilter, kinds: p.kinds, customMetrics, hitScoped },
        { adhoc: sources.adhoc, eventStore: deps.eventStore, context: deps.context(), maxSessions: deps.maxHitSessions },
      );
      aggregate = answer;
      sessionsWithoutHits = answer.sessionsWithoutHits;
    }
    source = aggregateSource(aggregate);
  }
  // The report logic validates dimension names; an ad-hoc source answers whatever is named.
  const dimension = p.modelDimensions.length === 0 ? undefined : plan.source === 'rollups' && plan.dimension !== undefined && !isTimeDimension(plan.dimension) ? plan.dimension : 'source';
  const firstOrder = request.orderBy[0];
  const report = await createAnalyticsQueriesFrom(source).report({
    property: request.property,
    from: range.from,
    to: range.to,
    ...(dimension === undefined ? {} : { dimension }),
    metrics: models,
    ...(window.kind === 'page' ? { limit: window.limit, offset: window.offset } : { limit: REPORT_ROWS }),
    ...(window.kind === 'values' ? { values: window.values } : {}),
    ...(firstOrder?.kind === 'metric' ? { orderBy: { metric: modelMetric(firstOrder.name), direction: firstOrder.direction } } : {}),
  });
  const decode = (value: string | undefined): string[] => {
    if (p.modelDimensions.length === 0) return [];
    if (plan.source === 'rollups') return [value ?? ''];
    return valuesOfRowKey(value ?? '');
  };
  const apiValues = (values: Record<string, number>): Record<string, number> => {
    const out: Record<string, number> = {};
    // A loop, not forEach: this runs for every row, and tsx wraps each closure it creates (keepNames).
    for (let i = 0; i < p.computed.length; i++) out[p.computed[i]!] = toApiValue(models[i]!, values[models[i]!] ?? 0);
    return out;
  };
  return {
    rows: report.rows.map((row) => ({ values: decode(row.dimension), metrics: apiValues(row.metrics) })),
    rowCount: report.rowCount,
    totals: apiValues(report.totals),
    sessionsWithoutHits,
  };
}

const changeOf = (a: number, b: number): number | null => (b === 0 ? null : (a - b) / b);

export interface QueryEngine {
  run(request: QueryRequest, now: number): Promise<QueryAnswer>;
  /** Stops what the engine's sources run beside the store (a warm-up thread). */
  close(): void;
}

export function createQueryEngine(deps: QueryEngineDeps): QueryEngine {
  const cache: SourceCache = new Map();
  const maxHitSessions = deps.maxHitSessions ?? DEFAULT_MAX_HIT_SESSIONS;
  const columnsMb = deps.sessionColumnsMb ?? 256;
  const sourceOptions: EmbeddedAdhocSourceOptions = { sessionColumns: columnsMb === 0 ? false : { maxBytes: columnsMb * 1024 * 1024 } };
  // The ranges being looked at: the first query over one (a dashboard's overview, from the
  // rollups) starts reading its sessions for ad hoc reports in the background, so the
  // first filter or second dimension the viewer adds is not a cold read.
  const warmed = new Set<string>();
  const warm = (sources: Sources & { version: number }, property: string, range: { from: string; to: string }): void => {
    const key = `${sources.version}\u0001${property}\u0001${range.from}\u0001${range.to}`;
    if (sources.adhoc.warm === undefined || warmed.has(key)) return;
    if (warmed.size >= 1000) warmed.clear();
    warmed.add(key);
    sources.adhoc.warm(property, range.from, range.to);
  };
  return {
    close() {
      for (const sources of cache.values()) sources.adhoc.close?.();
    },

    async run(request, now) {
      const settings = await propertySettings(deps.eventStore, request.property);
      const sources = await analyticsSources(deps.readStore, cache, sourceOptions);
      const info = (await sources.adhoc.propertyInfo(request.property)) ?? defaultPropertyInfo(request.property);
      const today = localDayOf(now, settings.timeZone);
      const range = resolveDateRange(request.dateRange, today, await sources.adhoc.firstDay(request.property));
      warm(sources, request.property, range);
      const compareRange = resolveCompareRange(request.compare, range);
      const p = prepare(request, info);
      const device = createDeviceParser(1000);
      const context = (): ModelContext => ({ property: (id) => (id === info.id ? info : defaultPropertyInfo(id)), device });
      const run = { eventStore: deps.eventStore, maxHitSessions, context };
      const cut = reportOrderIsAnswerOrder(p);
      const main = await answerRange(p, range, sources, run, cut ? { kind: 'page', offset: request.offset, limit: request.limit } : ALL);
      // A cut page's compare rows: those of the page's values (the report's keys: a rollup value, or a row key).
      const keyOf = (row: { values: string[] }): string => (p.plan.source === 'rollups' ? row.values[0]! : rowKey(row.values));
      const other = compareRange === null ? undefined : await answerRange(p, compareRange, sources, run, cut ? { kind: 'values', values: main.rows.map(keyOf) } : ALL);

      // Row filters (metric conditions) on the main range; compare rows are matched by dimension values.
      const index = new Map(p.modelDimensions.map((d, i) => [d, i]));
      let rows = main.rows;
      if (p.rowFilter !== undefined) {
        const filter = p.rowFilter;
        rows = rows.filter((row) => rowMatches(filter, (d) => { const i = index.get(d); return i === undefined ? undefined : row.values[i]; }, (m) => row.metrics[m] ?? 0));
      }
      const keys = request.orderBy.length > 0 ? request.orderBy : [{ name: request.metrics[0]!, kind: 'metric' as const, direction: 'desc' as const }];
      const positions = new Map(request.dimensions.map((d, i) => [d, i]));
      // A cut report is already the page, in this order.
      if (!cut) rows = [...rows].sort((a, b) => {
        for (const key of keys) {
          let d = 0;
          if (key.kind === 'metric') d = (a.metrics[key.name] ?? 0) - (b.metrics[key.name] ?? 0);
          else {
            const i = positions.get(key.name)!;
            const x = a.values[i] ?? '';
            const y = b.values[i] ?? '';
            d = x < y ? -1 : x > y ? 1 : 0;
          }
          if (d !== 0) return key.direction === 'asc' ? d : -d;
        }
        for (let i = 0; i < a.values.length; i++) {
          const x = a.values[i]!;
          const y = b.values[i]!;
          if (x !== y) return x < y ? -1 : 1;
        }
        return 0;
      });
      const page = cut ? rows : rows.slice(request.offset, request.offset + request.limit);
      const compareByKey = other === undefined ? undefined : new Map(other.rows.map((row) => [JSON.stringify(row.values), row.metrics]));
      const pick = (values: Record<string, number>): number[] => request.metrics.map((m) => values[m] ?? 0);
      const zeros = request.metrics.map(() => 0);
      const changes = (a: number[], b: number[]): (number | null)[] => a.map((x, i) => changeOf(x, b[i]!));
      const sessionsWithoutHits = main.sessionsWithoutHits + (other?.sessionsWithoutHits ?? 0);
      const totals = pick(main.totals);
      const compareTotals = other === undefined ? null : pick(other.totals);
      return {
        property: request.property,
        time_zone: settings.timeZone,
        currency: settings.currency,
        date_range: range,
        compare_range: compareRange,
        dimensions: request.dimensions.map((d) => apiDimension(modelDimension(d))),
        metrics: request.metrics,
        rows: page.map((row) => {
          const metrics = pick(row.metrics);
          const found = compareByKey?.get(JSON.stringify(row.values));
          const compare = compareByKey === undefined ? null : found === undefined ? zeros : pick(found);
          return { dimensions: row.values, metrics, compare, change: compare === null ? null : changes(metrics, compare) };
        }),
        totals: { metrics: totals, compare: compareTotals, change: compareTotals === null ? null : changes(totals, compareTotals) },
        row_count: cut ? main.rowCount : rows.length,
        source: p.plan.source,
        ...(sessionsWithoutHits > 0 ? { sessions_without_raw_hits: sessionsWithoutHits } : {}),
      };
    },
  };
}
