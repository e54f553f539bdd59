// GET /sessions: the sessions of a date range from the session documents, newest first,
// a page at a time, with the total. Filters use the stats query's tree: conditions on
// session-level dimensions hold for the session's value; conditions on hit-level
// dimensions (pagePath, eventCategory, ...) hold when one of the session's hits had a
// matching value (is_not / not_contains: when none had); metric conditions (top-level
// only) are on the session's own metrics.
import { z } from 'zod';
import { TID_PATTERN } from '../../domain/property/fields.ts';
import { SESSION_SORT_KEYS, type SessionMetricCondition, type SessionSortKey } from '../../projections/analytics/adhoc.ts';
import { BASE_METRICS, M, storedPerReportUnit, type BaseMetric } from '../../projections/analytics/metrics.ts';
import { D } from '../../projections/analytics/dimensions.ts';
import type { SessionDoc } from '../../projections/analytics/model.ts';
import { defaultPropertyInfo } from '../../projections/analytics/property-info.ts';
import type { ReadApiDeps } from '../app.ts';
import { badRequest } from '../http/problem.ts';
import { defineRoute, type AnyRoute } from '../http/route.ts';
import { localDayOf } from '../../projections/analytics/local-time.ts';
import { dimensionKind, TRANSACTION_DIMENSION } from './query/catalog.ts';
import { DATE_PRESETS, PRESET_DESCRIPTION, resolveDateRange, type DateRangeSpec } from './query/dates.ts';
import { analyticsSources, propertySettings, type SourceCache } from './query/execute.ts';
import { dimensionTree, FILTERS_DESCRIPTION, hasMetricCondition, namesOf, parseFilters, type FilterTree } from './query/filters.ts';
import { offsetParam } from './query/request.ts';

export const MAX_SESSIONS_PAGE = 1000;

const params = z
  .object({
    property: z.string().regex(TID_PATTERN, 'must be a tracking id of the form UA-<digits>-<digits>'),
    date_range: z.string().optional().describe(`A preset or "from,to" (dates YYYY-MM-DD); default 30d. ${PRESET_DESCRIPTION}`),
    filters: z.string().optional().describe(`The filter tree as JSON. ${FILTERS_DESCRIPTION} Here, metric conditions (top-level only) are on each session's own base metrics.`),
    limit: z.string().regex(/^\d+$/, 'must be a whole number').optional().describe(`Sessions per page, 1 to ${MAX_SESSIONS_PAGE} (default 50).`),
    offset: offsetParam.optional(),
    sort: z
      .enum([...SESSION_SORT_KEYS, ...SESSION_SORT_KEYS.map((key) => `-${key}` as const)])
      .optional()
      .describe(`The field to order by, ascending; with a leading "-", descending. Default -start (newest first). One of: ${SESSION_SORT_KEYS.join(', ')}.`),
  })
  .strict();

const sessionSchema = z.object({
  id: z.string().describe('The session id (GET /sessions/{id} gives its hits).'),
  client: z.string().describe('The client key: the client stream name without `client-`.'),
  number: z.number().int().describe("The session's number among the client's sessions."),
  start: z.string().describe('First hit, ISO 8601.'),
  end: z.string().describe('Last hit, ISO 8601.'),
  duration: z.number().describe('Seconds between the first and the last interaction hit.'),
  pageviews: z.number().int(),
  hits: z.number().int(),
  landing_page: z.string(),
  exit_page: z.string(),
  source: z.string(),
  medium: z.string(),
  channel: z.string(),
  country: z.string(),
  device_category: z.string(),
  browser: z.string(),
  bounce: z.boolean().describe('Exactly one interaction hit.'),
  transactions: z.number().int(),
  revenue: z.number().describe('In the property currency.'),
});

export const sessionListSchema = z.object({
  sessions: z.array(sessionSchema),
  total: z.number().int().describe('Sessions matching, over every page.'),
  date_range: z.object({ from: z.string(), to: z.string() }),
});

function rangeSpec(text: string | undefined): DateRangeSpec {
  if (text === undefined || text.trim() === '') return '30d';
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length === 2) return [parts[0]!, parts[1]!];
  const preset = text.trim();
  if ((DATE_PRESETS as readonly string[]).includes(preset)) return preset as DateRangeSpec;
  throw badRequest(`date_range: must be one of ${DATE_PRESETS.join(', ')}, or "from,to" with dates YYYY-MM-DD`, 'date_range', 'query');
}

/** Metric conditions of the top-level `and` as conditions on the stored totals; the rest stays a dimension filter. */
function splitListFilters(tree: FilterTree | undefined): { dimensions: FilterTree | undefined; metrics: SessionMetricCondition[] } {
  if (tree === undefined) return { dimensions: undefined, metrics: [] };
  const branches = 'and' in tree ? tree.and : [tree];
  const metrics: SessionMetricCondition[] = [];
  const rest: FilterTree[] = [];
  branches.forEach((branch, i) => {
    const where = 'and' in tree ? `filters.and[${i}]` : 'filters';
    if ('metric' in branch) {
      const metric = branch.metric.metric;
      if (!(BASE_METRICS as readonly string[]).includes(metric)) {
        throw badRequest(`${where}: the session list filters on a session's own metrics (${BASE_METRICS.join(', ')}); "${metric}" is not one`, where, 'query');
      }
      const base = metric as BaseMetric;
      metrics.push({ metric: base, op: branch.metric.op, value: Math.round(branch.metric.value * storedPerReportUnit(base)) });
      return;
    }
    if (hasMetricCondition(branch)) throw badRequest(`${where}: on the session list, metric conditions can only be combined with "and" at the top level`, where, 'query');
    rest.push(branch);
  });
  return { dimensions: rest.length === 0 ? undefined : rest.length === 1 ? rest[0] : { and: rest }, metrics };
}

const iso = (time: number): string => new Date(time).toISOString();

const orderOf = (sort: string | undefined): { key: SessionSortKey; direction: 'asc' | 'desc' } =>
  sort === undefined ? { key: 'start', direction: 'desc' } : sort.startsWith('-') ? { key: sort.slice(1) as SessionSortKey, direction: 'desc' } : { key: sort as SessionSortKey, direction: 'asc' };

function summary(doc: SessionDoc): z.input<typeof sessionSchema> {
  const value = (id: number): string => doc.dims[id] ?? '(not set)';
  return {
    id: doc.id,
    client: doc.client,
    number: doc.number,
    start: iso(doc.startedAt),
    end: iso(doc.lastHitAt),
    duration: (doc.totals[M.sessionDuration] ?? 0) / 1000,
    pageviews: doc.totals[M.pageviews] ?? 0,
    hits: doc.hits,
    landing_page: value(D.landingPage),
    exit_page: value(D.exitPage),
    source: value(D.source),
    medium: value(D.medium),
    channel: value(D.channel),
    country: value(D.country),
    device_category: value(D.deviceCategory),
    browser: value(D.browser),
    bounce: doc.totals[M.bounces] === 1,
    transactions: doc.totals[M.transactions] ?? 0,
    revenue: (doc.totals[M.transactionRevenue] ?? 0) / 1_000_000,
  };
}

export function sessionsListRoutes(deps: Pick<ReadApiDeps, 'eventStore' | 'readStore' | 'now'>): AnyRoute[] {
  const now = deps.now ?? Date.now;
  const cache: SourceCache = new Map();

  const list = defineRoute({
    method: 'get',
    path: '/sessions',
    summary: 'Session list',
    description: 'The sessions of a date range (property time zone), newest first unless `sort` says otherwise, with their main dimensions and metrics, a page at a time.',
    tags: ['stats'],
    auth: { role: 'read', property: (_req, input) => input.query.property },
    query: params,
    response: sessionListSchema,
    errors: [503],
    async handler({ query }) {
      const settings = await propertySettings(deps.eventStore, query.property);
      const sources = await analyticsSources(deps.readStore, cache);
      let raw: unknown;
      if (query.filters !== undefined && query.filters.trim() !== '') {
        try {
          raw = JSON.parse(query.filters) as unknown;
        } catch {
          throw badRequest('filters: is not valid JSON', 'filters', 'query');
        }
      }
      const { dimensions, metrics } = splitListFilters(parseFilters(raw, 'filters'));
      const info = (await sources.adhoc.propertyInfo(query.property)) ?? defaultPropertyInfo(query.property);
      const scope = (cd: string) => info.customDimensions[cd.slice(2)];
      const named = namesOf(dimensions).dimensions;
      if (named.has(TRANSACTION_DIMENSION)) throw badRequest('filters: the session list cannot filter on transactionId (the session documents do not keep it)', 'filters', 'query');
      const hitScoped = new Set([...named].filter((d) => dimensionKind(d, scope) === 'cd-hit'));
      const limit = query.limit === undefined ? 50 : Number(query.limit);
      if (limit < 1 || limit > MAX_SESSIONS_PAGE) throw badRequest(`limit: must be 1 to ${MAX_SESSIONS_PAGE}`, 'limit', 'query');
      const offset = query.offset === undefined ? 0 : Number(query.offset);
      const range = resolveDateRange(rangeSpec(query.date_range), localDayOf(now(), settings.timeZone), await sources.adhoc.firstDay(query.property));
      const found = await sources.adhoc.listSessions({
        property: query.property,
        from: range.from,
        to: range.to,
        filter: dimensions === undefined ? undefined : dimensionTree(dimensions),
        hitScoped,
        metricConditions: metrics,
        orderBy: orderOf(query.sort),
        limit,
        offset,
      });
      return { sessions: found.sessions.map(summary), total: found.total, date_range: range };
    },
  });
  return [list];
}
