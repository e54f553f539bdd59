// Session aggregates from columns kept in memory, for the ad hoc reports on the embedded
// store (adhoc-embedded.ts). SQLite reads and groups a row at a time, and at a few
// million page views an ad hoc report over a month spent seconds doing it. Here each day's
// sessions are held as columns: a text column as a dictionary of its distinct values and
// one code per session, a session total as numbers, the sessions' client numbers. A report
// reads the columns it names, tests a filter once per distinct value of a day rather than
// once per session, groups by codes and counts users by client number.
//
// A day's columns are read from the sessions table with the day's change count
// (`session_days`, which the sink bumps in the transaction that writes or deletes the
// day's sessions), all under one count: a day whose count moved is read again, so answers
// are those of the committed read model, never of an older one. Past days stay in memory;
// today is read again after each batch that changed it. A cold range is read in the
// background while SQL answers. Memory is bounded (least recently used days leave first).
import type Database from 'better-sqlite3';
import type { Worker } from 'node:worker_threads';
import { spawnThread, threadEntry } from '../../storage/eventstore/thread.ts';
import { readSnapshot } from '../../storage/readstore/embedded.ts';
import { conditionHolds, filterDimensions, type DimensionFilter } from './adhoc-filter.ts';
import { isDayDimension, timeValueOf } from './calendar.ts';
import { isSessionDimension } from './dimensions.ts';
import { columnsOf, q, totalColumn, type AnalyticsTables } from './embedded-schema.ts';
import { BASE_METRICS, zeroVector } from './metrics.ts';
import { addRow, finishDay, startDay, type Codes, type DayBuilder, type DayColumns } from './session-columns-day.ts';
import type { ColumnsThreadData, ColumnsThreadReply, ColumnsThreadRequest } from './session-columns-thread.ts';

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

/** Shaped as the ad hoc port's SessionAggregateRow, so the rows pass on without a copy. */
export interface ColumnAggregateRow {
  values: string[];
  /** Σ of the asked base metrics in stored units, BASE_METRICS order (0 for the others). */
  stored: number[];
  /** No custom metrics: the columns hold none (one shared empty object). */
  custom: Record<string, number>;
  users: number;
  /** Whether any of the sums is nonzero. */
  nonzero: boolean;
}
const NO_CUSTOM: Record<string, number> = Object.freeze({}) as Record<string, number>;

export interface SessionColumns {
  /** Whether the request names only what the columns hold (no custom dimension or hit dimension). */
  canAnswer(dimensions: readonly string[], filter: DimensionFilter | undefined): boolean;
  /**
   * The aggregate from the columns; undefined when more of the range's days are missing
   * than `inlineDays`: they are then read in the background, a day per turn of the event
   * loop, and the caller answers this request in SQL.
   */
  aggregate(request: ColumnAggregateRequest): { rows: ColumnAggregateRow[]; users: number } | undefined;
  /**
   * Reads the range's days with every column the columns can hold, in a thread of its own
   * (the serving thread only takes the finished days in), newest days first and only as
   * many as fit beside what is kept: a dashboard's first ad hoc report then finds its
   * columns in memory instead of waiting on SQL.
   */
  warm(property: string, from: string, to: string): void;
  /** Resolves once the days being read in the background (and warmed) are in memory. */
  settled(): Promise<void>;
  /** Stops the warm-up thread, if one runs. */
  close(): void;
  /** What is in memory now, and how many day reads it took. */
  stats(): { days: number; bytes: number; loads: number };
}

export interface SessionColumnsOptions {
  /** Upper bound of the memory the columns take, estimated. Default 256 MiB. */
  maxBytes?: number;
  /**
   * How many missing days a request reads itself (default 2: today and a late hit's day).
   * Reading a day costs more than SQL's own pass over it (every value crosses into
   * JavaScript), so a cold range is answered in SQL while its days are read in the
   * background; Infinity reads every missing day at once.
   */
  inlineDays?: number;
  /** Sessions per chunk of a day read in the background (default 2,000). */
  chunkRows?: number;
  /** How long the background reading may hold the event loop at a time, ms (default 20; at least one chunk). */
  sliceMs?: number;
}

export const DEFAULT_SESSION_COLUMNS_BYTES = 256 * 1024 * 1024;

/** Whether a day's columns hold every column asked. */
const holds = (entry: DayColumns, texts: Iterable<string>, totals: Iterable<number>): boolean => {
  for (const c of texts) if (!entry.texts.has(c)) return false;
  for (const i of totals) if (!entry.totals.has(i)) return false;
  return true;
};

/** A text column of the sessions table the columns keep. */
const isTextColumn = (name: string): boolean => isSessionDimension(name) || name === 'hour';
/** A dimension the columns answer: a text column or a calendar value of the session's day. */
const isColumnDimension = (name: string): boolean => isTextColumn(name) || isDayDimension(name);

/** A filter over one day's sessions: a constant when it does not depend on the session, else a test of a row. */
/** Which sessions of a day pass a filter: all (true), none (false), or one byte per session. */
type DayMask = boolean | Uint8Array;

/**
 * The filter's mask over a day's sessions. A condition is tested once per distinct value
 * of the day, then spread over the sessions by a plain loop over their codes; and, or and
 * not combine masks the same way (no function call per session).
 */
function dayMask(filter: DimensionFilter, day: string, columns: DayColumns): DayMask {
  if ('condition' in filter) {
    const { condition } = filter;
    if (isDayDimension(condition.dimension)) return conditionHolds(condition, timeValueOf(condition.dimension, day, ''));
    const column = columns.texts.get(condition.dimension)!;
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
    const mask = new Uint8Array(columns.count);
    for (let row = 0; row < mask.length; row++) mask[row] = holds[codes[row]!]!;
    return mask;
  }
  if ('not' in filter) {
    const inner = dayMask(filter.not, day, columns);
    if (typeof inner === 'boolean') return !inner;
    for (let row = 0; row < inner.length; row++) inner[row] = inner[row]! ^ 1;
    return inner;
  }
  const all = 'and' in filter;
  let combined: Uint8Array | undefined;
  for (const f of all ? filter.and : filter.or) {
    const part = dayMask(f, day, columns);
    if (part === !all) return !all; // false in an and, true in an or
    if (typeof part === 'boolean') continue;
    if (combined === undefined) combined = part;
    else if (all) for (let row = 0; row < part.length; row++) combined[row] = combined[row]! & part[row]!;
    else for (let row = 0; row < part.length; row++) combined[row] = combined[row]! | part[row]!;
  }
  return combined ?? all;
}

/**
 * Distinct clients per group, in linear time: the sessions are bucketed by group (a
 * counting sort), then each group's clients are stamped with the group's number, so a
 * client counts once per group without sorting (group, client) pairs.
 */
function distinctPerGroup(groups: Int32Array, clients: Int32Array, count: number, groupCount: number, maxClient: number): Int32Array {
  const start = new Int32Array(groupCount + 1);
  for (let k = 0; k < count; k++) start[groups[k]! + 1]!++;
  for (let g = 0; g < groupCount; g++) start[g + 1]! += start[g]!;
  const next = start.slice(0, groupCount);
  const bucketed = new Int32Array(count);
  for (let k = 0; k < count; k++) bucketed[next[groups[k]!]!++] = clients[k]!;
  const stamp = new Int32Array(maxClient + 1).fill(-1);
  const users = new Int32Array(groupCount);
  for (let g = 0; g < groupCount; g++) {
    let n = 0;
    for (let k = start[g]!; k < start[g + 1]!; k++) {
      const client = bucketed[k]!;
      if (stamp[client] !== g) {
        stamp[client] = g;
        n++;
      }
    }
    users[g] = n;
  }
  return users;
}

/** How long the background reading may hold the event loop at a time (it always reads at least one chunk). */
const SLICE_MS = 20;
/** Sessions per chunk of a day read in the background (a few milliseconds). */
const CHUNK_ROWS = 2_000;
/** Client numbers must stay below 2^27: users are counted with an array indexed by them (4 bytes each). */
const CLIENT_LIMIT = 2 ** 27;
/** Groups of two or more dimensions use an array indexed by their value numbers up to this many cells. */
const DENSE_GROUPS = 1 << 22;

export function openSessionColumns(db: Database.Database, t: AnalyticsTables, options: SessionColumnsOptions = {}): SessionColumns | undefined {
  // A serving version built before v8 has no change counts or client numbers: its reports stay in SQL.
  if (columnsOf(db, t.sessionDays).size === 0) return undefined;
  const stored = columnsOf(db, t.sessions);
  if (!stored.has(totalColumn('sessions')) || !stored.has('client_key')) return undefined;
  const maxBytes = options.maxBytes ?? DEFAULT_SESSION_COLUMNS_BYTES;
  const sessions = q(t.sessions);
  const daysOf = db.prepare<[string, string, string], [string, number]>(`SELECT day, changes FROM ${q(t.sessionDays)} WHERE property = ? AND day BETWEEN ? AND ? ORDER BY day`).raw(true);
  const dayCount = db.prepare<[], number>(`SELECT COUNT(*) FROM ${q(t.sessionDays)}`).pluck();
  const countsOf = db.prepare<[string, string, string], [string, number]>(`SELECT day, COUNT(*) FROM ${sessions} WHERE property = ? AND day BETWEEN ? AND ? GROUP BY day`).raw(true);
  const countOf = db.prepare<[string, string], number>(`SELECT COUNT(*) FROM ${sessions} WHERE property = ? AND day = ?`).pluck();
  const statements = new Map<string, Database.Statement<unknown[], unknown[]>>();
  const prepare = (sql: string): Database.Statement<unknown[], unknown[]> => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      if (statements.size > 200) statements.clear();
      statements.set(sql, (statement = db.prepare<unknown[], unknown[]>(sql).raw(true)));
    }
    return statement;
  };

  // Least recently used first.
  const days = new Map<string, DayColumns>();
  let bytes = 0;
  let loads = 0;

  /** A day's columns go into memory (and the budget's count). */
  const keep = (property: string, day: string, entry: DayColumns): void => {
    const key = `${property}\u0001${day}`;
    const old = days.get(key);
    if (old !== undefined) bytes -= old.bytes;
    days.delete(key);
    days.set(key, entry);
    bytes += entry.bytes;
  };
  /** The day's columns, complete, go into memory in their narrowest arrays. */
  const install = (property: string, day: string, builder: DayBuilder): void => keep(property, day, finishDay(builder, day));
  const columnList = (texts: readonly string[], totals: readonly number[]): string => ['client_key', ...texts.map(q), ...totals.map((i) => q(totalColumn(BASE_METRICS[i]!)))].join(', ');

  /**
   * Reads the given days' columns, every column of a day in one statement: in table order
   * through the whole range when the days are a large part of the table (the index would
   * cost a row lookup per session), else day by day through the (property, day, id) index.
   */
  const read = (property: string, wanted: { day: string; changes: number }[], texts: readonly string[], totals: readonly number[]): void => {
    loads += wanted.length;
    const first = wanted[0]!.day;
    const last = wanted[wanted.length - 1]!.day;
    const inTableOrder = wanted.length >= 3 && wanted.length >= 0.4 * dayCount.get()!;
    const counts = inTableOrder ? new Map(countsOf.all(property, first, last)) : new Map(wanted.map(({ day }) => [day, countOf.get(property, day)!]));
    const builders = new Map(wanted.map(({ day, changes }) => [day, startDay(changes, counts.get(day) ?? 0, texts, totals)]));
    const select = `SELECT day, ${columnList(texts, totals)}`;
    if (inTableOrder) {
      for (const row of prepare(`${select} FROM ${sessions} NOT INDEXED WHERE property = ? AND day BETWEEN ? AND ?`).iterate(property, first, last)) {
        const builder = builders.get(row[0] as string);
        if (builder !== undefined) addRow(builder, row, 1);
      }
    } else {
      const statement = prepare(`${select} FROM ${sessions} WHERE property = ? AND day = ?`);
      for (const { day } of wanted) for (const row of statement.iterate(property, day)) addRow(builders.get(day)!, row, 1);
    }
    for (const [day, builder] of builders) install(property, day, builder);
  };

  const changesOf = db.prepare<[string, string], number>(`SELECT changes FROM ${q(t.sessionDays)} WHERE property = ? AND day = ?`).pluck();
  const inlineDays = options.inlineDays ?? 2;
  const chunkRows = options.chunkRows ?? CHUNK_ROWS;
  const sliceMs = options.sliceMs ?? SLICE_MS;

  /**
   * A day read in the background, CHUNK_ROWS sessions at a time (in id order), each chunk in
   * its own read snapshot with the day's change count: a count that moved between chunks
   * starts the day again, so the chunks are of one state of the day.
   */
  interface Job {
    property: string;
    day: string;
    texts: Set<string>;
    totals: Set<number>;
    builder?: DayBuilder | undefined;
    after: string;
  }
  const pending = new Map<string, Job>();
  /** Days asked of the warm-up thread and not answered yet, with their estimated size. */
  const warming = new Map<string, number>();
  const waiters: (() => void)[] = [];
  let scheduled = false;
  const schedule = (): void => {
    if (pending.size === 0) {
      if (warming.size === 0) for (const resolve of waiters.splice(0)) resolve();
      return;
    }
    if (scheduled) return;
    scheduled = true;
    setImmediate(readPendingDays);
  };
  /** Reads chunks of pending days for up to SLICE_MS (at least one chunk), then yields to the event loop. */
  const readPendingDays = (): void => {
    scheduled = false;
    const started = performance.now();
    do readPendingChunk();
    while (pending.size > 0 && performance.now() - started < sliceMs);
    schedule();
  };
  const readPendingChunk = (): void => {
    const next = pending.entries().next();
    if (next.done === true) return;
    const [key, job] = next.value;
    try {
      const done = readSnapshot(db, (): boolean => {
        const changes = changesOf.get(job.property, job.day);
        if (changes === undefined) return true;
        if (job.builder === undefined || job.builder.entry.changes !== changes) {
          const entry = days.get(key);
          if (entry !== undefined && entry.changes === changes) {
            if (holds(entry, job.texts, job.totals)) return true;
            for (const c of entry.texts.keys()) job.texts.add(c);
            for (const i of entry.totals.keys()) job.totals.add(i);
          }
          loads++;
          job.builder = startDay(changes, countOf.get(job.property, job.day)!, [...job.texts], [...job.totals]);
          job.after = '';
        }
        const builder = job.builder;
        const rows = prepare(`SELECT id, ${columnList(builder.texts, builder.totals)} FROM ${sessions} WHERE property = ? AND day = ? AND id > ? ORDER BY id LIMIT ${chunkRows}`).all(job.property, job.day, job.after);
        for (const row of rows) addRow(builder, row, 1);
        if (rows.length === chunkRows) {
          job.after = rows[rows.length - 1]![0] as string;
          return false;
        }
        install(job.property, job.day, builder);
        return true;
      });
      if (done) pending.delete(key);
      trim();
    } catch {
      // The version's tables went (a replay switched versions) or the store closed: nothing left to warm.
      pending.clear();
    }
  };

  /** The range's days with at least the columns asked, as of the snapshot being read; undefined when too many are missing (read in the background). */
  const columnsOfRange = (property: string, from: string, to: string, texts: readonly string[], totals: readonly number[]): [string, DayColumns][] | undefined => {
    const range = daysOf.all(property, from, to);
    // Columns a day lacks are read with those it has: one statement per day and read.
    const stale: { day: string; changes: number }[] = [];
    const wantedTexts = new Set(texts);
    const wantedTotals = new Set(totals);
    for (const [day, changes] of range) {
      const entry = days.get(`${property}\u0001${day}`);
      if (entry !== undefined && entry.changes === changes && holds(entry, texts, totals)) continue;
      if (entry !== undefined && entry.changes === changes) {
        for (const c of entry.texts.keys()) wantedTexts.add(c);
        for (const i of entry.totals.keys()) wantedTotals.add(i);
      }
      stale.push({ day, changes });
    }
    if (stale.length > inlineDays) {
      for (const { day } of stale) {
        const key = `${property}\u0001${day}`;
        const job: Job = pending.get(key) ?? { property, day, texts: new Set<string>(), totals: new Set<number>(), after: '' };
        for (const c of wantedTexts) job.texts.add(c);
        for (const i of wantedTotals) job.totals.add(i);
        // A day being read without a column now wanted starts again with it.
        if (job.builder !== undefined && (job.builder.texts.length < job.texts.size || job.builder.totals.length < job.totals.size)) job.builder = undefined;
        pending.set(key, job);
      }
      schedule();
      return undefined;
    }
    if (stale.length > 0) read(property, stale, [...wantedTexts], [...wantedTotals]);
    return range.map(([day]) => {
      const key = `${property}\u0001${day}`;
      const entry = days.get(key)!;
      days.delete(key);
      days.set(key, entry);
      return [day, entry];
    });
  };

  const trim = (): void => {
    for (const [key, entry] of days) {
      if (bytes <= maxBytes) break;
      days.delete(key);
      bytes -= entry.bytes;
    }
  };

  // Every column the sessions table has that the columns can hold: what a warmed day keeps.
  const allTexts = [...stored].filter(isTextColumn);
  const allTotals = BASE_METRICS.flatMap((metric, i) => (stored.has(totalColumn(metric)) ? [i] : []));
  /** About what a day of `count` sessions with every column takes (narrow codes, wide totals). */
  const estimate = (count: number): number => count * (4 + 2 * allTexts.length + 8 * allTotals.length);

  let thread: Worker | undefined;
  /**
   * The warm-up thread: started by a warm-up, ended when it has answered every day asked
   * (warm-ups are rare: the first query over a range), so no idle thread stays behind.
   */
  const warmThread = (): Worker => {
    if (thread !== undefined) return thread;
    const data: ColumnsThreadData = { file: db.name, sessions, sessionDays: q(t.sessionDays) };
    const worker = spawnThread(threadEntry('session-columns-thread', import.meta.url), data);
    const stop = (): void => {
      if (thread !== worker) return;
      thread = undefined;
      warming.clear();
      schedule();
    };
    worker.on('message', (reply: ColumnsThreadReply) => {
      if (thread !== worker) return;
      warming.delete(`${reply.property}\u0001${reply.day}`);
      // Taken only if the day is still as it was read; otherwise a request reads it again.
      if (reply.entry !== undefined && changesOf.get(reply.property, reply.day) === reply.entry.changes) {
        loads++;
        keep(reply.property, reply.day, reply.entry);
        trim();
      }
      if (warming.size === 0) {
        thread = undefined;
        void worker.terminate();
      }
      schedule();
    });
    // A thread that failed (the version's tables dropped, the store closed) is not restarted until the next warm-up.
    worker.on('error', stop);
    worker.on('exit', stop);
    thread = worker;
    return worker;
  };

  const canAnswer = (dimensions: readonly string[], filter: DimensionFilter | undefined): boolean =>
    dimensions.every(isColumnDimension) && [...filterDimensions(filter)].every(isColumnDimension);

  return {
    canAnswer,

    aggregate(request) {
      const { property, dimensions, filter, positions } = request;
      if (!canAnswer(dimensions, filter)) throw new Error('session columns: the request names a dimension they do not hold');
      const texts = [...new Set([...dimensions.filter(isTextColumn), ...[...filterDimensions(filter)].filter(isTextColumn)])];
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
      interface Day {
        columns: DayColumns;
        mask: true | Uint8Array;
        /** Per dimension: the day's codes and each code's value number, or one value number for the whole day. */
        values: ({ codes: Codes; ids: Int32Array } | number)[];
      }
      const plan: Day[] = [];
      let cold = false;
      try {
        readSnapshot(db, () => {
          const range = columnsOfRange(property, request.from, request.to, texts, positions);
          if (range === undefined) {
            cold = true;
            return;
          }
          for (const [day, columns] of range) {
            const mask = filter === undefined ? true : dayMask(filter, day, columns);
            if (mask === false || columns.count === 0) continue;
            const values = dimensions.map((d, i) => {
              if (isDayDimension(d)) return idOf(i, timeValueOf(d, day, ''));
              const { dict, codes } = columns.texts.get(d)!;
              const ids = new Int32Array(dict.length);
              for (let c = 0; c < dict.length; c++) ids[c] = idOf(i, dict[c]!);
              return { codes, ids };
            });
            plan.push({ columns, mask, values });
          }
        });
      } finally {
        trim();
      }
      if (cold) return undefined;
      const maxClient = plan.reduce((max, d) => Math.max(max, d.columns.maxClient), -1);
      const total = plan.reduce((n, d) => n + d.columns.count, 0);
      // A row's group: its value numbers in mixed radix, then a dense array or a map to a group number.
      const radix = valueNames.map((names) => Math.max(1, names.length));
      const cells = radix.reduce((a, b) => a * b, 1);
      // Keys must be exact numbers and clients within the counting arrays: else SQL answers.
      if (maxClient >= CLIENT_LIMIT || cells > Number.MAX_SAFE_INTEGER) return undefined;
      const dense = cells <= DENSE_GROUPS ? new Int32Array(cells).fill(-1) : undefined;
      const sparse = new Map<number, number>();
      const groupIds: number[][] = [];
      const sums: number[] = [];
      const width = positions.length;
      // Each matched session's group and client, to count each group's distinct clients after.
      const rowGroups = new Int32Array(total);
      const rowClients = new Int32Array(total);
      let matched = 0;
      const seen = new Uint8Array(maxClient + 1);
      let users = 0;
      const n = dimensions.length;
      // Per dimension, for the day at hand: a value number for the whole day (>= 0), or -1
      // and the day's codes with each code's value number. Plain loops, no closure per row.
      const constant = new Int32Array(n);
      const codesOf: Codes[] = new Array<Codes>(n);
      const idsOf: Int32Array[] = new Array<Int32Array>(n);
      const NONE = new Int32Array(0);
      for (const { columns, mask, values } of plan) {
        for (let i = 0; i < n; i++) {
          const v = values[i]!;
          if (typeof v === 'number') {
            constant[i] = v;
            codesOf[i] = NONE;
            idsOf[i] = NONE;
          } else {
            constant[i] = -1;
            codesOf[i] = v.codes;
            idsOf[i] = v.ids;
          }
        }
        const sumsOf = positions.map((p) => columns.totals.get(p)!);
        const { clients } = columns;
        for (let row = 0; row < columns.count; row++) {
          if (mask !== true && mask[row] === 0) continue;
          let key = 0;
          for (let i = 0; i < n; i++) key = key * radix[i]! + (constant[i]! >= 0 ? constant[i]! : idsOf[i]![codesOf[i]![row]!]!);
          let g = dense !== undefined ? dense[key]! : (sparse.get(key) ?? -1);
          if (g === -1) {
            g = groupIds.length;
            const ids = new Array<number>(n);
            for (let i = 0; i < n; i++) ids[i] = constant[i]! >= 0 ? constant[i]! : idsOf[i]![codesOf[i]![row]!]!;
            groupIds.push(ids);
            for (let k = 0; k < width; k++) sums.push(0);
            if (dense !== undefined) dense[key] = g;
            else sparse.set(key, g);
          }
          const base = g * width;
          for (let k = 0; k < width; k++) sums[base + k] = sums[base + k]! + sumsOf[k]![row]!;
          const client = clients[row]!;
          rowGroups[matched] = g;
          rowClients[matched++] = client;
          if (seen[client] === 0) {
            seen[client] = 1;
            users++;
          }
        }
      }
      const groupUsers = distinctPerGroup(rowGroups, rowClients, matched, groupIds.length, maxClient);
      const rows: ColumnAggregateRow[] = new Array<ColumnAggregateRow>(groupIds.length);
      for (let g = 0; g < groupIds.length; g++) {
        const stored = zeroVector();
        let nonzero = false;
        for (let k = 0; k < width; k++) {
          const sum = sums[g * width + k]!;
          stored[positions[k]!] = sum;
          if (sum !== 0) nonzero = true;
        }
        const ids = groupIds[g]!;
        const values = new Array<string>(n);
        for (let i = 0; i < n; i++) values[i] = valueNames[i]![ids[i]!]!;
        rows[g] = { values, stored, custom: NO_CUSTOM, users: groupUsers[g]!, nonzero };
      }
      return { rows, users };
    },

    warm(property, from, to) {
      let room = maxBytes - bytes;
      for (const size of warming.values()) room -= size;
      const wanted: ColumnsThreadRequest[] = [];
      for (const [day, changes] of daysOf.all(property, from, to).reverse()) {
        const key = `${property}\u0001${day}`;
        if (warming.has(key) || pending.has(key)) continue;
        const entry = days.get(key);
        if (entry !== undefined && entry.changes === changes && holds(entry, allTexts, allTotals)) continue;
        const size = estimate(countOf.get(property, day) ?? 0) - (entry?.bytes ?? 0);
        if (size > room) break;
        room -= size;
        warming.set(key, size);
        wanted.push({ property, day, texts: allTexts, totals: allTotals, columns: columnList(allTexts, allTotals) });
      }
      if (wanted.length === 0) return;
      const worker = warmThread();
      for (const request of wanted) worker.postMessage(request);
    },

    settled() {
      return pending.size === 0 && warming.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve));
    },

    close() {
      const worker = thread;
      thread = undefined;
      warming.clear();
      schedule();
      void worker?.terminate();
    },

    stats() {
      return { days: days.size, bytes, loads };
    },
  };
}
