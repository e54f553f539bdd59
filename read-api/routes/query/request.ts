// The stats query request: the JSON body of POST /query, the query parameters of GET
// /query (turned into the same body), and the checks that need more than a schema
// (names, order keys). Dimension names stay as the API spells them here.
import { z } from 'zod';
import { TID_PATTERN } from '../../../domain/property/fields.ts';
import { badRequest, parseOrProblem } from '../../http/problem.ts';
import { isApiDimension, isApiMetric } from './catalog.ts';
import { COMPARE_DESCRIPTION, COMPARE_PRESETS, DATE_PRESETS, PRESET_DESCRIPTION, type CompareSpec, type DateRangeSpec } from './dates.ts';
import { FILTERS_DESCRIPTION, parseFilters, type FilterTree } from './filters.ts';

export const MAX_LIMIT = 10_000;
/** Past any real answer, and small enough for every store's OFFSET / skip (SQLite fails past 2^63). */
export const MAX_OFFSET = 1_000_000_000;
const OFFSET_RULE = 'must be 0 to 1,000,000,000';
/** The offset of a GET form: a whole number within MAX_OFFSET. */
export const offsetParam = z
  .string()
  .regex(/^\d+$/, 'must be a whole number')
  .refine((text) => Number(text) <= MAX_OFFSET, OFFSET_RULE);
export const DEFAULT_LIMIT = 1000;
export const MAX_METRICS = 50;
export const MAX_DIMENSIONS = 7;

const tid = z.string().regex(TID_PATTERN, 'must be a tracking id of the form UA-<digits>-<digits>').describe('The tracking id of the property.');
const range = z.tuple([z.string(), z.string()]);
const dateRange = z
  .union([z.enum(DATE_PRESETS), range], { error: `must be one of ${DATE_PRESETS.join(', ')}, or [from, to] with dates YYYY-MM-DD` })
  .describe(`The days reported. ${PRESET_DESCRIPTION}`);
const compare = z
  .union([z.enum(COMPARE_PRESETS), range], { error: `must be ${COMPARE_PRESETS.join(' or ')}, [from, to] with dates YYYY-MM-DD, or null` })
  .nullable()
  .describe(`The range to compare with. ${COMPARE_DESCRIPTION}`);
const metricName = z.string().refine(isApiMetric, { error: (issue) => `"${String(issue.input)}" is not a metric` });
const dimensionName = z.string().refine(isApiDimension, { error: (issue) => `"${String(issue.input)}" is not a dimension` });
const direction = z.enum(['asc', 'desc']);

const unique = (what: string) => (list: readonly string[], ctx: z.RefinementCtx) => {
  const seen = new Set<string>();
  list.forEach((name, i) => {
    if (seen.has(name)) ctx.addIssue({ code: 'custom', message: `"${name}" is named twice in ${what}`, path: [i] });
    seen.add(name);
  });
};

export const queryBodySchema = z
  .object({
    property: tid,
    date_range: dateRange,
    compare: compare.optional(),
    metrics: z
      .array(metricName)
      .min(1, 'must name at least one metric')
      .max(MAX_METRICS, `at most ${MAX_METRICS} metrics`)
      .superRefine(unique('metrics'))
      .describe('Metric names (customMetricN for custom metrics). Each row holds their values in this order.'),
    dimensions: z
      .array(dimensionName)
      .max(MAX_DIMENSIONS, `at most ${MAX_DIMENSIONS} dimensions`)
      .superRefine(unique('dimensions'))
      .optional()
      .describe('Dimension names (customDimensionN for custom dimensions); none for one row of totals.'),
    filters: z
      .unknown()
      .optional()
      .meta({
        description: FILTERS_DESCRIPTION,
        anyOf: [
          { type: 'null' },
          { type: 'array', prefixItems: [{ type: 'string' }, { type: 'string' }, { type: 'array', items: { type: ['string', 'number'] } }], minItems: 3, maxItems: 3 },
          { type: 'object', minProperties: 1, maxProperties: 1, properties: { and: { type: 'array' }, or: { type: 'array' }, not: {} } },
        ],
      }),
    order_by: z
      .array(z.union([z.tuple([z.string(), direction]), z.tuple([z.string()])], { error: 'must be [name, "asc" | "desc"]' }))
      .max(10, 'at most 10 order keys')
      .optional()
      .describe('[name, direction] pairs: a requested dimension or any metric. Default: the first metric, descending; ties by the dimension values, ascending.'),
    limit: z.number().int('must be a whole number').min(1, `must be 1 to ${MAX_LIMIT}`).max(MAX_LIMIT, `must be 1 to ${MAX_LIMIT}`).optional().describe(`Rows returned (default ${DEFAULT_LIMIT}).`),
    offset: z.number().int('must be a whole number').min(0, OFFSET_RULE).max(MAX_OFFSET, OFFSET_RULE).optional(),
    format: z.enum(['json', 'csv']).optional().describe('csv: the answer as CSV (also with Accept: text/csv).'),
  })
  .strict();
export type QueryBody = z.output<typeof queryBodySchema>;

export const queryParamsSchema = z
  .object({
    property: tid,
    date_range: z.string().describe(`A preset, or "from,to" (dates YYYY-MM-DD). ${PRESET_DESCRIPTION}`),
    compare: z.string().optional().describe('previous_period, previous_year, "from,to", or empty for none.'),
    metrics: z.string().describe('Comma-separated metric names.'),
    dimensions: z.string().optional().describe('Comma-separated dimension names.'),
    filters: z.string().optional().describe(`The filter tree as JSON. ${FILTERS_DESCRIPTION}`),
    order_by: z.string().optional().describe('Comma-separated name[:asc|desc] (default desc), e.g. sessions:desc,source:asc.'),
    limit: z.string().regex(/^\d+$/, 'must be a whole number').optional(),
    offset: offsetParam.optional(),
    format: z.enum(['json', 'csv']).optional(),
  })
  .strict();
export type QueryParams = z.output<typeof queryParamsSchema>;

const list = (text: string | undefined): string[] => (text === undefined || text.trim() === '' ? [] : text.split(',').map((s) => s.trim()));
const pair = (text: string): string | [string, string] => {
  const parts = text.split(',').map((s) => s.trim());
  return parts.length === 2 ? [parts[0]!, parts[1]!] : text.trim();
};

/** GET parameters → the body they stand for, checked by the body schema (errors name the same fields). */
export function bodyFromParams(params: QueryParams): QueryBody {
  let filters: unknown;
  if (params.filters !== undefined && params.filters.trim() !== '') {
    try {
      filters = JSON.parse(params.filters) as unknown;
    } catch {
      throw badRequest('filters: is not valid JSON', 'filters', 'query');
    }
  }
  const compare = params.compare === undefined || params.compare.trim() === '' || params.compare === 'null' ? null : pair(params.compare);
  const body = {
    property: params.property,
    date_range: pair(params.date_range),
    compare,
    metrics: list(params.metrics),
    dimensions: list(params.dimensions),
    ...(filters === undefined ? {} : { filters }),
    ...(params.order_by === undefined
      ? {}
      : {
          order_by: list(params.order_by).map((key) => {
            const [name, dir] = key.split(':');
            return dir === undefined ? [name ?? ''] : [name ?? '', dir];
          }),
        }),
    ...(params.limit === undefined ? {} : { limit: Number(params.limit) }),
    ...(params.offset === undefined ? {} : { offset: Number(params.offset) }),
    ...(params.format === undefined ? {} : { format: params.format }),
  };
  return parseOrProblem(queryBodySchema, body, 'query');
}

export interface OrderKey {
  /** API name. */
  name: string;
  kind: 'metric' | 'dimension';
  direction: 'asc' | 'desc';
}

export interface QueryRequest {
  property: string;
  dateRange: DateRangeSpec;
  compare: CompareSpec;
  metrics: string[];
  /** API names, as requested. */
  dimensions: string[];
  filters: FilterTree | undefined;
  orderBy: OrderKey[];
  limit: number;
  offset: number;
  format: 'json' | 'csv';
}

/** The checked request; `where` says which part of the HTTP request held it (for problems). */
export function requestOf(body: QueryBody, where: 'body' | 'query'): QueryRequest {
  const dimensions = body.dimensions ?? [];
  const filters = parseFilters(body.filters, 'filters');
  const orderBy = (body.order_by ?? []).map(([name, dir], i): OrderKey => {
    const isDimension = dimensions.includes(name);
    if (!isDimension && !isApiMetric(name)) {
      throw badRequest(
        `order_by[${i}]: "${name}" is ${isApiDimension(name) ? 'a dimension the query does not ask for' : 'neither a requested dimension nor a metric'}`,
        `order_by[${i}]`,
        where,
      );
    }
    return { name, kind: isDimension ? 'dimension' : 'metric', direction: dir ?? 'desc' };
  });
  return {
    property: body.property,
    dateRange: body.date_range,
    compare: body.compare ?? null,
    metrics: body.metrics,
    dimensions,
    filters,
    orderBy,
    limit: body.limit ?? DEFAULT_LIMIT,
    offset: body.offset ?? 0,
    format: body.format ?? 'json',
  };
}
