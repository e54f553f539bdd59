// The analytics read model on the embedded store: SQLite tables named
// `analytics_v<version>_*`, so a new version builds beside the serving one.
//
// - daily(property, dimension, day, value, <base metrics>): the rollups; dimension ''
//   holds the property's totals. Keyed so a report reads one contiguous key range:
//   O(days × values) rows for a date range.
//   Indexed by (property, dimension, day, pageviews | hits) and (property, dimension,
//   value, day) for the first page of a high-cardinality report (top-values-embedded.ts).
// - daily_totals(property, dimension, day, <base metrics>): Σ of a dimension's daily rows
//   (v6 on), so a report's totals read one row per day, not every value.
// - daily_custom(property, dimension, day, value, metric, amount): cm<N> per rollup.
// - hourly(property, hour, <base metrics>): the totals per local hour (today views).
// - sessions(property, day, id, client, hour, started_at, <session dimensions>,
//   total_<base metric>..., doc): every session with its dimensions and metrics as
//   columns (ad hoc reports sum them without parsing JSON) and the rest of the model's
//   SessionDoc as JSON (its ledger included); indexed by (property, day, id) and
//   (property, client, id).
// - session_days(property, day, changes): how many batches have changed the day's
//   sessions (v7 on), so a reader keeping a day's sessions in memory knows when they are
//   stale (session-columns-embedded.ts).
// - clients(key, property, client): a number per visitor (v8 on), in the sessions'
//   `client_key` column, so that reader counts users by number; an erasure deletes the row.
// - user_days(property, day, client, new_user): exact distinct users over any range.
// - user_values(property, dimension, value, day, prev_day, clients): exact users per value
//   of a session-level dimension over any range without a session scan (see
//   embedded-user-values.ts).
// - realtime(property, minute, client, page, source, country, device, pageviews): the
//   last hour of activity per client and minute (its latest page and its page views),
//   pruned by the wall clock.
// - properties(id, info): the property info folded from property events.
import type Database from 'better-sqlite3';
import { SESSION_DIMENSIONS } from './dimensions.ts';
import { BASE_METRICS, type BaseMetric } from './metrics.ts';

export interface AnalyticsTables {
  daily: string;
  dailyCustom: string;
  dailyTotals: string;
  hourly: string;
  sessions: string;
  sessionDays: string;
  clients: string;
  userDays: string;
  userValues: string;
  realtime: string;
  properties: string;
}

export const tablesOf = (name: string, version: number): AnalyticsTables => {
  const prefix = `${name}_v${version}_`;
  return {
    daily: `${prefix}daily`,
    dailyCustom: `${prefix}daily_custom`,
    dailyTotals: `${prefix}daily_totals`,
    hourly: `${prefix}hourly`,
    sessions: `${prefix}sessions`,
    sessionDays: `${prefix}session_days`,
    clients: `${prefix}clients`,
    userDays: `${prefix}user_days`,
    userValues: `${prefix}user_values`,
    realtime: `${prefix}realtime`,
    properties: `${prefix}properties`,
  };
};

/** The columns of a table as it is stored; empty when it does not exist (yet). */
export const columnsOf = (db: Database.Database, table: string): Set<string> => new Set(db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[]);

/** SQL identifier quoting (names come from our own constants, never from requests). */
export const q = (identifier: string): string => `"${identifier.replaceAll('"', '""')}"`;

const metricColumns = BASE_METRICS.map((m) => `${q(m)} INTEGER NOT NULL DEFAULT 0`).join(', ');
const dimensionColumns = SESSION_DIMENSIONS.map((d) => `${q(d)} TEXT NOT NULL`).join(', ');
/** The sessions column holding a session's total of a base metric (stored units). */
export const totalColumn = (metric: BaseMetric): string => `total_${metric}`;
const totalColumns = BASE_METRICS.map((m) => `${q(totalColumn(m))} INTEGER NOT NULL`).join(', ');

/** The daily columns with an index (property, dimension, day, column): each day's values in descending order. */
export const BOUND_COLUMNS = ['pageviews', 'hits'] as const;
export type BoundColumn = (typeof BOUND_COLUMNS)[number];
export const boundIndexName = (daily: string, column: BoundColumn): string => `${daily}_by_${column}`;
/** (property, dimension, value, day): a range's distinct values counted in index order; one value's days. */
export const valueIndexName = (daily: string): string => `${daily}_by_value`;
/** The indexes a table has (a serving version from before v5 has none of these). */
export const indexesOf = (db: Database.Database, table: string): Set<string> => new Set(db.prepare('SELECT name FROM pragma_index_list(?)').pluck().all(table) as string[]);

export function createTables(db: Database.Database, t: AnalyticsTables): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS ${q(t.daily)} (
      property TEXT NOT NULL, dimension TEXT NOT NULL, day TEXT NOT NULL, value TEXT NOT NULL, ${metricColumns},
      PRIMARY KEY (property, dimension, day, value)
    ) WITHOUT ROWID;
    -- A report's first page without grouping every value (top-values-embedded.ts): each
    -- day's values by a bound metric, and one value's days; the range's distinct values are
    -- counted in value order, without a temporary b-tree.
    ${BOUND_COLUMNS.map((c) => `CREATE INDEX IF NOT EXISTS ${q(boundIndexName(t.daily, c))} ON ${q(t.daily)} (property, dimension, day, ${q(c)});`).join('\n    ')}
    CREATE INDEX IF NOT EXISTS ${q(valueIndexName(t.daily))} ON ${q(t.daily)} (property, dimension, value, day);
    CREATE TABLE IF NOT EXISTS ${q(t.dailyTotals)} (
      property TEXT NOT NULL, dimension TEXT NOT NULL, day TEXT NOT NULL, ${metricColumns},
      PRIMARY KEY (property, dimension, day)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS ${q(t.dailyCustom)} (
      property TEXT NOT NULL, dimension TEXT NOT NULL, day TEXT NOT NULL, value TEXT NOT NULL, metric TEXT NOT NULL, amount INTEGER NOT NULL,
      PRIMARY KEY (property, dimension, day, value, metric)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS ${q(t.hourly)} (
      property TEXT NOT NULL, hour TEXT NOT NULL, ${metricColumns},
      PRIMARY KEY (property, hour)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS ${q(t.sessions)} (
      id TEXT NOT NULL, property TEXT NOT NULL, client TEXT NOT NULL, day TEXT NOT NULL, hour TEXT NOT NULL,
      started_at INTEGER NOT NULL, ${dimensionColumns}, ${totalColumns}, doc TEXT NOT NULL, client_key INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS ${q(t.clients)} (key INTEGER PRIMARY KEY, property TEXT NOT NULL, client TEXT NOT NULL);
    CREATE UNIQUE INDEX IF NOT EXISTS ${q(`${t.clients}_by_client`)} ON ${q(t.clients)} (property, client);
    -- Keyed by day first: a session's day never changes, so inserts stay in the current
    -- day's pages, and a date range is one index range.
    CREATE UNIQUE INDEX IF NOT EXISTS ${q(`${t.sessions}_key`)} ON ${q(t.sessions)} (property, day, id);
    -- An erasure pages through one visitor's sessions.
    CREATE INDEX IF NOT EXISTS ${q(`${t.sessions}_by_client`)} ON ${q(t.sessions)} (property, client, id);
    CREATE TABLE IF NOT EXISTS ${q(t.sessionDays)} (
      property TEXT NOT NULL, day TEXT NOT NULL, changes INTEGER NOT NULL,
      PRIMARY KEY (property, day)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS ${q(t.userDays)} (
      property TEXT NOT NULL, day TEXT NOT NULL, client TEXT NOT NULL, new_user INTEGER NOT NULL,
      PRIMARY KEY (property, day, client)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS ${q(t.userValues)} (
      property TEXT NOT NULL, dimension TEXT NOT NULL, value TEXT NOT NULL, day TEXT NOT NULL, prev_day TEXT NOT NULL, clients INTEGER NOT NULL,
      PRIMARY KEY (property, dimension, day, value, prev_day)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS ${q(t.realtime)} (
      property TEXT NOT NULL, minute INTEGER NOT NULL, client TEXT NOT NULL,
      page TEXT NOT NULL, source TEXT NOT NULL, country TEXT NOT NULL, device TEXT NOT NULL, pageviews INTEGER NOT NULL,
      PRIMARY KEY (property, minute, client)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS ${q(`${t.realtime}_by_minute`)} ON ${q(t.realtime)} (minute);
    CREATE TABLE IF NOT EXISTS ${q(t.properties)} (id TEXT NOT NULL PRIMARY KEY, info TEXT NOT NULL);
  `);
}

export function dropTables(db: Database.Database, t: AnalyticsTables): void {
  for (const table of Object.values(t)) db.exec(`DROP TABLE IF EXISTS ${q(table)}`);
}
