// Aggregates for the session-level answers: rows keyed by their dimension values, with
// stored metric sums and exact users, handed to the analytics report logic through an
// `AnalyticsReadSource` (so derived metrics and units are computed in one place for every
// path).
import type { AnalyticsReadSource, ValueMetrics } from '../../../projections/analytics/queries.ts';

export interface AggregateRow {
  stored: number[];
  custom: Record<string, number>;
  users: number;
  /** Whether any base metric is nonzero, when `stored` holds only the metrics asked for (absent: judged from `stored`). */
  nonzero?: boolean;
}

// A row's key is its dimension values in an order-preserving encoding: each value with
// NUL escaped as NUL 0xFF, then ended by NUL 0x01. Two keys compare as strings exactly as
// their values compare one by one (a value before every longer value it begins), which is
// the answer's order for rows whose sort metric ties, so the report's order of the keys
// is the answer's and the report can cut the page itself.
const END = '\u0000\u0001';
const ESCAPED_NUL = '\u0000\u00ff';

/** The key of a row; '' for the one row without dimensions (as the report logic names it). */
export const rowKey = (values: readonly string[]): string => {
  let key = '';
  for (const value of values) key += (value.includes('\u0000') ? value.replaceAll('\u0000', ESCAPED_NUL) : value) + END;
  return key;
};

/** The dimension values of a row key. */
export const valuesOfRowKey = (key: string): string[] => {
  if (key === '') return [];
  const values = key.slice(0, -END.length).split(END);
  return key.includes(ESCAPED_NUL) ? values.map((value) => value.replaceAll(ESCAPED_NUL, '\u0000')) : values;
};

export interface Aggregate {
  /** By rowKey(dimension values). */
  rows: Map<string, AggregateRow>;
  /** Distinct users over every row. */
  users: number;
}

const unused = (name: string) => (): never => {
  throw new Error(`${name}: not answered by an ad-hoc aggregate`);
};

/** The aggregate as a read source for `report()`: every call answers from it, whatever dimension is named. */
export function aggregateSource(aggregate: Aggregate): AnalyticsReadSource {
  return {
    // Loops, not spreads: an ad hoc answer can have tens of thousands of rows.
    async rollups() {
      const rows: ValueMetrics[] = [];
      for (const [value, row] of aggregate.rows) rows.push(row.nonzero === undefined ? { value, metrics: row.stored } : { value, metrics: row.stored, nonzero: row.nonzero });
      return rows;
    },
    async customRollups(_property, _dimension, _from, _to, metrics) {
      const out: { value: string; metric: string; amount: number }[] = [];
      for (const [value, row] of aggregate.rows) for (const metric of metrics) if (row.custom[metric] !== undefined) out.push({ value, metric, amount: row.custom[metric] });
      return out;
    },
    async users() {
      const byValue = new Map<string, number>();
      for (const [value, row] of aggregate.rows) byValue.set(value, row.users);
      return { byValue, total: aggregate.users };
    },
    dailyTotals: unused('dailyTotals'),
    dailyCustomTotals: unused('dailyCustomTotals'),
    dailyUsers: unused('dailyUsers'),
    hourlyTotals: unused('hourlyTotals'),
    hourlyUsers: unused('hourlyUsers'),
    realtime: unused('realtime'),
    sessions: unused('sessions'),
  };
}
