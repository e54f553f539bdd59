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
// touches are read before and after its writes (erasures included), and the difference of
// the rows they imply is added. A store whose sessions predate the table is filled once
// at open (`ensureUserValues`).
import type Database from 'better-sqlite3';
import { timeValueOf } from './adhoc-embedded.ts';
import { SESSION_DIMENSIONS } from './dimensions.ts';
import { q, type AnalyticsTables } from './embedded-schema.ts';

/** The dimensions the table counts users for; '' is the totals. */
export const USER_VALUE_DIMENSIONS: readonly string[] = ['', 'date', 'hour', 'dayOfWeek', 'week', 'month', ...SESSION_DIMENSIONS];
const CALENDAR = ['date', 'hour', 'dayOfWeek', 'week', 'month'] as const;
const SEP = '\u0001';

export interface ClientKey {
  property: string;
  client: string;
}

/** A row's key: property, dimension, value, day, prev_day. */
type RowKey = [string, string, string, string, string];
/** Rows of the table as a multiset, by the JSON of their key (values may hold any character). */
export type UserValueRows = Map<string, { key: RowKey; clients: number }>;

export interface UserValueIndex {
  /** The rows the stored sessions of these clients imply (read inside the caller's transaction). */
  capture(clients: Iterable<ClientKey>): UserValueRows;
  /** Adds `after − before` to the table. */
  apply(before: UserValueRows, after: UserValueRows): void;
}

/** The table's rows for one client's sessions: [day, hour, ...session dimension values]. */
function rowsOfClient(property: string, sessions: readonly (readonly string[])[], into: UserValueRows): void {
  // value → days, per dimension slot.
  const days = USER_VALUE_DIMENSIONS.map(() => new Map<string, Set<string>>());
  for (const session of sessions) {
    const day = session[0]!;
    const hour = session[1]!;
    const add = (slot: number, value: string): void => {
      const map = days[slot]!;
      let set = map.get(value);
      if (set === undefined) map.set(value, (set = new Set()));
      set.add(day);
    };
    add(0, '');
    CALENDAR.forEach((dimension, i) => add(1 + i, timeValueOf(dimension, day, hour)));
    for (let d = 0; d < SESSION_DIMENSIONS.length; d++) add(1 + CALENDAR.length + d, session[2 + d]!);
  }
  days.forEach((byValue, slot) => {
    const dimension = USER_VALUE_DIMENSIONS[slot]!;
    for (const [value, set] of byValue) {
      const sorted = [...set].sort();
      let previous = '';
      for (const day of sorted) {
        const key: RowKey = [property, dimension, value, day, previous];
        const id = JSON.stringify(key);
        const row = into.get(id);
        if (row === undefined) into.set(id, { key, clients: 1 });
        else row.clients += 1;
        previous = day;
      }
    }
  });
}

const sessionFields = ['day', 'hour', ...SESSION_DIMENSIONS].map((c) => `s.${q(c)}`).join(', ');

export function openUserValueIndex(db: Database.Database, t: AnalyticsTables): UserValueIndex {
  // One probe of the (property, client) index per client; json_each stays outermost.
  const load = db
    .prepare<[string], unknown[]>(
      `SELECT k.value ->> 0, k.value ->> 1, ${sessionFields} FROM json_each(?) k CROSS JOIN ${q(t.sessions)} s
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
      const byClient = new Map<string, { property: string; sessions: string[][] }>();
      const list = [...keys.values()];
      // Bounded statement parameters: a replay batch touches a few thousand clients.
      for (let i = 0; i < list.length; i += 5000) {
        for (const row of load.all(JSON.stringify(list.slice(i, i + 5000)))) {
          const property = String(row[0]);
          const key = property + SEP + String(row[1]);
          let entry = byClient.get(key);
          if (entry === undefined) byClient.set(key, (entry = { property, sessions: [] }));
          entry.sessions.push(row.slice(2).map(String));
        }
      }
      const rows: UserValueRows = new Map();
      for (const { property, sessions } of byClient.values()) rowsOfClient(property, sessions, rows);
      return rows;
    },

    apply(before, after) {
      const delta = new Map<string, { key: RowKey; clients: number }>();
      for (const [id, row] of after) delta.set(id, { key: row.key, clients: row.clients });
      for (const [id, row] of before) {
        const found = delta.get(id);
        if (found === undefined) delta.set(id, { key: row.key, clients: -row.clients });
        else found.clients -= row.clients;
      }
      for (const { key, clients: n } of delta.values()) {
        if (n === 0) continue;
        const [property, dimension, value, day, previous] = key;
        upsert.run(property, dimension, value, day, previous, n);
        if (n < 0) deleteEmpty.run(property, dimension, day, value, previous);
      }
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
