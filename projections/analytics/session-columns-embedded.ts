// Session aggregates from columns kept in memory, for the ad hoc reports on the embedded
// store (adhoc-embedded.ts). SQLite reads and groups a row at a time, and at a few
// million page views an ad hoc report over a month spent seconds doing it. Here each day's
// sessions are held as columns: a text column as a dictionary of its distinct values and
// one code per session, a session total as numbers. A report reads the columns it names,
// tests a filter once per distinct value of a day rather than once per session, and
// groups by codes.
//
// A day's columns are read from the sessions table in one read snapshot with the day's
// change count (`session_days`, which the sink bumps in the transaction that writes or
// deletes the day's sessions): a day whose count moved is read again, so answers are
// those of the committed read model, never of an older one. Past days stay in memory;
// today is read again after each batch that changed it. Memory is bounded (least recently
// used days leave first).
import type Database from 'better-sqlite3';
import { readSnapshot } from '../../storage/readstore/embedded.ts';
import { conditionHolds, type DimensionFilter } from './adhoc-filter.ts';
import { isDayDimension, timeValueOf } from './calendar.ts';
import { isSessionDimension } from './dimensions.ts';
import { columnsOf, q, totalColumn, type AnalyticsTables } from './embedded-schema.ts';
import { BASE_METRICS, METRIC_COUNT } from './metrics.ts';

export interface ColumnAggregateRequest {
  property: string;
  from: string;
  to: string;
  /** Session dimensions, 'hour' and the calendar dimensions of the day. */
  dimensions: readonly string[];
  filter?: DimensionFilter | undefined;
  /** Positions in BASE_METRICS to sum. */
  positions: readonly number[];
}

export interface ColumnAggregateRow {
  values: string[];
  /** Σ of the asked base metrics in stored units, BASE_METRICS order (0 for the others). */
  stored: number[];
  users: number;
}

export interface SessionColumns {
  /** Whether the request names only what the columns hold (no custom dimension or hit dimension). */
  canAnswer(dimensions: readonly string[], filter: DimensionFilter | undefined): boolean;
  aggregate(request: ColumnAggregateRequest): { rows: ColumnAggregateRow[]; users: number };
  /** What is in memory now. */
  stats(): { days: number; bytes: number; loads: number };
}

export interface SessionColumnsOptions {
  /** Upper bound of the memory the columns take, estimated. Default 256 MiB. */
  maxBytes?: number;
}

export const DEFAULT_SESSION_COLUMNS_BYTES = 256 * 1024 * 1024;

interface TextColumn {
  dict: string[];
  codes: Int32Array;
}

interface DayColumns {
  changes: number;
  count: number;
  texts: Map<string, TextColumn>;
  totals: Map<number, Float64Array>;
  bytes: number;
}

/** A text column of the sessions table the columns keep. */
const isTextColumn = (name: string): boolean => isSessionDimension(name) || name === 'hour' || name === 'client';
/** A dimension the columns answer: a text column or a calendar value of the session's day. */
const isColumnDimension = (name: string): boolean => name !== 'client' && (isTextColumn(name) || isDayDimension(name));

function filterColumns(filter: DimensionFilter | undefined, into: Set<string>): Set<string> {
  if (filter === undefined) return into;
  if ('condition' in filter) into.add(filter.condition.dimension);
  else if ('and' in filter) for (const f of filter.and) filterColumns(f, into);
  else if ('or' in filter) for (const f of filter.or) filterColumns(f, into);
  else filterColumns(filter.not, into);
  return into;
}

/** A filter over one day's sessions: a constant when it does not depend on the session, else a test of a row. */
type DayTest = boolean | ((row: number) => boolean);

function dayTest(filter: DimensionFilter, day: string, columns: DayColumns): DayTest {
  if ('condition' in filter) {
    const { condition } = filter;
    if (isDayDimension(condition.dimension)) return conditionHolds(condition, timeValueOf(condition.dimension, day, ''));
    const column = columns.texts.get(condition.dimension)!;
    // Once per distinct value of the day, not once per session.
    const holds = new Uint8Array(column.dict.length);
    let any = false;
    for (let c = 0; c < column.dict.length; c++) {
      if (conditionHolds(condition, column.dict[c]!)) {
        holds[c] = 1;
        any = true;
      }
    }
    if (!any) return false;
    const { codes } = column;
    return (row) => holds[codes[row]!] === 1;
  }
  if ('not' in filter) {
    const inner = dayTest(filter.not, day, columns);
    return typeof inner === 'boolean' ? !inner : (row) => !inner(row);
  }
  const all = 'and' in filter;
  const parts: ((row: number) => boolean)[] = [];
  for (const f of all ? filter.and : filter.or) {
    const part = dayTest(f, day, columns);
    if (part === !all) return !all; // false in an and, true in an or
    if (typeof part !== 'boolean') parts.push(part);
  }
  if (parts.length === 0) return all;
  if (parts.length === 1) return parts[0]!;
  return all ? (row) => parts.every((p) => p(row)) : (row) => parts.some((p) => p(row));
}

interface Group {
  ids: number[];
  sums: Float64Array;
  clients: Set<string>;
}

export function openSessionColumns(db: Database.Database, t: AnalyticsTables, options: SessionColumnsOptions = {}): SessionColumns | undefined {
  // A serving version built before v7 has no change counts: its reports stay in SQL.
  if (columnsOf(db, t.sessionDays).size === 0) return undefined;
  const sessionColumns = columnsOf(db, t.sessions);
  if (!sessionColumns.has(totalColumn('sessions'))) return undefined;
  const maxBytes = options.maxBytes ?? DEFAULT_SESSION_COLUMNS_BYTES;
  const daysOf = db.prepare<[string, string, string], [string, number]>(`SELECT day, changes FROM ${q(t.sessionDays)} WHERE property = ? AND day BETWEEN ? AND ? ORDER BY day`).raw(true);
  const reads = new Map<string, Database.Statement<[string, string], unknown[]>>();
  const readOf = (columns: readonly string[]): Database.Statement<[string, string], unknown[]> => {
    const sql = `SELECT ${columns.map(q).join(', ')} FROM ${q(t.sessions)} WHERE property = ? AND day = ? ORDER BY id`;
    let statement = reads.get(sql);
    if (statement === undefined) {
      if (reads.size > 200) reads.clear();
      reads.set(sql, (statement = db.prepare<[string, string], unknown[]>(sql).raw(true)));
    }
    return statement;
  };

  // Least recently used first.
  const days = new Map<string, DayColumns>();
  let bytes = 0;
  let loads = 0;

  /** The day's columns with at least `texts` and `totals`, as of the snapshot being read. */
  const columnsOfDay = (property: string, day: string, changes: number, texts: readonly string[], totals: readonly number[]): DayColumns => {
    const key = `${property}\u0001${day}`;
    let entry = days.get(key);
    if (entry !== undefined) {
      days.delete(key);
      if (entry.changes !== changes) {
        bytes -= entry.bytes;
        entry = undefined;
      }
    }
    entry ??= { changes, count: 0, texts: new Map(), totals: new Map(), bytes: 0 };
    days.set(key, entry);
    const missingTexts = texts.filter((c) => !entry.texts.has(c));
    const missingTotals = totals.filter((i) => !entry.totals.has(i));
    if (missingTexts.length + missingTotals.length === 0) return entry;
    loads++;
    const rows = readOf([...missingTexts, ...missingTotals.map((i) => totalColumn(BASE_METRICS[i]!))]).all(property, day);
    // The same change count means the same sessions in the same order (ORDER BY id).
    if (entry.texts.size + entry.totals.size > 0 && rows.length !== entry.count) throw new Error(`session columns: ${day} has ${rows.length} sessions, ${entry.count} in memory at the same change count`);
    const n = rows.length;
    entry.count = n;
    let added = 0;
    missingTexts.forEach((name, k) => {
      const index = new Map<string, number>();
      const dict: string[] = [];
      const codes = new Int32Array(n);
      for (let r = 0; r < n; r++) {
        const value = String(rows[r]![k]);
        let code = index.get(value);
        if (code === undefined) {
          code = dict.length;
          dict.push(value);
          index.set(value, code);
          added += 2 * value.length + 48;
        }
        codes[r] = code;
      }
      entry.texts.set(name, { dict, codes });
      added += 4 * n;
    });
    missingTotals.forEach((position, k) => {
      const values = new Float64Array(n);
      for (let r = 0; r < n; r++) values[r] = Number(rows[r]![missingTexts.length + k]);
      entry.totals.set(position, values);
      added += 8 * n;
    });
    entry.bytes += added;
    bytes += added;
    return entry;
  };

  const trim = (): void => {
    for (const [key, entry] of days) {
      if (bytes <= maxBytes) break;
      days.delete(key);
      bytes -= entry.bytes;
    }
  };

  const canAnswer = (dimensions: readonly string[], filter: DimensionFilter | undefined): boolean =>
    dimensions.every(isColumnDimension) && [...filterColumns(filter, new Set())].every(isColumnDimension);

  return {
    canAnswer,

    aggregate(request) {
      const { property, dimensions, filter, positions } = request;
      if (!canAnswer(dimensions, filter)) throw new Error('session columns: the request names a dimension they do not hold');
      const texts = [...new Set(['client', ...dimensions.filter(isTextColumn), ...[...filterColumns(filter, new Set())].filter(isTextColumn)])];
      const groups = new Map<number | string, Group>();
      const everyone = new Set<string>();
      // Each dimension's values across days, numbered.
      const valueIds = dimensions.map(() => new Map<string, number>());
      const valueNames = dimensions.map((): string[] => []);
      const idOf = (i: number, value: string): number => {
        let id = valueIds[i]!.get(value);
        if (id === undefined) {
          id = valueNames[i]!.length;
          valueNames[i]!.push(value);
          valueIds[i]!.set(value, id);
        }
        return id;
      };
      try {
        readSnapshot(db, () => {
          for (const [day, changes] of daysOf.all(property, request.from, request.to)) {
            const columns = columnsOfDay(property, day, changes, texts, positions);
            const test = filter === undefined ? true : dayTest(filter, day, columns);
            if (test === false) continue;
            // Per dimension: a day's code → the dimension's value id, or one id for the whole day.
            const translate = dimensions.map((d, i) => {
              if (isDayDimension(d)) return idOf(i, timeValueOf(d, day, ''));
              const { dict, codes } = columns.texts.get(d)!;
              const ids = new Int32Array(dict.length);
              for (let c = 0; c < dict.length; c++) ids[c] = idOf(i, dict[c]!);
              return { ids, codes };
            });
            const idAt = (i: number, row: number): number => {
              const tr = translate[i]!;
              return typeof tr === 'number' ? tr : tr.ids[tr.codes[row]!]!;
            };
            const client = columns.texts.get('client')!;
            const sums = positions.map((p) => columns.totals.get(p)!);
            for (let row = 0; row < columns.count; row++) {
              if (test !== true && !test(row)) continue;
              // Up to two dimensions make a number (value ids stay far below 2^26).
              let key: number | string;
              if (dimensions.length === 0) key = 0;
              else if (dimensions.length === 1) key = idAt(0, row);
              else if (dimensions.length === 2) key = idAt(0, row) * 67_108_864 + idAt(1, row);
              else key = dimensions.map((_, i) => idAt(i, row)).join(',');
              let group = groups.get(key);
              if (group === undefined) {
                group = { ids: dimensions.map((_, i) => idAt(i, row)), sums: new Float64Array(positions.length), clients: new Set() };
                groups.set(key, group);
              }
              for (let k = 0; k < sums.length; k++) group.sums[k]! += sums[k]![row]!;
              const id = client.dict[client.codes[row]!]!;
              group.clients.add(id);
              everyone.add(id);
            }
          }
        });
      } finally {
        trim();
      }
      const rows: ColumnAggregateRow[] = [];
      for (const group of groups.values()) {
        const stored = new Array<number>(METRIC_COUNT).fill(0);
        positions.forEach((p, k) => (stored[p] = group.sums[k]!));
        rows.push({ values: group.ids.map((id, i) => valueNames[i]![id]!), stored, users: group.clients.size });
      }
      return { rows, users: everyone.size };
    },

    stats() {
      return { days: days.size, bytes, loads };
    },
  };
}
