// Users per value of a high-cardinality dimension, for a report sorted by users, without
// grouping the whole range's user_values rows on every request (about 80 ms of SQLite's
// sorting at 180,000 referral paths).
//
// users(value, from, to) is a sum over the range's days (embedded-user-values.ts), so the
// range splits into its settled days, all but the last two, and its recent ones (today,
// and yesterday, which late hits still reach). The settled part is grouped once and kept,
// with the change counts (`session_days`) of its days; the sink moves a day's count
// whenever its sessions or its user_values rows change, so a kept part is used only while
// every count it was read with is unchanged. The recent part is grouped on each request
// (a day or two of rows). The page is then chosen in JS from the kept counts plus the
// recent ones. They also give the report's row count: a value has rollup rows in the range
// exactly when a session there has it, and then users there (both tables follow the same
// sessions, erasures included), so the range's values are the settled ones and the recent
// ones; the comparison with the SQL path in the tests holds them to it.
import type Database from 'better-sqlite3';
import { q, type AnalyticsTables } from './embedded-schema.ts';
import { createTopRows } from './top-rows.ts';
import { shiftDay } from './local-time.ts';

/** Days at the end of a range that are grouped on every request. */
const RECENT_DAYS = 2;
/** Kept parts (one per property, dimension, first day and last settled day; some 15 MB each at 180,000 values); least recently used goes first. */
const DEFAULT_ENTRIES = 3;

interface SettledPart {
  /** The change counts of its days when it was read. */
  versions: string;
  /** Users per value over the settled days. */
  counts: Map<string, number>;
}

export interface UsersPage {
  /** [value, users] in report order. */
  rows: [string, number][];
  /** The values with users in the range, which are those of its rollups (the report's row count). */
  rowCount: number;
}

export interface SettledUsers {
  /**
   * The first `count` values by users, descending, ties by value in code unit order, and
   * the row count; undefined when the range has no settled day (it is short: SQL groups
   * it). `cachedOnly`: answer only from a part already kept and valid, else undefined.
   */
  topByUsers(property: string, dimension: string, from: string, to: string, count: number, cachedOnly?: boolean): UsersPage | undefined;
}


export function createSettledUsers(db: Database.Database, t: AnalyticsTables, entries = DEFAULT_ENTRIES): SettledUsers {
  const kept = new Map<string, SettledPart>();
  const groupSql = `SELECT value, SUM(clients) FROM ${q(t.userValues)} WHERE property = ? AND dimension = ? AND day BETWEEN ? AND ? AND prev_day < ? GROUP BY value`;
  const group = db.prepare<[string, string, string, string, string], [string, number]>(groupSql).raw(true);
  const versionsOf = db.prepare<[string, string, string], [string, number]>(`SELECT day, changes FROM ${q(t.sessionDays)} WHERE property = ? AND day BETWEEN ? AND ? ORDER BY day`).raw(true);
  const countsOf = (property: string, dimension: string, from: string, firstDay: string, lastDay: string): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const [value, users] of group.iterate(property, dimension, firstDay, lastDay, from)) counts.set(String(value), Number(users));
    return counts;
  };

  return {
    topByUsers(property, dimension, from, to, count, cachedOnly = false) {
      const settledTo = shiftDay(to, -RECENT_DAYS);
      if (settledTo < from) return undefined;
      const key = [property, dimension, from, settledTo].join('\u0001');
      const versions = versionsOf
        .all(property, from, settledTo)
        .map(([day, changes]) => `${day}:${changes}`)
        .join(',');
      let part = kept.get(key);
      if (part !== undefined && part.versions !== versions) {
        kept.delete(key);
        part = undefined;
      }
      if (part === undefined) {
        if (cachedOnly) return undefined;
        part = { versions, counts: countsOf(property, dimension, from, from, settledTo) };
      }
      kept.delete(key); // most recently used last
      kept.set(key, part);
      for (const old of kept.keys()) {
        if (kept.size <= entries) break;
        kept.delete(old);
      }
      const recent = countsOf(property, dimension, from, shiftDay(settledTo, 1), to);
      let rowCount = part.counts.size;
      for (const value of recent.keys()) if (!part.counts.has(value)) rowCount += 1;
      return { rows: topOf(part, recent, count), rowCount };
    },
  };
}

/** The first `count` of settled + recent by users descending, ties by value. */
function topOf(part: SettledPart, recent: ReadonlyMap<string, number>, count: number): [string, number][] {
  const usersOf = (value: string): number => (part.counts.get(value) ?? 0) + (recent.get(value) ?? 0);
  const best = createTopRows(count, -1);
  for (const value of part.counts.keys()) best.offer(value, usersOf(value));
  for (const value of recent.keys()) if (!part.counts.has(value)) best.offer(value, usersOf(value));
  return best.inOrder().map((value) => [value, usersOf(value)]);
}
