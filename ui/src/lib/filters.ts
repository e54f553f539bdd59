// The global filter chips as the stats query's filter tree, plus a report's own fixed
// conditions (e.g. medium is referral for the referrals report).
import type { Filter, FilterNode } from './types.ts';

export function filterTree(filters: readonly Filter[], extra: readonly FilterNode[] = []): FilterNode | null {
  const conditions: FilterNode[] = [...filters.map((f): FilterNode => [f.op, f.dimension, [f.value]]), ...extra];
  if (conditions.length === 0) return null;
  return { and: conditions };
}

export const OPERATOR_LABELS: Record<Filter['op'], string> = {
  is: 'is',
  is_not: 'is not',
  contains: 'contains',
  not_contains: 'does not contain',
  starts_with: 'starts with',
  matches: 'matches',
};
