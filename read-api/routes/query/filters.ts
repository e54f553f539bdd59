// The `filters` of the stats query and the session list: a tree of and / or / not over
// conditions `[operator, name, values]`.
//
// - Dimension conditions (is, is_not, contains, not_contains, starts_with, matches) select
//   the data before aggregation. Values are strings (numbers are taken as their text);
//   any of the values matches (none, for is_not / not_contains). Case-sensitive.
// - Metric conditions (gt, lt, gte, lte, eq, one number) select rows after aggregation,
//   in API units (rates as fractions, durations in seconds, money in currency units).
//
// Parsing checks names and shapes and names the failing field (`filters.and[1].not`).
import type { DimensionCondition, DimensionFilter, DimensionOperator } from '../../../projections/analytics/adhoc-filter.ts';
import { conditionHolds, DIMENSION_OPERATORS } from '../../../projections/analytics/adhoc-filter.ts';
import { badRequest } from '../../http/problem.ts';
import { isApiDimension, isApiMetric, modelDimension } from './catalog.ts';
import { compileSafeRegex } from './regex.ts';

export const METRIC_OPERATORS = ['gt', 'lt', 'gte', 'lte', 'eq'] as const;
export type MetricOperator = (typeof METRIC_OPERATORS)[number];

export interface MetricCondition {
  op: MetricOperator;
  /** API name. */
  metric: string;
  value: number;
}

/** A parsed tree: dimension names are the model's (cd3), metric names the API's. */
export type FilterTree = { and: FilterTree[] } | { or: FilterTree[] } | { not: FilterTree } | { condition: DimensionCondition } | { metric: MetricCondition };

export const MAX_FILTER_DEPTH = 8;
export const MAX_FILTER_CONDITIONS = 64;
export const MAX_FILTER_VALUES = 100;
export const MAX_FILTER_VALUE_LENGTH = 2048;

export const FILTERS_DESCRIPTION =
  'A condition is [operator, name, values]. Dimension operators: is, is_not, contains, not_contains, starts_with, matches ' +
  `(a regular expression of at most 256 characters, run in linear time; no backreferences or lookarounds); any of the values ` +
  'matches (none of them, for is_not and not_contains); case-sensitive. Metric operators gt, lt, gte, lte, eq take one number and ' +
  'select rows after aggregation, in the units of the answer (rates as fractions). Conditions combine with {"and": [...]}, ' +
  `{"or": [...]} and {"not": ...}, at most ${MAX_FILTER_DEPTH} levels deep and ${MAX_FILTER_CONDITIONS} conditions. A filter on a ` +
  'dimension keeps the data that has a matching value with the attribution that dimension has when reported (pagePath: the page ' +
  'views of matching pages and the sessions landing on them). A metric condition may sit under or / not only beside conditions on ' +
  'requested dimensions.';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isDimensionOperator = (op: string): op is DimensionOperator => (DIMENSION_OPERATORS as readonly string[]).includes(op);
const isMetricOperator = (op: string): op is MetricOperator => (METRIC_OPERATORS as readonly string[]).includes(op);

/** Parses a filter tree (undefined / null: none). Throws a 400 problem naming the field. */
export function parseFilters(raw: unknown, field = 'filters'): FilterTree | undefined {
  if (raw === undefined || raw === null) return undefined;
  let conditions = 0;
  const walk = (node: unknown, path: string, depth: number): FilterTree => {
    if (depth > MAX_FILTER_DEPTH) throw badRequest(`${path}: filters nest at most ${MAX_FILTER_DEPTH} levels deep`, path);
    if (Array.isArray(node)) {
      conditions += 1;
      if (conditions > MAX_FILTER_CONDITIONS) throw badRequest(`${field}: at most ${MAX_FILTER_CONDITIONS} conditions`, field);
      return condition(node, path);
    }
    if (isObject(node)) {
      const keys = Object.keys(node);
      if (keys.length !== 1) throw badRequest(`${path}: an object must have exactly one of "and", "or", "not"; got ${keys.map((k) => `"${k}"`).join(', ') || 'none'}`, path);
      const key = keys[0]!;
      const inner = node[key];
      if (key === 'and' || key === 'or') {
        if (!Array.isArray(inner)) throw badRequest(`${path}.${key}: must be a list of filters`, `${path}.${key}`);
        const children = inner.map((child, i) => walk(child, `${path}.${key}[${i}]`, depth + 1));
        return key === 'and' ? { and: children } : { or: children };
      }
      if (key === 'not') return { not: walk(inner, `${path}.not`, depth + 1) };
      throw badRequest(`${path}: "${key}" is not "and", "or" or "not"`, path);
    }
    throw badRequest(`${path}: must be a condition [operator, name, values] or an object {"and": [...]}, {"or": [...]} or {"not": ...}`, path);
  };
  const condition = (node: unknown[], path: string): FilterTree => {
    if (node.length !== 3) throw badRequest(`${path}: a condition is [operator, name, values] (3 items); got ${node.length}`, path);
    const [op, name, values] = node;
    if (typeof op !== 'string') throw badRequest(`${path}[0]: the operator must be a string`, `${path}[0]`);
    if (typeof name !== 'string') throw badRequest(`${path}[1]: the name must be a string`, `${path}[1]`);
    if (!Array.isArray(values)) throw badRequest(`${path}[2]: the values must be a list`, `${path}[2]`);
    if (isMetricOperator(op)) {
      if (!isApiMetric(name)) {
        throw badRequest(`${path}[1]: "${name}" is not a metric${isApiDimension(name) ? ` (it is a dimension: use ${DIMENSION_OPERATORS.join(', ')})` : ''}`, `${path}[1]`);
      }
      const [value] = values;
      if (values.length !== 1 || typeof value !== 'number' || !Number.isFinite(value)) throw badRequest(`${path}[2]: "${op}" takes exactly one number`, `${path}[2]`);
      return { metric: { op, metric: name, value } };
    }
    if (!isDimensionOperator(op)) throw badRequest(`${path}[0]: "${op}" is not an operator (${[...DIMENSION_OPERATORS, ...METRIC_OPERATORS].join(', ')})`, `${path}[0]`);
    if (!isApiDimension(name)) {
      throw badRequest(`${path}[1]: "${name}" is not a dimension${isApiMetric(name) ? ` (it is a metric: use ${METRIC_OPERATORS.join(', ')})` : ''}`, `${path}[1]`);
    }
    if (values.length === 0 || values.length > MAX_FILTER_VALUES) throw badRequest(`${path}[2]: must hold 1 to ${MAX_FILTER_VALUES} values`, `${path}[2]`);
    const texts = values.map((value, i) => {
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      if (typeof value !== 'string') throw badRequest(`${path}[2][${i}]: must be a string or a number`, `${path}[2][${i}]`);
      if (value.length > MAX_FILTER_VALUE_LENGTH) throw badRequest(`${path}[2][${i}]: at most ${MAX_FILTER_VALUE_LENGTH} characters`, `${path}[2][${i}]`);
      return value;
    });
    const parsed: DimensionCondition = { dimension: modelDimension(name), op, values: texts };
    if (op === 'matches') parsed.regexes = texts.map((text, i) => compileSafeRegex(text, `${path}[2][${i}]`));
    return { condition: parsed };
  };
  return walk(raw, field, 1);
}

/** Does the tree hold a metric condition? */
export function hasMetricCondition(tree: FilterTree): boolean {
  if ('metric' in tree) return true;
  if ('condition' in tree) return false;
  if ('and' in tree) return tree.and.some(hasMetricCondition);
  if ('or' in tree) return tree.or.some(hasMetricCondition);
  return hasMetricCondition(tree.not);
}

/** The tree without metric conditions, as the analytics filter type (only call on trees without any). */
export function dimensionTree(tree: FilterTree): DimensionFilter {
  if ('metric' in tree) throw new Error('dimensionTree: the tree holds a metric condition');
  if ('condition' in tree) return tree;
  if ('and' in tree) return { and: tree.and.map(dimensionTree) };
  if ('or' in tree) return { or: tree.or.map(dimensionTree) };
  return { not: dimensionTree(tree.not) };
}

/** Every dimension (model names) and metric (API names) the tree names. */
export function namesOf(tree: FilterTree | undefined, into = { dimensions: new Set<string>(), metrics: new Set<string>() }): { dimensions: Set<string>; metrics: Set<string> } {
  if (tree === undefined) return into;
  if ('metric' in tree) into.metrics.add(tree.metric.metric);
  else if ('condition' in tree) into.dimensions.add(tree.condition.dimension);
  else if ('and' in tree) for (const t of tree.and) namesOf(t, into);
  else if ('or' in tree) for (const t of tree.or) namesOf(t, into);
  else namesOf(tree.not, into);
  return into;
}

export interface SplitFilters {
  /** Applied to the data before aggregation. */
  data: DimensionFilter | undefined;
  /** Applied to the answer's rows (metric conditions, with conditions on the row's dimensions beside them). */
  rows: FilterTree | undefined;
}

/**
 * Splits a tree into the part applied before aggregation and the part applied to rows.
 * Branches of the top-level `and` without metric conditions filter the data; the others
 * filter rows and may then name only dimensions the rows have.
 */
export function splitFilters(tree: FilterTree | undefined, rowDimensions: ReadonlySet<string>, field = 'filters'): SplitFilters {
  if (tree === undefined) return { data: undefined, rows: undefined };
  const branches = 'and' in tree ? tree.and : [tree];
  const data: DimensionFilter[] = [];
  const rows: FilterTree[] = [];
  branches.forEach((branch, i) => {
    if (!hasMetricCondition(branch)) {
      data.push(dimensionTree(branch));
      return;
    }
    for (const dimension of namesOf(branch).dimensions) {
      if (!rowDimensions.has(dimension)) {
        const where = 'and' in tree ? `${field}.and[${i}]` : field;
        throw badRequest(
          `${where}: a metric condition can be combined with "or" / "not" only with conditions on requested dimensions, and "${dimension}" is not one of them (put it beside, under the top-level "and")`,
          where,
        );
      }
    }
    rows.push(branch);
  });
  return {
    data: data.length === 0 ? undefined : data.length === 1 ? data[0] : { and: data },
    rows: rows.length === 0 ? undefined : rows.length === 1 ? rows[0] : { and: rows },
  };
}

const compare = (op: MetricOperator, a: number, b: number): boolean => {
  switch (op) {
    case 'gt':
      return a > b;
    case 'lt':
      return a < b;
    case 'gte':
      return a >= b;
    case 'lte':
      return a <= b;
    case 'eq':
      // Rates and averages are fractions: equal to within rounding.
      return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
};

/** Evaluates a row filter over one row's dimension values (model names) and metric values (API names). */
export function rowMatches(tree: FilterTree, dimension: (name: string) => string | undefined, metric: (name: string) => number): boolean {
  if ('metric' in tree) return compare(tree.metric.op, metric(tree.metric.metric), tree.metric.value);
  if ('condition' in tree) {
    const value = dimension(tree.condition.dimension);
    return value !== undefined && conditionHolds(tree.condition, value);
  }
  if ('and' in tree) return tree.and.every((t) => rowMatches(t, dimension, metric));
  if ('or' in tree) return tree.or.some((t) => rowMatches(t, dimension, metric));
  return !rowMatches(tree.not, dimension, metric);
}
