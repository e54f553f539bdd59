// The rollups as a read source for one dimension of a stats query: the stored dimensions
// as they are, the calendar dimensions folded from the daily and hourly totals, and a
// filter on the dimension's own values applied to the rows, with the total users
// recounted exactly over the values that pass (users are never summed over rows).
import { evaluateFilter, type DimensionFilter } from '../../../projections/analytics/adhoc-filter.ts';
import type { AdhocSource } from '../../../projections/analytics/adhoc.ts';
import { isDayDimension, isTimeDimension, timeValueOf } from '../../../projections/analytics/calendar.ts';
import { METRIC_COUNT } from '../../../projections/analytics/metrics.ts';
import type { AnalyticsReadSource, ValueMetrics } from '../../../projections/analytics/queries.ts';

type Users = { byValue: Map<string, number>; total: number };

function sumBy(rows: readonly { period: string; metrics: number[] }[], keyOf: (period: string) => string): ValueMetrics[] {
  const byKey = new Map<string, number[]>();
  for (const row of rows) {
    const key = keyOf(row.period);
    let sum = byKey.get(key);
    if (sum === undefined) byKey.set(key, (sum = new Array<number>(METRIC_COUNT).fill(0)));
    for (let i = 0; i < METRIC_COUNT; i++) sum[i] = sum[i]! + (row.metrics[i] ?? 0);
  }
  return [...byKey].map(([value, metrics]) => ({ value, metrics }));
}

/**
 * `base` answers for the named dimension; `filter` names only that dimension. Without a
 * dimension the base source is used as it is.
 */
export function rollupSource(base: AnalyticsReadSource, adhoc: AdhocSource, dimension: string | undefined, filter: DimensionFilter | undefined): AnalyticsReadSource {
  if (dimension === undefined) return base;
  const passes = (value: string): boolean => filter === undefined || evaluateFilter(filter, () => value);

  const rollups = async (property: string, from: string, to: string, wanted: readonly number[] | undefined): Promise<ValueMetrics[]> => {
    if (dimension === 'hour') return (await base.hourlyTotals(property, from, to)).map((row) => ({ value: row.period, metrics: row.metrics }));
    if (isTimeDimension(dimension)) return sumBy(await base.dailyTotals(property, from, to), (day) => timeValueOf(dimension, day, ''));
    return base.rollups(property, dimension, from, to, wanted);
  };

  const users = async (property: string, from: string, to: string): Promise<Users> => {
    if (dimension === 'hour') return { byValue: await base.hourlyUsers(property, from, to), total: (await base.users(property, '', from, to)).total };
    if (dimension === 'date') return { byValue: await base.dailyUsers(property, from, to), total: (await base.users(property, '', from, to)).total };
    if (isDayDimension(dimension)) return { byValue: await adhoc.usersByDay(property, from, to, dimension), total: (await base.users(property, '', from, to)).total };
    return base.users(property, dimension, from, to);
  };

  // A stored dimension read whole can be sorted and cut by the store; the calendar ones
  // are folded and a filter applies here, so their reports read every value.
  const { rollupPage: basePage, ...rest } = base;
  const rollupPage = filter === undefined && !isTimeDimension(dimension) ? basePage : undefined;

  return {
    ...rest,
    ...(rollupPage === undefined ? {} : { rollupPage }),
    async rollups(property, _dimension, from, to, wanted) {
      return (await rollups(property, from, to, wanted)).filter((row) => passes(row.value));
    },
    async customRollups(property, _dimension, from, to, metrics) {
      if (dimension === 'hour') return [];
      if (isTimeDimension(dimension)) {
        const byKey = new Map<string, number>();
        for (const row of await base.dailyCustomTotals(property, from, to, metrics)) {
          const key = `${timeValueOf(dimension, row.period, '')}\u0001${row.metric}`;
          byKey.set(key, (byKey.get(key) ?? 0) + row.amount);
        }
        return [...byKey]
          .map(([key, amount]) => {
            const [value, metric] = key.split('\u0001') as [string, string];
            return { value, metric, amount };
          })
          .filter((row) => passes(row.value));
      }
      return (await base.customRollups(property, dimension, from, to, metrics)).filter((row) => passes(row.value));
    },
    async users(property, _dimension, from, to) {
      const all = await users(property, from, to);
      if (filter === undefined) return all;
      const byValue = new Map([...all.byValue].filter(([value]) => passes(value)));
      const kept = [...byValue.keys()];
      const total = kept.length === 0 ? 0 : kept.length === all.byValue.size ? all.total : await adhoc.usersOfValues(property, from, to, dimension, kept);
      return { byValue, total };
    },
  };
}
