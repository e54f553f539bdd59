// The GET form of the API's range and filter parameters (links, session list).
import { filterTree } from './filters.ts';
import type { DateRange, Filter } from './types.ts';

export const rangeParam = (range: DateRange): string => (typeof range === 'string' ? range : `${range[0]},${range[1]}`);

export function filtersParam(filters: readonly Filter[]): string | undefined {
  const tree = filterTree(filters);
  return tree ? JSON.stringify(tree) : undefined;
}
