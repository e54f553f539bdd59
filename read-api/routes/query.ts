// POST /query and GET /query: the stats query (docs/query.md; the reference is the
// OpenAPI document). The request is checked (request.ts), planned onto the rollups or the
// session-level data (planner.ts) and answered (execute.ts); `Accept: text/csv` or
// `format=csv` answers CSV (csv.ts).
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Config } from '../../platform/config.ts';
import type { ReadApiDeps } from '../app.ts';
import { defineRoute, type AnyRoute } from '../http/route.ts';
import { DIMENSIONS, METRICS } from './query/catalog.ts';
import { answerToCsv, CSV_CONTENT_TYPE, csvFileName } from './query/csv.ts';
import { createQueryEngine, DEFAULT_MAX_HIT_SESSIONS, type QueryAnswer } from './query/execute.ts';
import { bodyFromParams, queryBodySchema, queryParamsSchema, requestOf, type QueryBody } from './query/request.ts';

const range = z.object({ from: z.string(), to: z.string() });
const metricValues = z.array(z.number());
const changes = z.array(z.number().nullable()).describe('(a − b) / b per metric; null where b is 0.');

export const queryAnswerSchema = z.object({
  property: z.string(),
  time_zone: z.string().describe('The property time zone: days and hours are local to it.'),
  currency: z.string().describe('Revenue is in this currency.'),
  date_range: range,
  compare_range: range.nullable(),
  dimensions: z.array(z.string()),
  metrics: z.array(z.string()),
  rows: z.array(
    z.object({
      dimensions: z.array(z.string()).describe('Values aligned with `dimensions`; date YYYY-MM-DD, hour YYYY-MM-DDTHH, week YYYY-Www (ISO), month YYYY-MM, dayOfWeek 0 (Sunday) to 6.'),
      metrics: metricValues.describe('Aligned with `metrics`. Rates are fractions, durations seconds, revenue in `currency`.'),
      compare: metricValues.nullable(),
      change: changes.nullable(),
    }),
  ),
  totals: z.object({ metrics: metricValues, compare: metricValues.nullable(), change: changes.nullable() }).describe('Over every row that passes the dimension filters (not paged, not reduced by metric conditions).'),
  row_count: z.number().int().describe('Rows after filters, before offset and limit.'),
  source: z.enum(['rollups', 'sessions']).describe('rollups: the pre-aggregated rollups; sessions: the session documents, or the raw hits of the sessions for hit-level combinations.'),
  sessions_without_raw_hits: z.number().int().optional().describe('Sessions left out of a hit-level answer because their hits are no longer in the raw history (retention, erasure).'),
});

const DESCRIPTION =
  `Metrics: ${METRICS.join(', ')}, customMetric1..200. Dimensions: ${DIMENSIONS.join(', ')}, customDimension1..200. ` +
  'A query with at most one dimension and filters only on it is answered from the rollups; any other combination from the session ' +
  'documents (session-level dimensions) or, for hit-level dimensions (pages, events, products, transactionId, hit-scoped custom ' +
  'dimensions) combined with others, from the raw hits of the sessions involved (at most ' +
  `${DEFAULT_MAX_HIT_SESSIONS.toLocaleString('en-US')} sessions per query, after the session-level filters: a broader query answers 422). ` +
  'Metric semantics follow GA (ga-processing.md §6); a hit-level dimension carries what the rollups attribute to it (pagePath: page views, ' +
  'their time, entrances and exits, and the session metrics of the sessions landing there). Hit-level dimensions of different kinds ' +
  '(page and event, ...) describe different hits: combined, each hit has (not set) for the other kind. Users are exact distinct clients. ' +
  'Send Accept: text/csv or format=csv for CSV.';

const wantsCsv = (req: Request, format: 'json' | 'csv'): boolean => format === 'csv' || /\btext\/csv\b/i.test(req.headers.accept ?? '');

function sendCsv(res: Response, answer: QueryAnswer): void {
  res.status(200).type(CSV_CONTENT_TYPE).setHeader('Content-Disposition', `attachment; filename="${csvFileName(answer)}"`);
  res.send(answerToCsv(answer));
}

export function queryRoutes(deps: Pick<ReadApiDeps, 'eventStore' | 'readStore' | 'now' | 'signal'> & { maxHitSessions?: number; config?: Pick<Config, 'SESSION_COLUMNS_MB'> }): AnyRoute[] {
  const now = deps.now ?? Date.now;
  const engine = createQueryEngine({
    readStore: deps.readStore,
    eventStore: deps.eventStore,
    ...(deps.maxHitSessions === undefined ? {} : { maxHitSessions: deps.maxHitSessions }),
    ...(deps.config === undefined ? {} : { sessionColumnsMb: deps.config.SESSION_COLUMNS_MB }),
  });
  // At shutdown a warm-up in progress stops rather than holding the process.
  deps.signal?.addEventListener('abort', () => engine.close(), { once: true });
  const answer = async (body: QueryBody, where: 'body' | 'query', req: Request, res: Response): Promise<QueryAnswer | undefined> => {
    const request = requestOf(body, where);
    const result = await engine.run(request, now());
    if (wantsCsv(req, request.format)) {
      sendCsv(res, result);
      return undefined;
    }
    return result;
  };

  const post = defineRoute({
    method: 'post',
    path: '/query',
    operationId: 'postQuery',
    summary: 'Stats query',
    description: DESCRIPTION,
    tags: ['stats'],
    auth: { role: 'read', property: (_req, input) => input.body.property },
    body: queryBodySchema,
    response: queryAnswerSchema,
    produces: ['text/csv'],
    errors: [422, 503],
    async handler({ body, req, res }) {
      return answer(body, 'body', req, res);
    },
  });

  const get = defineRoute({
    method: 'get',
    path: '/query',
    operationId: 'getQuery',
    summary: 'Stats query (query parameters, for links and CSV)',
    description: `The same query as POST /query, as query parameters. ${DESCRIPTION}`,
    tags: ['stats'],
    auth: { role: 'read', property: (_req, input) => input.query.property },
    query: queryParamsSchema,
    response: queryAnswerSchema,
    produces: ['text/csv'],
    errors: [422, 503],
    async handler({ query, req, res }) {
      return answer(bodyFromParams(query), 'query', req, res);
    },
  });

  return [post, get];
}
