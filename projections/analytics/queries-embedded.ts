// The analytics read source on the embedded store: SQL over the tables of
// embedded-schema.ts. Reports read the daily rollups (O(days × values) rows); users
// are counted exactly: without a dimension, per session dimension and per calendar value
// from user_values (embedded-user-values.ts: no session scan), per hit dimension and
// cd<N> from the session documents.
import type Database from 'better-sqlite3';
import type { EmbeddedReadStore } from '../../storage/readstore/port.ts';
import { readSnapshot } from '../../storage/readstore/embedded.ts';
import { isHitDimension, isSessionDimension } from './dimensions.ts';
import { USER_VALUE_DIMENSIONS } from './embedded-user-values.ts';
import { boundIndexName, columnsOf, indexesOf, q, tablesOf, valueIndexName } from './embedded-schema.ts';
import { boundFor, DEFAULT_DEPTHS, topValuesByThreshold } from './top-values-embedded.ts';
import { createSettledUsers } from './settled-users-embedded.ts';
import { daysBetween, shiftDay } from './local-time.ts';
import { BASE_METRICS, storedPerReportUnit } from './metrics.ts';
import { sessionOfRow, sessionTableLayout } from './embedded-sessions.ts';
import { sessionDimensionsOf } from './model.ts';
import type { AnalyticsReadSource, RealtimeActivity, RollupPage, RollupPageRequest, SortKey, ValueMetrics } from './queries.ts';

type Row = unknown[];


const numbers = (row: Row, from: number): number[] => row.slice(from).map((x) => Number(x ?? 0));

/** Which values of a dimension a read needs: a range (hours of days) or a list (a report's page). */
type ValueSelection = { between: [string, string] } | { list: readonly string[] };

/** ` AND value …` and its parameters; '' for every value. */
function selectionSql(only: ValueSelection | undefined): { sql: string; params: unknown[] } {
  if (only === undefined) return { sql: '', params: [] };
  if ('between' in only) return { sql: ' AND value BETWEEN ? AND ?', params: [...only.between] };
  return { sql: ' AND value IN (SELECT value FROM json_each(?))', params: [JSON.stringify(only.list)] };
}

/** A base metric's Σ in report units, as SQL computing the same double as queries.ts. */
function reportSumSql(position: number, real: boolean): string {
  const sum = `SUM(${q(BASE_METRICS[position]!)})`;
  const per = storedPerReportUnit(BASE_METRICS[position]!);
  if (per !== 1) return `(${sum} / ${per}.0)`;
  return real ? `CAST(${sum} AS REAL)` : sum;
}

/** The sort key as SQL over a GROUP BY: the formula of `derive` in queries.ts, left to right. */
function sortKeySql(key: Exclude<SortKey, { users: true }>): string {
  if ('metric' in key) return reportSumSql(key.metric, false);
  const denominator = ['0', ...key.under.map((i) => `+ ${reportSumSql(i, false)}`), ...key.minus.map((i) => `- ${reportSumSql(i, false)}`)].join(' ');
  const quotient = `(CASE WHEN (${denominator}) = 0 THEN 0.0 ELSE ${reportSumSql(key.over, true)} / (${denominator}) END)`;
  return key.percent ? `(100 * ${quotient})` : quotient;
}

export interface EmbeddedReadSourceOptions {
  /** Per-day list depths of the threshold algorithm (top-values-embedded.ts); [] turns it off. */
  thresholdDepths?: readonly number[];
  /** Keep the settled days' users per value for reports sorted by users (settled-users-embedded.ts). Default true. */
  settledUsers?: boolean;
}

/** Rows a report sorted by users may ask of the settled users (a bounded insertion picks them). */
const SETTLED_USERS_PAGE_LIMIT = 1000;

export function createEmbeddedReadSource(store: EmbeddedReadStore, name: string, version: number, options: EmbeddedReadSourceOptions = {}): AnalyticsReadSource {
  const db = store.queryDb;
  const t = tablesOf(name, version);
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string): Database.Statement => {
    let statement = statements.get(sql);
    if (statement === undefined) statements.set(sql, (statement = db.prepare(sql)));
    return statement;
  };
  const rows = (sql: string, ...params: unknown[]): Row[] => prepare(sql).raw(true).all(...params) as Row[];
  const sums = BASE_METRICS.map((m) => `SUM(${q(m)})`).join(', ');
  const columns = BASE_METRICS.map(q).join(', ');
  const sessionRange = `property = ? AND day BETWEEN ? AND ?`;
  // The serving version may predate newer columns while a new version builds beside it:
  // its sessions keep their totals in the JSON, its realtime rows have no page views.
  const sessionColumns = sessionTableLayout(db, t.sessions).columnList;
  const realtimeColumns = columnsOf(db, t.realtime);
  const realtimePageviews = realtimeColumns.size === 0 || realtimeColumns.has('pageviews') ? 'pageviews' : '0';
  // Versions before v5 have neither: their reports group every value of the range.
  const dailyIndexes = indexesOf(db, t.daily);
  const hasValueIndex = dailyIndexes.has(valueIndexName(t.daily));
  const hasDimensionTotals = columnsOf(db, t.dailyTotals).size > 0;
  const depths = options.thresholdDepths ?? DEFAULT_DEPTHS;
  // Versions before v7 have no session_days, whose change counts keep the settled users valid.
  const settledUsers =
    columnsOf(db, t.sessionDays).size > 0 && options.settledUsers !== false ? createSettledUsers(db, t) : undefined;

  /** (client, value) pairs of the sessions in range for a dimension, as a SQL subquery. */
  const pairsOf = (dimension: string): string => {
    if (isSessionDimension(dimension)) return `SELECT client, ${q(dimension)} AS value FROM ${q(t.sessions)} WHERE ${sessionRange}`;
    const hitValues = `SELECT s.client AS client, j.value AS value FROM ${q(t.sessions)} s, json_each(s.doc, '$.hitValues.${dimension}') j WHERE s.${sessionRange}`;
    if (isHitDimension(dimension)) return hitValues;
    // cd<N>: session-scoped values live in dims, hit-scoped ones in hitValues.
    const sessionValues = `SELECT client, json_extract(doc, '$.cds.${dimension}') AS value FROM ${q(t.sessions)} WHERE ${sessionRange} AND json_extract(doc, '$.cds.${dimension}') IS NOT NULL`;
    return `${sessionValues} UNION ALL ${hitValues}`;
  };
  const pairParams = (dimension: string, property: string, from: string, to: string): unknown[] =>
    isSessionDimension(dimension) || isHitDimension(dimension) ? [property, from, to] : [property, from, to, property, from, to];

  /**
   * Distinct clients per value of a user_values dimension with sessions on days [from, to]
   * (and, with `only`, the values in a range or a list): each client counts on its first
   * day there.
   */
  const usersPerValue = (property: string, dimension: string, from: string, to: string, only?: ValueSelection): Map<string, number> => {
    const selection = selectionSql(only);
    const out = new Map<string, number>();
    for (const row of rows(
      `SELECT value, SUM(clients) FROM ${q(t.userValues)} WHERE property = ? AND dimension = ? AND day BETWEEN ? AND ?${selection.sql} AND prev_day < ? GROUP BY value`,
      property,
      dimension,
      from,
      to,
      ...selection.params,
      from,
    )) {
      out.set(String(row[0]), Number(row[1]));
    }
    return out;
  };
  /** usersPerValue for a few values: one index probe per day and value. */
  const usersOfValues = (property: string, dimension: string, from: string, to: string, values: readonly string[]): Map<string, number> => {
    const out = new Map<string, number>();
    for (const row of rows(
      `SELECT u.value, SUM(u.clients) FROM json_each(?) d CROSS JOIN json_each(?) k CROSS JOIN ${q(t.userValues)} u
       ON u.property = ? AND u.dimension = ? AND u.day = d.value AND u.value = k.value AND u.prev_day < ? GROUP BY u.value`,
      JSON.stringify(daysBetween(from, to)),
      JSON.stringify(values),
      property,
      dimension,
      from,
    )) {
      out.set(String(row[0]), Number(row[1]));
    }
    return out;
  };
  const totalUsers = (property: string, from: string, to: string): number => usersPerValue(property, '', from, to).get('') ?? 0;

  /** One page of a rollup report (see `AnalyticsReadSource.rollupPage`), read in the caller's snapshot. */
  const rollupPageNow = (request: RollupPageRequest): RollupPage | undefined => {
    const range = `FROM ${q(t.daily)} WHERE property = ? AND dimension = ? AND day BETWEEN ? AND ?`;
    // The same rows read in value order (v5 on), for a few values' sums and the count of distinct values.
    const rangeByValue = hasValueIndex ? `FROM ${q(t.daily)} INDEXED BY ${q(valueIndexName(t.daily))} WHERE property = ? AND dimension = ? AND day BETWEEN ? AND ?` : undefined;
    const params = [request.property, request.dimension, request.from, request.to];
    const selection = selectionSql(request.values === undefined ? undefined : { list: request.values });
    // Ordered and cut in SQL, summing only what the sort reads (users: from user_values, as
    // `users` counts them); then the page's values alone are summed in full. Ties by value:
    // SQLite's BINARY order is UTF-8 byte order, which is JS code-unit order except between
    // astral characters and U+E000..U+FFFF.
    const key = request.sortKey;
    const order = `ORDER BY sort_key ${request.direction === 'asc' ? 'ASC' : 'DESC'}, value ASC LIMIT ? OFFSET ?`;
    let keyed: Row[] | undefined;
    // By users, descending, over every value: the settled days' users kept from an earlier
    // request answer at once; else the threshold algorithm tries, and the settled users are
    // read (and kept) when it cannot prove the page; then they give the row count too.
    let settledCount: number | undefined;
    const settled =
      'users' in key && request.direction === 'desc' && request.values === undefined && settledUsers !== undefined && isSessionDimension(request.dimension) && request.offset + request.limit <= SETTLED_USERS_PAGE_LIMIT
        ? (cachedOnly: boolean): Row[] | undefined => {
            const page = settledUsers.topByUsers(request.property, request.dimension, request.from, request.to, request.offset + request.limit, cachedOnly);
            settledCount = page?.rowCount;
            return page?.rows.slice(request.offset);
          }
        : undefined;
    keyed = settled?.(true);
    const bound = keyed === undefined && request.direction === 'desc' && request.values === undefined && rangeByValue !== undefined ? boundFor(request.dimension, key) : undefined;
    if (bound !== undefined && rangeByValue !== undefined && dailyIndexes.has(boundIndexName(t.daily, bound)) && (!('users' in key) || USER_VALUE_DIMENSIONS.includes(request.dimension))) {
      const score =
        'users' in key
          ? (values: readonly string[]) => usersOfValues(request.property, request.dimension, request.from, request.to, values)
          : (values: readonly string[]) =>
              new Map(
                rows(`SELECT value, ${sortKeySql(key)} ${rangeByValue} AND value IN (SELECT value FROM json_each(?)) GROUP BY value`, ...params, JSON.stringify(values)).map((row) => [
                  String(row[0]),
                  Number(row[1]),
                ]),
              );
      const top = topValuesByThreshold(db, t.daily, { property: request.property, dimension: request.dimension, days: daysBetween(request.from, request.to), bound, count: request.offset + request.limit, score }, depths);
      if (top !== undefined) keyed = top.rows.slice(request.offset);
    }
    if (keyed === undefined) keyed = settled?.(false);
    if (keyed === undefined) {
      if ('users' in key) {
        if (!USER_VALUE_DIMENSIONS.includes(request.dimension)) return undefined;
        keyed = rows(
          `SELECT value, SUM(clients) AS sort_key FROM ${q(t.userValues)} WHERE property = ? AND dimension = ? AND day BETWEEN ? AND ?${selection.sql} AND prev_day < ? GROUP BY value ${order}`,
          ...params,
          ...selection.params,
          request.from,
          request.limit,
          request.offset,
        );
      } else {
        keyed = rows(`SELECT value, ${sortKeySql(key)} AS sort_key ${range}${selection.sql} GROUP BY value ${order}`, ...params, ...selection.params, request.limit, request.offset);
      }
    }
    const positions = [...new Set(request.wanted)].sort((a, b) => a - b);
    const sumList = positions.length === 0 ? '0' : positions.map((i) => `SUM(${q(BASE_METRICS[i]!)})`).join(', ');
    const spread = (row: Row, from: number): number[] => {
      const metrics = new Array<number>(BASE_METRICS.length).fill(0);
      positions.forEach((i, k) => (metrics[i] = Number(row[from + k] ?? 0)));
      return metrics;
    };
    const byValue = new Map<string, number[]>();
    if (keyed.length > 0) {
      for (const row of rows(`SELECT value, ${sumList} ${rangeByValue ?? range} AND value IN (SELECT value FROM json_each(?)) GROUP BY value`, ...params, JSON.stringify(keyed.map((row) => row[0]))))
        byValue.set(String(row[0]), spread(row, 1));
    }
    // The distinct values in value order from their index (no temporary b-tree), the totals
    // from the dimension's daily sums (v6 on; before, from every row).
    const totalsFrom = hasDimensionTotals ? `FROM ${q(t.dailyTotals)} WHERE property = ? AND dimension = ? AND day BETWEEN ? AND ?` : range;
    const [whole] = rangeByValue === undefined ? rows(`SELECT COUNT(DISTINCT value), ${sumList} ${range}`, ...params) : rows(`SELECT 0, ${sumList} ${totalsFrom}`, ...params);
    const [counted] =
      settledCount !== undefined ? [[settledCount]] : selection.sql === '' && rangeByValue === undefined ? [whole] : rows(`SELECT COUNT(DISTINCT value) ${rangeByValue ?? range}${selection.sql}`, ...params, ...selection.params);
    return {
      rows: keyed.map((row) => ({ value: String(row[0]), metrics: byValue.get(String(row[0])) ?? spread([], 0), nonzero: true })),
      rowCount: Number(counted?.[0] ?? 0),
      ...('users' in key ? { users: { byValue: new Map(keyed.map((row) => [String(row[0]), Number(row[1])])), total: totalUsers(request.property, request.from, request.to) } } : {}),
      totals: whole === undefined ? spread([], 0) : spread(whole, 1),
    };
  
  };

  return {
    async rollups(property, dimension, from, to, wanted) {
      const range = `FROM ${q(t.daily)} WHERE property = ? AND dimension = ? AND day BETWEEN ? AND ?`;
      if (wanted === undefined || wanted.length === 0 || wanted.length === BASE_METRICS.length) {
        return rows(`SELECT value, ${sums} ${range} GROUP BY value`, property, dimension, from, to).map((row) => ({ value: String(row[0]), metrics: numbers(row, 1) }));
      }
      // Summing only the wanted columns: GROUP BY sorts every column it sums, so a
      // high-cardinality dimension (page paths) costs per column, not per value.
      const positions = [...new Set(wanted)].sort((a, b) => a - b);
      const out: ValueMetrics[] = [];
      const unsure: string[] = [];
      for (const row of rows(`SELECT value, ${positions.map((i) => `SUM(${q(BASE_METRICS[i]!)})`).join(', ')} ${range} GROUP BY value`, property, dimension, from, to)) {
        const metrics = new Array<number>(BASE_METRICS.length).fill(0);
        let nonzero = false;
        for (let k = 0; k < positions.length; k++) if ((metrics[positions[k]!] = Number(row[k + 1] ?? 0)) !== 0) nonzero = true;
        if (nonzero) out.push({ value: String(row[0]), metrics, nonzero });
        else unsure.push(String(row[0]));
      }
      // Values whose wanted metrics are all 0: listed only if another metric is not (the
      // same rows as a full read; all-zero rows are what an erasure leaves).
      if (unsure.length > 0) {
        const anyOther = BASE_METRICS.map((m) => `SUM(${q(m)}) <> 0`).join(' OR ');
        for (const row of rows(`SELECT value, ${anyOther} ${range} AND value IN (SELECT value FROM json_each(?)) GROUP BY value`, property, dimension, from, to, JSON.stringify(unsure))) {
          out.push({ value: String(row[0]), metrics: new Array<number>(BASE_METRICS.length).fill(0), nonzero: Number(row[1]) !== 0 });
        }
      }
      return out;
    },

    async rollupPage(request) {
      // Several statements (the threshold's lists and scores, the page's sums, the count,
      // the totals): one snapshot, so a proof is never drawn across two commits.
      return readSnapshot(db, () => rollupPageNow(request));
    },

    async customRollups(property, dimension, from, to, metrics) {
      return rows(
        `SELECT value, metric, SUM(amount) FROM ${q(t.dailyCustom)}
         WHERE property = ? AND dimension = ? AND day BETWEEN ? AND ? AND metric IN (SELECT value FROM json_each(?)) GROUP BY value, metric`,
        property,
        dimension,
        from,
        to,
        JSON.stringify(metrics),
      ).map((row) => ({ value: String(row[0]), metric: String(row[1]), amount: Number(row[2]) }));
    },

    async users(property, dimension, from, to, values) {
      const only: ValueSelection | undefined = values === undefined ? undefined : { list: values };
      if (dimension === '') {
        const total = totalUsers(property, from, to);
        return { byValue: new Map([['', total]]), total };
      }
      // Every session has a value of each session dimension: the total is the property's users.
      if (USER_VALUE_DIMENSIONS.includes(dimension)) return { byValue: usersPerValue(property, dimension, from, to, only), total: totalUsers(property, from, to) };
      const pairs = pairsOf(dimension);
      const params = pairParams(dimension, property, from, to);
      const byValue = new Map<string, number>();
      const selection = selectionSql(only);
      for (const row of rows(`SELECT value, COUNT(DISTINCT client) FROM (${pairs}) WHERE 1${selection.sql} GROUP BY value`, ...params, ...selection.params)) {
        byValue.set(String(row[0]), Number(row[1]));
      }
      const [total] = rows(`SELECT COUNT(DISTINCT client) FROM (${pairs})`, ...params);
      return { byValue, total: Number(total?.[0] ?? 0) };
    },

    async dailyTotals(property, from, to) {
      return rows(`SELECT day, ${columns} FROM ${q(t.daily)} WHERE property = ? AND dimension = '' AND day BETWEEN ? AND ?`, property, from, to).map((row) => ({
        period: String(row[0]),
        metrics: numbers(row, 1),
      }));
    },

    async dailyCustomTotals(property, from, to, metrics) {
      return rows(
        `SELECT day, metric, amount FROM ${q(t.dailyCustom)} WHERE property = ? AND dimension = '' AND day BETWEEN ? AND ? AND metric IN (SELECT value FROM json_each(?))`,
        property,
        from,
        to,
        JSON.stringify(metrics),
      ).map((row) => ({ period: String(row[0]), metric: String(row[1]), amount: Number(row[2]) }));
    },

    async dailyUsers(property, from, to) {
      return usersPerValue(property, 'date', from, to);
    },

    async hourlyTotals(property, from, to) {
      return rows(`SELECT hour, ${columns} FROM ${q(t.hourly)} WHERE property = ? AND hour BETWEEN ? AND ?`, property, `${from}T00`, `${to}T23`).map((row) => ({
        period: String(row[0]),
        metrics: numbers(row, 1),
      }));
    },

    async hourlyUsers(property, from, to) {
      // The day bounds only narrow the range; the start hour decides.
      return usersPerValue(property, 'hour', shiftDay(from, -1), shiftDay(to, 1), { between: [`${from}T00`, `${to}T23`] });
    },

    async realtime(property, fromMinute, toMinute) {
      return rows(`SELECT minute, client, page, source, country, device, ${realtimePageviews} FROM ${q(t.realtime)} WHERE property = ? AND minute BETWEEN ? AND ?`, property, fromMinute, toMinute).map(
        (row): RealtimeActivity => ({
          minute: Number(row[0]),
          client: String(row[1]),
          page: String(row[2]),
          source: String(row[3]),
          country: String(row[4]),
          device: String(row[5]),
          pageviews: Number(row[6]),
        }),
      );
    },

    async sessions(property, from, to, filters, limit, offset) {
      const where = [sessionRange];
      const params: unknown[] = [property, from, to];
      for (const [dimension, value] of Object.entries(filters)) {
        if (isSessionDimension(dimension)) {
          where.push(`${q(dimension)} = ?`);
          params.push(value);
        } else {
          // A hit dimension or cd<N>: the session's value (landing page, session scope) or any hit's.
          where.push(`(json_extract(doc, '$.cds.${dimension}') = ? OR EXISTS (SELECT 1 FROM json_each(doc, '$.hitValues.${dimension}') WHERE value = ?))`);
          params.push(value, value);
        }
      }
      const found = rows(`SELECT ${sessionColumns} FROM ${q(t.sessions)} WHERE ${where.join(' AND ')} ORDER BY started_at, id LIMIT ? OFFSET ?`, ...params, limit, offset);
      return found.map((row) => {
        const doc = sessionOfRow(row);
        return { id: doc.id, client: doc.client, number: doc.number, day: doc.day, startedAt: doc.startedAt, lastHitAt: doc.lastHitAt, dims: sessionDimensionsOf(doc), totals: doc.totals, custom: doc.custom };
      });
    },
  };
}
