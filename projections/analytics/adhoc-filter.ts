// Dimension filters of ad-hoc queries: a tree of and / or / not over conditions on
// dimension values (analytics names: 'source', 'pagePath', 'cd3', 'date', ...). The read
// API validates requests and builds these trees; the embedded source turns them into SQL
// (adhoc-embedded.ts) and the hit-level evaluation runs them in JS (`evaluateFilter`).
// Regular expressions arrive compiled and already checked for safety by the caller.

export const DIMENSION_OPERATORS = ['is', 'is_not', 'contains', 'not_contains', 'starts_with', 'matches'] as const;
export type DimensionOperator = (typeof DIMENSION_OPERATORS)[number];

export interface DimensionCondition {
  dimension: string;
  op: DimensionOperator;
  /** Any of them matches (`is`, `contains`, `starts_with`, `matches`); none of them (`is_not`, `not_contains`). */
  values: string[];
  /** For `matches`: the compiled patterns, aligned with `values`. */
  regexes?: RegExp[];
}

export type DimensionFilter = { and: DimensionFilter[] } | { or: DimensionFilter[] } | { not: DimensionFilter } | { condition: DimensionCondition };

/** Does one value satisfy the condition? (Case-sensitive, like the values themselves.) */
export function conditionHolds(condition: DimensionCondition, value: string): boolean {
  const { values } = condition;
  switch (condition.op) {
    case 'is':
      return values.includes(value);
    case 'is_not':
      return !values.includes(value);
    case 'contains':
      return values.some((v) => value.includes(v));
    case 'not_contains':
      return !values.some((v) => value.includes(v));
    case 'starts_with':
      return values.some((v) => value.startsWith(v));
    case 'matches':
      return (condition.regexes ?? []).some((r) => r.test(value));
  }
}

/**
 * Evaluates the tree over one row of values. A condition on a dimension with no value
 * (undefined) is false; callers leave out facts without a value for a dimension the query
 * names (a custom dimension never sent is not reported under it, negated or not).
 */
export function evaluateFilter(filter: DimensionFilter, valueOf: (dimension: string) => string | undefined): boolean {
  if ('condition' in filter) {
    const value = valueOf(filter.condition.dimension);
    return value !== undefined && conditionHolds(filter.condition, value);
  }
  if ('and' in filter) return filter.and.every((f) => evaluateFilter(f, valueOf));
  if ('or' in filter) return filter.or.some((f) => evaluateFilter(f, valueOf));
  return !evaluateFilter(filter.not, valueOf);
}

/** Every dimension the tree names. */
export function filterDimensions(filter: DimensionFilter | undefined, into = new Set<string>()): Set<string> {
  if (filter === undefined) return into;
  if ('condition' in filter) into.add(filter.condition.dimension);
  else if ('and' in filter) for (const f of filter.and) filterDimensions(f, into);
  else if ('or' in filter) for (const f of filter.or) filterDimensions(f, into);
  else filterDimensions(filter.not, into);
  return into;
}

/**
 * The part of the tree that only names dimensions `accept`s, as a necessary condition:
 * top-level `and` branches are kept or dropped one by one; any other node is kept whole
 * or not at all. Used to narrow the sessions read before a finer evaluation.
 */
export function necessaryPart(filter: DimensionFilter | undefined, accept: (dimension: string) => boolean): DimensionFilter | undefined {
  if (filter === undefined) return undefined;
  const whole = [...filterDimensions(filter)].every(accept);
  if (whole) return filter;
  if ('and' in filter) {
    const kept = filter.and.map((f) => necessaryPart(f, accept)).filter((f): f is DimensionFilter => f !== undefined);
    return kept.length === 0 ? undefined : { and: kept };
  }
  return undefined;
}
