// The first page of a rollup report without grouping every value of the range: Fagin's
// threshold algorithm over the daily rollups (embedded store).
//
// A page-path report over 30 days has tens of thousands of values, almost all of them
// seen once or twice, and a GROUP BY over all of them is what made such reports grow with
// the traffic. Instead, each day's values are read in descending order of a *bound*
// metric from an index (property, dimension, day, bound), `depth` per day. A value seen
// on none of those lists has at most the bound of the last row read on each day, so at
// most their sum, the threshold, over the range. The seen values' exact scores are then
// computed; if the page's last row scores strictly above the threshold, no unseen value
// can enter the page (nor tie with it), and the page is exact. Otherwise the lists are
// read deeper, and past the last depth the caller groups every value as before: this is
// an accelerator, never an approximation.
//
// The bound must be, per value and day, at least the score's share of that day:
// - pageviews, sorted by pageviews: the bound is the score itself;
// - sessions or users of a session dimension: the bound is hits (every stored session
//   has at least one hit and carries all its metrics to its session dimensions' values,
//   so hits ≥ sessions ≥ distinct clients on each day and value).
import type Database from 'better-sqlite3';
import { isSessionDimension } from './dimensions.ts';
import { boundIndexName, q, type BoundColumn } from './embedded-schema.ts';
import { M } from './metrics.ts';
import type { SortKey } from './queries.ts';

/** The bound column for a descending sort key, or undefined when the threshold algorithm does not apply. */
export function boundFor(dimension: string, key: SortKey): BoundColumn | undefined {
  if ('users' in key) return isSessionDimension(dimension) ? 'hits' : undefined;
  if (!('metric' in key)) return undefined;
  if (key.metric === M.pageviews) return 'pageviews';
  if (key.metric === M.sessions && isSessionDimension(dimension)) return 'hits';
  return undefined;
}

export interface TopValuesRequest {
  property: string;
  dimension: string;
  /** Every day of the range, 'YYYY-MM-DD'. */
  days: readonly string[];
  bound: BoundColumn;
  /** The page's rows: offset + limit. */
  count: number;
  /** Exact scores of some values over the range (a metric's sum, or users). */
  score: (values: readonly string[]) => Map<string, number>;
}

/** Per-day list depths tried before giving up. */
export const DEFAULT_DEPTHS: readonly number[] = [32, 256];
/** Beyond these, grouping every value is as cheap: give up at once. */
const MAX_COUNT = 200;
const MAX_LIST_ROWS = 100_000;

/** SQLite's BINARY collation is UTF-8 byte order; ties are broken as the GROUP BY path breaks them. */
const byUtf8 = (a: string, b: string): number => (a === b ? 0 : Buffer.compare(Buffer.from(a), Buffer.from(b)));

export interface TopValues {
  /** The first `count` values, best first, with their scores. */
  rows: [string, number][];
  /** The depth that proved the page. */
  depth: number;
}

/**
 * The top `count` values by score, descending, ties by value; undefined when the
 * threshold could not prove them (the caller then groups every value).
 */
export function topValuesByThreshold(db: Database.Database, daily: string, request: TopValuesRequest, depths: readonly number[] = DEFAULT_DEPTHS): TopValues | undefined {
  const { count, days } = request;
  if (count <= 0 || count > MAX_COUNT || days.length === 0) return undefined;
  const list = db
    .prepare<[string, string, string, number], [string, number]>(
      `SELECT value, ${q(request.bound)} FROM ${q(daily)} INDEXED BY ${q(boundIndexName(daily, request.bound))}
       WHERE property = ? AND dimension = ? AND day = ? ORDER BY ${q(request.bound)} DESC LIMIT ?`,
    )
    .raw(true);
  for (const depth of depths) {
    if (depth * days.length > MAX_LIST_ROWS) return undefined;
    // Upper bound of each seen value: its bound where seen, the day's last bound elsewhere.
    const seen = new Map<string, number>();
    let threshold = 0;
    let fullLists = 0;
    for (const day of days) {
      const rows = list.all(request.property, request.dimension, day, depth);
      // A list shorter than the depth holds every value of the day: the others have nothing.
      const last = rows.length < depth ? 0 : Math.max(0, Number(rows[rows.length - 1]![1]));
      if (rows.length === depth) fullLists++;
      threshold += last;
      for (const [value, bound] of rows) seen.set(value, (seen.get(value) ?? 0) + Number(bound) - last);
    }
    const candidates = [...seen].map(([value, extra]) => [value, threshold + extra] as [string, number]).sort((a, b) => b[1] - a[1]);
    // Exact scores, best upper bounds first, until no remaining candidate can reach the page.
    const best: [string, number][] = [];
    const order = (a: [string, number], b: [string, number]): number => b[1] - a[1] || byUtf8(a[0], b[0]);
    const chunk = Math.max(2 * count, 64);
    for (let at = 0; at < candidates.length; at += chunk) {
      const kth = best.length >= count ? best[count - 1]![1] : Number.NEGATIVE_INFINITY;
      if (candidates[at]![1] < kth) break;
      const values = candidates.slice(at, at + chunk).map(([value]) => value);
      const scores = request.score(values);
      for (const value of values) {
        const score = scores.get(value) ?? 0;
        if (score > 0) best.push([value, score]);
      }
      best.sort(order);
      best.length = Math.min(best.length, count);
      // The first chunk already shows whether the page can clear the threshold; the long
      // tail of equal bounds (a flat distribution) is not worth scoring one by one.
      if (best.length < count || best[count - 1]![1] <= threshold) break;
    }
    // A full page, strictly above anything unseen. (Fewer positive scores than the page:
    // its tail is values scoring 0, ordered by value, which only the grouping lists.)
    if (best.length === count && best[count - 1]![1] > threshold) return { rows: best, depth };
    // A deeper list still ends on a value with a bound of at least 1 on each day that has
    // more values: when the page's last score is no more than that many days, a flat tail
    // (referral paths seen once or twice a day) cannot be outscored; the grouping answers.
    if (best.length === count && best[count - 1]![1] <= fullLists) return undefined;
  }
  return undefined;
}
