// Ad-hoc reads of the analytics read model on the embedded store: the ad hoc read port
// (adhoc.ts, whose JS rules MongoDB's adapter follows) in SQL and session columns, what
// the stats query needs beyond the rollup reports of queries-embedded.ts.
//
// - Session-document aggregates: any combination of session-level dimensions (the
//   session dimensions, session-scoped cd<N>, the session's day and start hour and the
//   week / month / weekday of its day), filtered by a dimension filter tree compiled to
//   SQL, with every base metric summed from the documents and users counted exactly.
//   Those of session and calendar dimensions and base metrics are answered from the
//   session columns in memory when their days are there (session-columns-embedded.ts).
// - Session scans: the documents of a range that pass a session-level filter, for the
//   hit-level evaluation that reads the raw hits (read-api/routes/query/).
// - Exact users over a set of dimension values (a filtered rollup report's total) and
//   per week / month / weekday.
// - The session list, first day with data, and the property info the projection folded.
//
// Dimension names here are the analytics ones ('cd3', not 'customDimension3'); every name
// that reaches SQL text is checked against the catalogues first, values are parameters.
import type Database from 'better-sqlite3';
import type { EmbeddedReadStore } from '../../storage/readstore/port.ts';
import type { DimensionCondition, DimensionFilter } from './adhoc-filter.ts';
import { aggregatePositions, checkAggregateRequest, type AdhocSource, type SessionAggregateRow, type SessionScanRequest, type SessionSortKey } from './adhoc.ts';
import { isCustomDimension, isHitDimension, isSessionDimension } from './dimensions.ts';
import { q, tablesOf } from './embedded-schema.ts';
import { sessionOfRow, sessionTableLayout } from './embedded-sessions.ts';
import { BASE_METRICS, METRIC_COUNT, type BaseMetric } from './metrics.ts';
import { propertyInfoSchema } from './property-info.ts';
import { isDayDimension, type DayDimension } from './calendar.ts';
import { openSessionColumns, type SessionColumnsOptions } from './session-columns-embedded.ts';

/** SQL of a calendar value computed from a `day` column expression. */
function dayExpr(dimension: DayDimension, day: string): string {
  switch (dimension) {
    case 'date':
      return day;
    case 'dayOfWeek':
      return `strftime('%w', ${day})`;
    case 'week':
      return `strftime('%G-W%V', ${day})`;
    case 'month':
      return `substr(${day}, 1, 7)`;
  }
}

/** The SQL of a session-level dimension over the sessions table; undefined when the dimension is not session-level. */
export function sessionLevelExpr(dimension: string): string | undefined {
  if (isSessionDimension(dimension)) return q(dimension);
  if (dimension === 'hour') return 'hour';
  if (isDayDimension(dimension)) return dayExpr(dimension, 'day');
  // Session-scoped cd<N> (the caller knows the scope); absent → NULL.
  if (isCustomDimension(dimension)) return `json_extract(doc, '$.cds.${dimension}')`;
  return undefined;
}

// ---- filters as SQL ---------------------------------------------------------------

/** Compiled patterns by source text, for the SQL function `webalytic_matches(pattern, value)`. */
const patternsByDb = new WeakMap<Database.Database, Map<string, RegExp>>();

function patternRegistry(db: Database.Database): Map<string, RegExp> {
  let registry = patternsByDb.get(db);
  if (registry === undefined) {
    const patterns = new Map<string, RegExp>();
    registry = patterns;
    patternsByDb.set(db, patterns);
    // Only patterns registered by a query (compiled and checked by the caller) ever run.
    db.function('webalytic_matches', { deterministic: true }, (pattern: unknown, value: unknown) =>
      typeof pattern === 'string' && typeof value === 'string' && patterns.get(pattern)?.test(value) === true ? 1 : 0,
    );
  }
  return registry;
}

interface SqlParts {
  sql: string;
  params: unknown[];
}

/** The SQL of one condition on the value expression `expr`. */
function conditionSql(condition: DimensionCondition, expr: string, params: unknown[], patterns: Map<string, RegExp>): string {
  const { values } = condition;
  const any = (parts: string[]): string => (parts.length === 0 ? '0' : `(${parts.join(' OR ')})`);
  switch (condition.op) {
    case 'is':
      params.push(JSON.stringify(values));
      return `${expr} IN (SELECT value FROM json_each(?))`;
    case 'is_not':
      params.push(JSON.stringify(values));
      return `${expr} NOT IN (SELECT value FROM json_each(?))`;
    case 'contains':
    case 'not_contains': {
      const parts = values.map((v) => {
        params.push(v);
        return `instr(${expr}, ?) > 0`;
      });
      return condition.op === 'contains' ? any(parts) : `NOT ${any(parts)}`;
    }
    case 'starts_with':
      return any(
        values.map((v) => {
          params.push(v, v);
          return `substr(${expr}, 1, length(?)) = ?`;
        }),
      );
    case 'matches':
      return any(
        values.map((v, i) => {
          const regex = condition.regexes?.[i];
          if (regex === undefined) throw new Error(`filters: the pattern "${v}" was not compiled`);
          if (patterns.size > 1000) patterns.clear();
          patterns.set(v, regex);
          params.push(v);
          return `webalytic_matches(?, ${expr})`;
        }),
      );
  }
}

/**
 * A session-level filter as SQL over the sessions table. Hit dimensions (and hit-scoped
 * cd<N> when `hitScoped` says so) are conditions on the values the session's hits had:
 * a positive condition holds when one of them matches, a negative one when none matches
 * the positive form (`is_not /a`: the session never viewed /a).
 */
function filterSql(filter: DimensionFilter, params: unknown[], patterns: Map<string, RegExp>, hitScoped: (dimension: string) => boolean): string {
  if ('and' in filter) return filter.and.length === 0 ? '1' : `(${filter.and.map((f) => filterSql(f, params, patterns, hitScoped)).join(' AND ')})`;
  if ('or' in filter) return filter.or.length === 0 ? '0' : `(${filter.or.map((f) => filterSql(f, params, patterns, hitScoped)).join(' OR ')})`;
  if ('not' in filter) return `(NOT ${filterSql(filter.not, params, patterns, hitScoped)})`;
  const { condition } = filter;
  const { dimension } = condition;
  if (isHitDimension(dimension) || (isCustomDimension(dimension) && hitScoped(dimension))) {
    const negative = condition.op === 'is_not' || condition.op === 'not_contains';
    const positive: DimensionCondition = negative ? { ...condition, op: condition.op === 'is_not' ? 'is' : 'contains' } : condition;
    const inner = conditionSql(positive, 'value', params, patterns);
    const exists = `EXISTS (SELECT 1 FROM json_each(doc, '$.hitValues.${dimension}') WHERE ${inner})`;
    return negative ? `(NOT ${exists})` : exists;
  }
  const expr = sessionLevelExpr(dimension);
  if (expr === undefined) throw new Error(`filters: "${dimension}" is not a dimension of session documents`);
  // A custom dimension the session never had is not reported under it, negated or not.
  const guard = isCustomDimension(dimension) ? `${expr} IS NOT NULL AND ` : '';
  return `(${guard}${conditionSql(condition, expr, params, patterns)})`;
}

const METRIC_OPERATORS = { gt: '>', lt: '<', gte: '>=', lte: '<=', eq: '=' } as const;

// ---- the source ---------------------------------------------------------------------

/** The SQL each sort key orders by: a column of the sessions table or a field of its document. */
const sessionSortSql = (totalSql: (metric: BaseMetric) => string): Readonly<Record<SessionSortKey, string>> => ({
  start: 'started_at',
  landing_page: q('landingPage'),
  exit_page: q('exitPage'),
  source_medium: q('sourceMedium'),
  source: q('source'),
  medium: q('medium'),
  channel: q('channel'),
  country: q('country'),
  device_category: q('deviceCategory'),
  browser: q('browser'),
  pageviews: totalSql('pageviews'),
  hits: `json_extract(doc, '$.hits')`,
  duration: totalSql('sessionDuration'),
  transactions: totalSql('transactions'),
  revenue: totalSql('transactionRevenue'),
});

export interface EmbeddedAdhocSourceOptions {
  /** The in-memory session columns of session aggregates (session-columns-embedded.ts); false: every aggregate in SQL. */
  sessionColumns?: SessionColumnsOptions | false;
}

export function createEmbeddedAdhocSource(store: EmbeddedReadStore, name: string, version: number, options: EmbeddedAdhocSourceOptions = {}): AdhocSource {
  const db = store.queryDb;
  const t = tablesOf(name, version);
  const sessionColumns = options.sessionColumns === false ? undefined : openSessionColumns(db, t, options.sessionColumns);
  const patterns = patternRegistry(db);
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string): Database.Statement => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      if (statements.size > 500) statements.clear();
      statements.set(sql, (statement = db.prepare(sql)));
    }
    return statement;
  };
  const rows = (sql: string, params: unknown[]): unknown[][] => prepare(sql).raw(true).all(...params) as unknown[][];
  const sessions = q(t.sessions);
  // The serving version may predate the total columns (a new version building beside it).
  const layout = sessionTableLayout(db, t.sessions);
  const totalSql = layout.total;
  const sessionColumnList = layout.columnList;
  const SESSION_SORT_SQL = sessionSortSql(totalSql);
  const range = 'property = ? AND day BETWEEN ? AND ?';

  /**
   * How to read a range's sessions: through the (property, day, id) index, a row lookup
   * each, or in table order, skipping the other days. The lookups cost about twice a row
   * read in order (1.0 against 0.47 s for 1M sessions), so a range holding most of the
   * table (a 30-day report over a few months of data) reads it in order. The range's
   * sessions come from the daily totals, the table's rows from its last rowid: estimates
   * enough for the choice.
   */
  const scanOf = (request: { property: string; from: string; to: string }): string => {
    const [inRange] = rows(`SELECT SUM(sessions) FROM ${q(t.daily)} WHERE property = ? AND dimension = '' AND day BETWEEN ? AND ?`, [request.property, request.from, request.to]);
    const [last] = rows(`SELECT MAX(rowid) FROM ${sessions}`, []);
    const share = Number(inRange?.[0] ?? 0) / Math.max(1, Number(last?.[0] ?? 0));
    return share >= 0.4 ? `${sessions} NOT INDEXED` : sessions;
  };

  /** WHERE clause and parameters of a session scan. */
  const whereOf = (request: SessionScanRequest, extra: string[] = []): SqlParts => {
    const params: unknown[] = [request.property, request.from, request.to];
    const parts = [range, ...extra];
    const hitScoped = request.hitScoped ?? new Set<string>();
    if (request.filter !== undefined) parts.push(filterSql(request.filter, params, patterns, (d) => hitScoped.has(d)));
    return { sql: parts.join(' AND '), params };
  };


  return {
    ...(sessionColumns === undefined
      ? {}
      : { warm: (property: string, from: string, to: string) => sessionColumns.warm(property, from, to), close: () => sessionColumns.close() }),

    async propertyInfo(property) {
      const [row] = rows(`SELECT info FROM ${q(t.properties)} WHERE id = ?`, [property]);
      if (row === undefined) return undefined;
      return propertyInfoSchema.parse(JSON.parse(String(row[0])));
    },

    async firstDay(property) {
      const [row] = rows(`SELECT MIN(day) FROM ${q(t.daily)} WHERE property = ? AND dimension = ''`, [property]);
      const day = row?.[0];
      return typeof day === 'string' ? day : undefined;
    },

    async aggregateSessions(request) {
      checkAggregateRequest(request);
      const exprs = request.dimensions.map((d) => sessionLevelExpr(d)!);
      // Only the metrics asked for, and hits, which tells a group with sessions (each has
      // processed hits) from an empty one.
      const positions = aggregatePositions(request.metrics);
      // Session dimensions, calendar dimensions and base metrics: from the columns in memory.
      if (sessionColumns !== undefined && request.customMetrics.length === 0 && sessionColumns.canAnswer(request.dimensions, request.filter)) {
        const found = sessionColumns.aggregate({ property: request.property, from: request.from, to: request.to, dimensions: request.dimensions, filter: request.filter, positions });
        // Undefined: the range's days are being read into memory; SQL answers meanwhile.
        if (found !== undefined) return found;
      }
      // A custom dimension without a value is not reported under it.
      const present = request.dimensions.filter(isCustomDimension).map((d) => `${sessionLevelExpr(d)!} IS NOT NULL`);
      const where = whereOf(request, present);
      // The range's matching sessions are read once (MATERIALIZED) for both the groups and
      // the total users: the scan, not the grouping, is what costs.
      const columns = [
        `${layout.distinctClient} AS client`,
        ...exprs.map((expr, i) => `${expr} AS d${i}`),
        ...positions.map((i) => `${totalSql(BASE_METRICS[i]!)} AS m${i}`),
        ...request.customMetrics.map((m, k) => `json_extract(doc, '$.custom.${m}') AS c${k}`),
      ];
      const dims = exprs.map((_, i) => `d${i}`);
      const sums = [...positions.map((i) => `SUM(m${i})`), ...request.customMetrics.map((_, k) => `SUM(c${k})`)];
      const none = (n: number): string[] => Array.from({ length: n }, () => 'NULL');
      const group = dims.length === 0 ? '' : ` GROUP BY ${dims.join(', ')}`;
      const found = rows(
        `WITH s AS MATERIALIZED (SELECT ${columns.join(', ')} FROM ${scanOf(request)} WHERE ${where.sql})
         SELECT ${['0', ...dims, 'COUNT(DISTINCT client)', ...sums].join(', ')} FROM s${group}
         UNION ALL SELECT ${['1', ...none(dims.length), 'COUNT(DISTINCT client)', ...none(sums.length)].join(', ')} FROM s`,
        where.params,
      );
      const n = exprs.length;
      const out: SessionAggregateRow[] = [];
      let totalUsers = 0;
      for (const row of found) {
        const users = Number(row[n + 1] ?? 0);
        if (row[0] === 1) {
          totalUsers = users;
          continue;
        }
        if (users === 0) continue; // the empty group of an aggregate without GROUP BY
        const stored = new Array<number>(METRIC_COUNT).fill(0);
        positions.forEach((i, k) => (stored[i] = Number(row[n + 2 + k] ?? 0)));
        const custom: Record<string, number> = {};
        request.customMetrics.forEach((m, k) => {
          const amount = Number(row[n + 2 + positions.length + k] ?? 0);
          if (amount !== 0) custom[m] = amount;
        });
        out.push({ values: row.slice(1, n + 1).map((v) => String(v)), stored, custom, users, nonzero: stored.some((x) => x !== 0) });
      }
      return { rows: out, users: totalUsers };
    },

    async countSessions(request) {
      const where = whereOf(request);
      const [row] = rows(`SELECT COUNT(*) FROM ${sessions} WHERE ${where.sql}`, where.params);
      return Number(row?.[0] ?? 0);
    },

    async *scanSessions(request) {
      const where = whereOf(request);
      const statement = prepare(`SELECT ${sessionColumnList} FROM ${sessions} WHERE ${where.sql} ORDER BY day, id`).raw(true);
      for (const row of statement.iterate(...where.params) as IterableIterator<unknown[]>) yield sessionOfRow(row);
    },

    async usersOfValues(property, from, to, dimension, values) {
      const list = JSON.stringify(values);
      const inList = 'IN (SELECT value FROM json_each(?))';
      let sql: string;
      let params: unknown[];
      if (dimension === 'hour') {
        sql = `SELECT COUNT(DISTINCT ${layout.distinctClient}) FROM ${sessions} WHERE ${range} AND hour ${inList}`;
        params = [property, from, to, list];
      } else if (isDayDimension(dimension)) {
        sql = `SELECT COUNT(DISTINCT client) FROM ${q(t.userDays)} WHERE ${range} AND ${dayExpr(dimension, 'day')} ${inList}`;
        params = [property, from, to, list];
      } else if (isSessionDimension(dimension)) {
        sql = `SELECT COUNT(DISTINCT ${layout.distinctClient}) FROM ${sessions} WHERE ${range} AND ${q(dimension)} ${inList}`;
        params = [property, from, to, list];
      } else if (isHitDimension(dimension) || isCustomDimension(dimension)) {
        // As the rollup reports count users per value: the values the session's hits had, and session-scoped cd<N> values.
        const hitValues = `SELECT s.client AS client FROM ${sessions} s, json_each(s.doc, '$.hitValues.${dimension}') j WHERE s.${range} AND j.value ${inList}`;
        if (isHitDimension(dimension)) {
          sql = `SELECT COUNT(DISTINCT client) FROM (${hitValues})`;
          params = [property, from, to, list];
        } else {
          const sessionValues = `SELECT client FROM ${sessions} WHERE ${range} AND json_extract(doc, '$.cds.${dimension}') ${inList}`;
          sql = `SELECT COUNT(DISTINCT client) FROM (${sessionValues} UNION ALL ${hitValues})`;
          params = [property, from, to, list, property, from, to, list];
        }
      } else throw new Error(`dimension: "${dimension}" has no users per value`);
      const [row] = rows(sql, params);
      return Number(row?.[0] ?? 0);
    },

    async usersByDay(property, from, to, dimension) {
      // user_values (embedded-user-values.ts) counts each client once per value, on its first day in the range.
      const out = new Map<string, number>();
      for (const row of rows(`SELECT value, SUM(clients) FROM ${q(t.userValues)} WHERE ${range} AND dimension = ? AND prev_day < ? GROUP BY value`, [property, from, to, dimension, from])) {
        out.set(String(row[0]), Number(row[1]));
      }
      return out;
    },

    async listSessions(request) {
      const extra: string[] = [];
      const metricParams: unknown[] = [];
      for (const condition of request.metricConditions ?? []) {
        const index = BASE_METRICS.indexOf(condition.metric);
        if (index === -1) throw new Error(`filters: "${condition.metric}" is not a base metric`);
        extra.push(`${totalSql(condition.metric)} ${METRIC_OPERATORS[condition.op]} ?`);
        metricParams.push(condition.value);
      }
      // The metric conditions come after the range in the clause, before the filter tree.
      const base = whereOf({ ...request, filter: undefined }, extra);
      const params = [...base.params, ...metricParams];
      let sql = base.sql;
      if (request.filter !== undefined) {
        const hitScoped = request.hitScoped ?? new Set<string>();
        sql += ` AND ${filterSql(request.filter, params, patterns, (d) => hitScoped.has(d))}`;
      }
      const [count] = rows(`SELECT COUNT(*) FROM ${sessions} WHERE ${sql}`, params);
      const order = request.orderBy ?? { key: 'start', direction: 'desc' };
      const by = `${SESSION_SORT_SQL[order.key]} ${order.direction === 'asc' ? 'ASC' : 'DESC'}`;
      const found = rows(`SELECT ${sessionColumnList} FROM ${sessions} WHERE ${sql} ORDER BY ${by}, id LIMIT ? OFFSET ?`, [...params, request.limit, request.offset]);
      return { total: Number(count?.[0] ?? 0), sessions: found.map((row) => sessionOfRow(row)) };
    },
  };
}
