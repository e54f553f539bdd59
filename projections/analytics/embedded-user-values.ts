// Exact users per value of a session-level dimension over any day range, without a scan
// of the session documents (which takes seconds at a million page views).
//
// For one client and one (dimension, value), let d1 < d2 < … be the days of its sessions
// with that value. The `user_values` table counts, per (dimension, value, day, prev_day),
// the clients having the value on `day` whose previous such day was `prev_day` ('' for
// none). A client has the value in [from, to] iff exactly one of its days there has its
// previous day before `from` (its first day in the range), so
//
//   users(value, from, to) = Σ clients WHERE day BETWEEN from AND to AND prev_day < from
//
// reads O(values × days × distinct previous days) rows, however many sessions there are.
//
// Dimensions: '' (every session: the property's users), the session dimensions, and the
// calendar of the session (date, dayOfWeek, week, month of its day; hour: its start hour).
// Values are those of the session rows, so the counts equal COUNT(DISTINCT client) over
// the sessions table (and, for '', over user_days: one user-day per session day).
//
// Kept by the sink in each batch's transaction: the session rows of every client the batch
// touches are read before its writes, the sessions after them follow from the batch's
// documents and erasures (`sessionsAfter`), and the difference of the rows they imply is
// added, for the dimensions whose values or days changed only. A store whose sessions predate the table is filled once
// at open (`ensureUserValues`).
import { getHeapStatistics } from 'node:v8';
import type Database from 'better-sqlite3';
import { timeValueOf } from './calendar.ts';
import { NOT_SET, SESSION_DIMENSIONS } from './dimensions.ts';
import { q, type AnalyticsTables } from './embedded-schema.ts';
import type { SessionDoc } from './model.ts';

/** The dimensions the table counts users for; '' is the totals. */
export const USER_VALUE_DIMENSIONS: readonly string[] = ['', 'date', 'hour', 'dayOfWeek', 'week', 'month', ...SESSION_DIMENSIONS];
const CALENDAR = ['date', 'hour', 'dayOfWeek', 'week', 'month'] as const;
/** Between a property and a day in the keys `apply` returns. */
export const SEP = '\u0001';

export interface ClientKey {
  property: string;
  client: string;
}

/** A row's key: property, dimension, value, day, prev_day. */
type RowKey = [string, string, string, string, string];
/** Row increments, by `rowId`. */
type RowDelta = Map<string, { key: RowKey; clients: number }>;
/**
 * The sessions of some clients, by property + SEP + client: each session as [day, hour,
 * ...session dimension values] (`sessions`), with its id at the same index (`ids`).
 */
export type UserValueRows = Map<string, { property: string; ids: string[]; sessions: string[][] }>;

export interface UserValueIndex {
  /** The stored sessions of these clients (read inside the caller's transaction, or remembered), which imply their rows; every client has an entry. */
  capture(clients: Iterable<ClientKey>): UserValueRows;
  /**
   * Adds to the table the rows `after` implies less those `before` implies. Returns the
   * days whose rows changed (property + SEP + day): not only the days of the sessions
   * written, since a session on an earlier day changes its client's later rows.
   */
  apply(before: UserValueRows, after: UserValueRows): Set<string>;
  /** Keeps these clients' sessions, as committed, for the next captures (a bounded LRU). */
  remember(committed: UserValueRows): void;
  /** Forgets every remembered client (a failed batch, or the store changed under the sink). */
  forget(): void;
}

/**
 * Sessions `remember` keeps, over all the clients it keeps: most clients of a batch were in
 * a recent one, and a live projection whose clients miss here reads their sessions again
 * (at 20,000 sessions the lag bench recorded a third fewer hits than at 100,000). Counted
 * in sessions, not clients, so the memory stays bounded however many sessions a returning
 * visitor has: a replay of 10M events with a 256 MB heap ran out of memory keeping 5,000
 * clients of some 13 sessions each. Sized by the heap: under a small cap (256 MB, as
 * docs/deploy.md recommends and the projections thread has) 20,000: a 10M-event replay
 * peaked at 506 MiB RSS with it, and one with 100,000 had reached 515 MiB when it was
 * stopped at 6M events; 100,000 is kept for heaps of 1 GiB or more.
 */
const REMEMBERED_SESSIONS = getHeapStatistics().heap_size_limit >= 2 ** 30 ? 100_000 : 20_000;
/** Distinct values `intern` keeps before it starts over. */
const INTERNED_VALUES = 100_000;
/** Clients per read of their stored sessions: a bounded statement, its rows taken one at a time. */
const CAPTURE_CHUNK = 1_000;

// One string per distinct value (a country, a browser, a day) instead of one per session
// that has it: the kept sessions are mostly the same few hundred values.
const interned = new Map<string, string>();
function intern(value: string): string {
  const known = interned.get(value);
  if (known !== undefined) return known;
  if (interned.size >= INTERNED_VALUES) interned.clear();
  interned.set(value, value);
  return value;
}

/** A session document's values as its row stores them (embedded-sessions.ts). */
const valuesOf = (doc: SessionDoc): string[] => {
  const values = [intern(doc.day), intern(doc.hour)];
  for (let id = 0; id < SESSION_DIMENSIONS.length; id++) values.push(intern(doc.dims[id] ?? NOT_SET));
  return values;
};

/**
 * The clients' sessions once a batch is written, from those stored before it (`capture`)
 * without reading them again: an erased client's stored sessions are gone, and the
 * batch's documents replace (by id) or join the rest.
 */
export function sessionsAfter(before: UserValueRows, docs: readonly SessionDoc[], erased: Iterable<ClientKey>): UserValueRows {
  const after: UserValueRows = new Map();
  const gone = new Set<string>();
  for (const { property, client } of erased) gone.add(property + SEP + client);
  for (const [key, entry] of before) after.set(key, { property: entry.property, ids: gone.has(key) ? [] : entry.ids.slice(), sessions: gone.has(key) ? [] : entry.sessions.slice() });
  for (const doc of docs) {
    const key = doc.property + SEP + doc.client;
    let entry = after.get(key);
    if (entry === undefined) after.set(key, (entry = { property: doc.property, ids: [], sessions: [] }));
    const at = entry.ids.indexOf(doc.id);
    if (at >= 0) entry.sessions[at] = valuesOf(doc);
    else {
      entry.ids.push(doc.id);
      entry.sessions.push(valuesOf(doc));
    }
  }
  return after;
}

const NO_SESSIONS: string[][] = [];

/** Per value, the days of the client's sessions with it in one dimension slot (0: '', then CALENDAR, then the session dimensions). */
function daysOf(sessions: readonly (readonly string[])[], slot: number): Map<string, Set<string>> {
  const byValue = new Map<string, Set<string>>();
  for (const session of sessions) {
    const day = session[0]!;
    const value = slot === 0 ? '' : slot <= CALENDAR.length ? timeValueOf(CALENDAR[slot - 1]!, day, session[1]!) : session[2 + slot - 1 - CALENDAR.length]!;
    let set = byValue.get(value);
    if (set === undefined) byValue.set(value, (set = new Set()));
    set.add(day);
  }
  return byValue;
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  if (a.size !== b.size) return false;
  for (const day of a) if (!b.has(day)) return false;
  return true;
}

/**
 * The delta's key of a row. Property (a tid), dimension (a fixed name) and days never hold
 * SEP, so with the free-form value last the key is unambiguous (and far cheaper than JSON).
 */
const rowId = (property: string, dimension: string, day: string, previous: string, value: string): string => property + SEP + dimension + SEP + day + SEP + previous + SEP + value;

/** A value's rows: each of its days (sorted) with the value's previous day ('' for none). */
function rowsOf(days: Set<string> | undefined): Map<string, string> {
  const rows = new Map<string, string>();
  if (days === undefined) return rows;
  let previous = '';
  for (const day of days.size === 1 ? days : [...days].sort()) {
    rows.set(day, previous);
    previous = day;
  }
  return rows;
}

function addRow(into: RowDelta, property: string, dimension: string, value: string, day: string, previous: string, sign: number): void {
  const id = rowId(property, dimension, day, previous, value);
  const row = into.get(id);
  if (row === undefined) into.set(id, { key: [property, dimension, value, day, previous], clients: sign });
  else row.clients += sign;
}

/** The rows of one slot after less before, value by value: only the (day, previous day) pairs that changed. */
function diffSlot(property: string, dimension: string, was: Map<string, Set<string>>, is: Map<string, Set<string>>, into: RowDelta): void {
  for (const [value, days] of is) {
    const old = was.get(value);
    if (old !== undefined && sameSet(old, days)) continue;
    const before = rowsOf(old);
    for (const [day, previous] of rowsOf(days)) {
      if (before.get(day) === previous) before.delete(day);
      else addRow(into, property, dimension, value, day, previous, 1);
    }
    for (const [day, previous] of before) addRow(into, property, dimension, value, day, previous, -1);
  }
  for (const [value, days] of was) {
    if (is.has(value)) continue;
    for (const [day, previous] of rowsOf(days)) addRow(into, property, dimension, value, day, previous, -1);
  }
}

/** The same sessions in the same order (as `sessionsAfter` keeps them)? Then the client's rows are unchanged. */
function sameSessions(a: readonly string[][], b: readonly string[][]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false;
  }
  return true;
}

/** The column of a session's values a slot reads besides its day (0): the hour for the calendar slots, its value for the others; -1 for none. */
const columnOf = (slot: number): number => (slot === 0 ? -1 : slot <= CALENDAR.length ? 1 : 2 + slot - 1 - CALENDAR.length);

/**
 * Whether a slot's (value, day) pairs may differ. The sessions keep their places
 * (`sessionsAfter` replaces in place and appends), so with as many sessions, only a
 * changed day or a changed column the slot reads can change them.
 */
function slotMayDiffer(before: readonly string[][], after: readonly string[][], slot: number): boolean {
  if (before.length !== after.length) return true;
  const column = columnOf(slot);
  for (let i = 0; i < before.length; i++) {
    const x = before[i]!;
    const y = after[i]!;
    if (x[0] !== y[0] || (column >= 0 && x[column] !== y[column])) return true;
  }
  return false;
}

/**
 * One client's rows after less before, into `delta`. Only the dimensions whose value → days
 * changed are written out: a batch mostly moves a session's exit page, or adds a session on
 * a day the client already has, and most of the ~30 dimensions stay as they were; those
 * are told apart by comparing the columns they read before grouping anything.
 */
function diffClient(property: string, before: readonly string[][], after: readonly string[][], delta: RowDelta): void {
  if (sameSessions(before, after)) return;
  for (let slot = 0; slot < USER_VALUE_DIMENSIONS.length; slot++) {
    if (!slotMayDiffer(before, after, slot)) continue;
    diffSlot(property, USER_VALUE_DIMENSIONS[slot]!, daysOf(before, slot), daysOf(after, slot), delta);
  }
}

const sessionFields = ['day', 'hour', ...SESSION_DIMENSIONS].map((c) => `s.${q(c)}`).join(', ');

export function openUserValueIndex(db: Database.Database, t: AnalyticsTables, rememberedSessions = REMEMBERED_SESSIONS): UserValueIndex {
  // Committed sessions of recent clients, least recently used first: the read before each
  // batch is then mostly skipped. Entries are never mutated (sessionsAfter copies).
  const remembered: UserValueRows = new Map();
  let rememberedCount = 0;
  // One probe of the (property, client) index per client; json_each stays outermost.
  const load = db
    .prepare<[string], unknown[]>(
      `SELECT k.value ->> 0, k.value ->> 1, s.id, ${sessionFields} FROM json_each(?) k CROSS JOIN ${q(t.sessions)} s
       ON s.property = k.value ->> 0 AND s.client = k.value ->> 1`,
    )
    .raw(true);
  const upsert = db.prepare<[string, string, string, string, string, number]>(
    `INSERT INTO ${q(t.userValues)} (property, dimension, value, day, prev_day, clients) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (property, dimension, day, value, prev_day) DO UPDATE SET clients = clients + excluded.clients`,
  );
  const deleteEmpty = db.prepare<[string, string, string, string, string]>(
    `DELETE FROM ${q(t.userValues)} WHERE property = ? AND dimension = ? AND day = ? AND value = ? AND prev_day = ? AND clients = 0`,
  );

  return {
    capture(clients) {
      const keys = new Map<string, [string, string]>();
      for (const { property, client } of clients) keys.set(property + SEP + client, [property, client]);
      const byClient: UserValueRows = new Map();
      const list: [string, string][] = [];
      for (const [key, pair] of keys) {
        const known = remembered.get(key);
        if (known !== undefined) byClient.set(key, known);
        else {
          byClient.set(key, { property: pair[0], ids: [], sessions: [] });
          list.push(pair);
        }
      }
      // A replay batch touches a few thousand clients: bounded statements, and rows taken
      // one at a time rather than as one array (whose peak is what overflowed a capped heap).
      for (let i = 0; i < list.length; i += CAPTURE_CHUNK) {
        for (const row of load.iterate(JSON.stringify(list.slice(i, i + CAPTURE_CHUNK)))) {
          const property = String(row[0]);
          const key = property + SEP + String(row[1]);
          const entry = byClient.get(key)!;
          const session = new Array<string>(row.length - 3);
          for (let k = 3; k < row.length; k++) session[k - 3] = intern(String(row[k]));
          entry.ids.push(String(row[2]));
          entry.sessions.push(session);
        }
      }
      return byClient;
    },

    apply(before, after) {
      const delta: RowDelta = new Map();
      for (const [key, { property, sessions }] of after) diffClient(property, before.get(key)?.sessions ?? NO_SESSIONS, sessions, delta);
      for (const [key, { property, sessions }] of before) if (!after.has(key)) diffClient(property, sessions, NO_SESSIONS, delta);
      const days = new Set<string>();
      for (const { key, clients: n } of delta.values()) {
        if (n === 0) continue;
        const [property, dimension, value, day, previous] = key;
        upsert.run(property, dimension, value, day, previous, n);
        if (n < 0) deleteEmpty.run(property, dimension, day, value, previous);
        days.add(property + SEP + day);
      }
      return days;
    },

    remember(committed) {
      for (const [key, entry] of committed) {
        rememberedCount -= remembered.get(key)?.sessions.length ?? 0;
        remembered.delete(key);
        remembered.set(key, entry);
        rememberedCount += entry.sessions.length;
      }
      for (const [key, entry] of remembered) {
        if (rememberedCount <= rememberedSessions) break;
        remembered.delete(key);
        rememberedCount -= entry.sessions.length;
      }
    },

    forget() {
      remembered.clear();
      rememberedCount = 0;
    },
  };
}

/**
 * Fills the table of a store whose sessions were written before it existed (it is empty
 * while sessions are not). Pages through the clients; run it inside no transaction.
 */
export function ensureUserValues(db: Database.Database, t: AnalyticsTables, index: UserValueIndex): void {
  const filled = db.prepare(`SELECT 1 FROM ${q(t.userValues)} LIMIT 1`).get() !== undefined;
  if (filled || db.prepare(`SELECT 1 FROM ${q(t.sessions)} LIMIT 1`).get() === undefined) return;
  const page = db
    .prepare<[string, string], unknown[]>(`SELECT DISTINCT property, client FROM ${q(t.sessions)} WHERE (property, client) > (?, ?) ORDER BY property, client LIMIT 2000`)
    .raw(true);
  const fill = db.transaction((clients: ClientKey[]) => index.apply(new Map(), index.capture(clients)));
  let after: [string, string] = ['', ''];
  for (;;) {
    const clients = page.all(...after).map((row) => ({ property: String(row[0]), client: String(row[1]) }));
    if (clients.length === 0) break;
    fill(clients);
    const last = clients[clients.length - 1]!;
    after = [last.property, last.client];
  }
}
