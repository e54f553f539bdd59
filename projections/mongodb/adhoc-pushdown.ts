// Session aggregates computed by the MongoDB server, so that an ad hoc answer transfers its
// groups and not every session of the range: `$match` (the range and the filter), a
// `$group` by the dimension values and the client (one entry per user of a group), then a
// `$group` by the dimension values (its users are the entries it folds). The total users
// come from a second pipeline over the same `$match`, not a `$facet` of one: a `$facet`
// answers in one document, limited to 16 MB, which 180,000 groups exceed. The first
// `$group` holds an entry per (values, client): past 100 MB it spills to disk, which
// MongoDB allows by default from 6.0 (docker-compose runs 7.0).
//
// Only what means the same in MongoDB's expression language as in the port's JS rules
// (projections/analytics/adhoc.ts) is pushed down: session dimensions (a missing value is
// '(not set)'), date, hour and month, the custom metrics, and conditions `is`, `is_not`,
// `contains`, `not_contains` and `starts_with` under and / or / not. Anything else (custom
// or hit dimensions, the other calendar dimensions, `matches`: MongoDB's regular
// expressions are PCRE, not JavaScript's) gives undefined, and the caller reads the
// sessions and applies the JS rules.
import { aggregatePositions, checkAggregateRequest, type SessionAggregateRequest, type SessionAggregateRow } from '../analytics/adhoc.ts';
import type { DimensionCondition, DimensionFilter } from '../analytics/adhoc-filter.ts';
import { NOT_SET, SESSION_DIMENSIONS } from '../analytics/dimensions.ts';
import { zeroVector } from '../analytics/metrics.ts';
import { dayRange } from './analytics-schema.ts';
import { numberOf, type MongoDoc } from '../../storage/readstore/mongodb-db.ts';

export interface SessionAggregatePipelines {
  /** Over the sessions collection: one document per group, `_id.k<i>` its values, `users`, `m<position>` and `c_<cmN>` its sums. */
  groups: MongoDoc[];
  /** Over the sessions collection: one document `{ users }`, or none when no session matches. */
  users: MongoDoc[];
}

const SESSION_DIMENSION_NAMES: ReadonlySet<string> = new Set(SESSION_DIMENSIONS);
const PUSHED_OPERATORS: ReadonlySet<DimensionCondition['op']> = new Set(['is', 'is_not', 'contains', 'not_contains', 'starts_with']);

/** The expression of a dimension's value in a stored session document; undefined when it is not pushed down. */
function valueExpression(dimension: string): unknown {
  if (SESSION_DIMENSION_NAMES.has(dimension)) return { $ifNull: [`$d.${dimension}`, NOT_SET] };
  if (dimension === 'date') return '$day';
  if (dimension === 'hour') return '$hour';
  if (dimension === 'month') return { $substrCP: ['$day', 0, 7] };
  return undefined;
}

/**
 * `value.includes(s)` for any s of the list; with `at0`, `value.startsWith(s)`. A byte
 * index in UTF-8 is found, and is 0, exactly when the code-unit index is (and mingo, the
 * executor CI runs the pipelines on, has `$indexOfBytes` but not `$indexOfCP`).
 */
const anyIndexOf = (value: unknown, values: readonly string[], at0: boolean): MongoDoc => ({
  $or: values.map((s) => (at0 ? { $eq: [{ $indexOfBytes: [value, literal(s)] }, 0] } : { $gte: [{ $indexOfBytes: [value, literal(s)] }, 0] })),
});

/**
 * A filter value as data. In an aggregation expression a string that starts with `$` is a
 * field path (`$$` a variable): a value such as '$d.medium' would compare two fields, and
 * '$$nosuch' would fail the pipeline.
 */
const literal = (value: unknown): MongoDoc => ({ $literal: value });

function conditionExpression(condition: DimensionCondition): unknown {
  const value = valueExpression(condition.dimension);
  if (value === undefined || !PUSHED_OPERATORS.has(condition.op)) return undefined;
  switch (condition.op) {
    case 'is':
      return { $in: [value, literal(condition.values)] };
    case 'is_not':
      return { $not: [{ $in: [value, literal(condition.values)] }] };
    case 'contains':
      return anyIndexOf(value, condition.values, false);
    case 'not_contains':
      return { $not: [anyIndexOf(value, condition.values, false)] };
    default:
      return anyIndexOf(value, condition.values, true);
  }
}

/** The filter as one aggregation expression; undefined when any part of it is not pushed down. */
function filterExpression(filter: DimensionFilter): unknown {
  if ('condition' in filter) return conditionExpression(filter.condition);
  if ('not' in filter) {
    const inner = filterExpression(filter.not);
    return inner === undefined ? undefined : { $not: [inner] };
  }
  const parts = ('and' in filter ? filter.and : filter.or).map(filterExpression);
  if (parts.some((part) => part === undefined)) return undefined;
  return 'and' in filter ? { $and: parts } : { $or: parts };
}

/** The pipelines of an aggregate request, or undefined when it has a part the server would not compute as the JS rules do. */
export function sessionAggregatePipelines(request: SessionAggregateRequest): SessionAggregatePipelines | undefined {
  checkAggregateRequest(request);
  const keys: MongoDoc = {};
  for (const [i, dimension] of request.dimensions.entries()) {
    const value = valueExpression(dimension);
    if (value === undefined) return undefined;
    keys[`k${i}`] = value;
  }
  const condition = request.filter === undefined ? undefined : filterExpression(request.filter);
  if (request.filter !== undefined && condition === undefined) return undefined;

  const match: MongoDoc = { property: request.property, day: dayRange(request.from, request.to), ...(condition === undefined ? {} : { $expr: condition }) };
  const perClient: MongoDoc = {};
  const perGroup: MongoDoc = {};
  for (const position of aggregatePositions(request.metrics)) {
    perClient[`m${position}`] = { $sum: { $arrayElemAt: ['$totals', position] } };
    perGroup[`m${position}`] = { $sum: `$m${position}` };
  }
  for (const metric of request.customMetrics) {
    perClient[`c_${metric}`] = { $sum: `$custom.${metric}` };
    perGroup[`c_${metric}`] = { $sum: `$c_${metric}` };
  }
  const groupKeys: MongoDoc = {};
  for (const key of Object.keys(keys)) groupKeys[key] = `$_id.${key}`;
  return {
    groups: [{ $match: match }, { $group: { _id: { ...keys, client: '$client' }, ...perClient } }, { $group: { _id: groupKeys, users: { $sum: 1 }, ...perGroup } }],
    users: [{ $match: match }, { $group: { _id: '$client' } }, { $count: 'users' }],
  };
}

/** The port's rows from the documents of `groups`, as the JS aggregator gives them. */
export function rowsOfGroups(request: SessionAggregateRequest, groups: readonly MongoDoc[]): SessionAggregateRow[] {
  const positions = aggregatePositions(request.metrics);
  return groups.map((group) => {
    const id = group['_id'] as MongoDoc;
    const stored = zeroVector();
    for (const position of positions) stored[position] = numberOf(group[`m${position}`]);
    const custom: Record<string, number> = {};
    for (const metric of request.customMetrics) {
      const amount = numberOf(group[`c_${metric}`]);
      if (amount !== 0) custom[metric] = amount;
    }
    return {
      values: request.dimensions.map((_, i) => String(id[`k${i}`])),
      stored,
      custom,
      users: numberOf(group['users']),
      nonzero: stored.some((x) => x !== 0),
    };
  });
}
