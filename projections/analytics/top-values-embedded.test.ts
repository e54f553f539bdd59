// The threshold algorithm against the grouping it stands in for: the same page, row for
// row, over daily rollups with a long tail, ties and values missing on some days; it must
// prove skewed pages at the first depth and give up (undefined) where it cannot prove one.
// And the bound it relies on for sessions and users (hits) holds on a projected history.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { silentLogger } from '../../platform/logger.ts';
import { openEmbeddedReadStore } from '../../storage/readstore/embedded.ts';
import { SESSION_DIMENSIONS } from './dimensions.ts';
import { createTables, q, tablesOf } from './embedded-schema.ts';
import { createAnalyticsProjection } from './index.ts';
import { createEventLog, event, random, variedHits, variedSettings, visit } from './test-support.ts';
import { daysBetween } from './local-time.ts';
import { M } from './metrics.ts';
import { boundFor, topValuesByThreshold } from './top-values-embedded.ts';

const P = 'UA-1-1';
const DIM = 'pagePath';
const t = tablesOf('analytics', 9);

/** Daily rows: value v has about weight(v) page views a day, missing on some days. */
function fill(db: Database.Database, days: readonly string[], values: number, weight: (v: number) => number, seed: number): void {
  const next = random(seed);
  const insert = db.prepare(`INSERT INTO ${q(t.daily)} (property, dimension, day, value, pageviews, hits) VALUES (?, ?, ?, ?, ?, ?)`);
  db.transaction(() => {
    for (const day of days) {
      for (let v = 0; v < values; v++) {
        const pageviews = Math.floor(weight(v) * (0.5 + next()));
        if (pageviews === 0 && next() < 0.7) continue;
        // Names that sort differently by UTF-8 bytes and by UTF-16 code units meet on ties.
        const value = v % 7 === 0 ? `/p/${v}/\u{1F600}` : v % 7 === 1 ? `/p/${v}/\uFF01` : `/p/${v}`;
        insert.run(P, DIM, day, value, pageviews, pageviews + 1);
      }
    }
  })();
}

function open(): Database.Database {
  const db = new Database(':memory:');
  createTables(db, t);
  return db;
}

/** The page as the grouping path computes it. */
const grouped = (db: Database.Database, from: string, to: string, count: number): [string, number][] =>
  db
    .prepare(`SELECT value, SUM(pageviews) AS k FROM ${q(t.daily)} WHERE property = ? AND dimension = ? AND day BETWEEN ? AND ? GROUP BY value ORDER BY k DESC, value ASC LIMIT ?`)
    .raw(true)
    .all(P, DIM, from, to, count) as [string, number][];

const scoreOf = (db: Database.Database, from: string, to: string) => (values: readonly string[]) =>
  new Map(
    db
      .prepare(`SELECT value, SUM(pageviews) FROM ${q(t.daily)} WHERE property = ? AND dimension = ? AND day BETWEEN ? AND ? AND value IN (SELECT value FROM json_each(?)) GROUP BY value`)
      .raw(true)
      .all(P, DIM, from, to, JSON.stringify(values)) as [string, number][],
  );

const DAYS = daysBetween('2024-05-01', '2024-05-30');

test('a skewed distribution: the page is proven (at the first depth for short pages) and equals the grouping, for every page size and sub-range', () => {
  const db = open();
  // Zipf-like: a few pages with thousands of views, thousands with one or two; pairs of
  // equal weights make ties.
  fill(db, DAYS, 3_000, (v) => 4_000 / (1 + Math.floor(v / 2)), 1);
  for (const [from, to] of [
    ['2024-05-01', '2024-05-30'],
    ['2024-05-07', '2024-05-13'],
    ['2024-05-20', '2024-05-20'],
  ] as const) {
    for (const count of [1, 10, 20, 50]) {
      const days = daysBetween(from, to);
      const top = topValuesByThreshold(db, t.daily, { property: P, dimension: DIM, days, bound: 'pageviews', count, score: scoreOf(db, from, to) });
      assert.ok(top !== undefined, `${from}..${to} top ${count} proven`);
      // A page longer than a day's list needs the deeper list when the range is one day.
      if (count <= 20) assert.is(top.depth, 32, `${from}..${to} top ${count} at the first depth`);
      assert.equal(top.rows, grouped(db, from, to, count), `${from}..${to} top ${count}`);
    }
  }
});

test('a flat tail below the page: the threshold cannot prove it, and the answer is undefined (the caller groups)', () => {
  const db = open();
  // Eight big values, then thousands of values of no or one view a day: the 10th value
  // scores about as much as anything unseen may.
  fill(db, DAYS, 2_000, (v) => (v < 8 ? 500 : 0.9), 2);
  let scored = 0;
  const score = (values: readonly string[]) => {
    scored++;
    return scoreOf(db, DAYS[0]!, DAYS[29]!)(values);
  };
  const top = topValuesByThreshold(db, t.daily, { property: P, dimension: DIM, days: DAYS, bound: 'pageviews', count: 10, score });
  assert.is(top, undefined);
  // The 10th value scores no more than the 30 days of full lists: no deeper list is read.
  assert.is(scored, 1);
  // The page of 8 is provable.
  const eight = topValuesByThreshold(db, t.daily, { property: P, dimension: DIM, days: DAYS, bound: 'pageviews', count: 8, score: scoreOf(db, DAYS[0]!, DAYS[29]!) });
  assert.equal(eight?.rows, grouped(db, DAYS[0]!, DAYS[29]!, 8));
});

test('a deeper list proves what the first could not, and random distributions always agree with the grouping or give up', () => {
  let proven = 0;
  let deep = 0;
  for (let seed = 3; seed < 23; seed++) {
    const db = open();
    const next = random(seed * 7919);
    const exponent = 0.5 + next() * 1.5;
    const scale = 50 + next() * 2_000;
    fill(db, DAYS, 800, (v) => scale / Math.pow(1 + v, exponent), seed);
    const from = DAYS[Math.floor(next() * 10)]!;
    const to = DAYS[20 + Math.floor(next() * 10)]!;
    const count = 1 + Math.floor(next() * 40);
    const top = topValuesByThreshold(db, t.daily, { property: P, dimension: DIM, days: daysBetween(from, to), bound: 'pageviews', count, score: scoreOf(db, from, to) }, [4, 32, 256]);
    if (top === undefined) continue;
    proven++;
    if (top.depth > 4) deep++;
    assert.equal(top.rows, grouped(db, from, to, count), `seed ${seed}: ${from}..${to} top ${count}`);
  }
  assert.ok(proven >= 10, `proven ${proven} of 20`);
  assert.ok(deep >= 1, `proven deeper than the first depth: ${deep}`);
});

test('a page whose last row only ties with the threshold is not proven: an unseen value may tie and sort first', () => {
  const db = open();
  const insert = db.prepare(`INSERT INTO ${q(t.daily)} (property, dimension, day, value, pageviews, hits) VALUES (?, ?, ?, ?, ?, ?)`);
  // The index reads ties in descending value order, so a list of two sees /c, never /b.
  for (const [value, pageviews] of [['/a', 10], ['/b', 5], ['/c', 5]] as const) insert.run(P, DIM, DAYS[0], value, pageviews, pageviews);
  const request = { property: P, dimension: DIM, days: [DAYS[0]!], bound: 'pageviews' as const, count: 2, score: scoreOf(db, DAYS[0]!, DAYS[0]!) };
  assert.is(topValuesByThreshold(db, t.daily, request, [2]), undefined);
  assert.equal(topValuesByThreshold(db, t.daily, request, [2, 4])?.rows, [['/a', 10], ['/b', 5]]);
  assert.equal(grouped(db, DAYS[0]!, DAYS[0]!, 2), [['/a', 10], ['/b', 5]]);
});

test('pages beyond what the threshold is for are left to the grouping', () => {
  const db = open();
  fill(db, DAYS, 100, (v) => 100 / (1 + v), 4);
  const request = { property: P, dimension: DIM, days: DAYS, bound: 'pageviews' as const, score: scoreOf(db, DAYS[0]!, DAYS[29]!) };
  assert.is(topValuesByThreshold(db, t.daily, { ...request, count: 0 }), undefined);
  assert.is(topValuesByThreshold(db, t.daily, { ...request, count: 201 }), undefined);
  assert.is(topValuesByThreshold(db, t.daily, { ...request, count: 10 }, []), undefined);
});

test('the bounds boundFor names for sessions and users hold on every row of a projected history (hits ≥ sessions, hits ≥ users per session dimension value and day), where page views would not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'webalytic-bound-'));
  const store = openEmbeddedReadStore(join(dir, 'readmodels.sqlite'));
  try {
    const now = Date.parse('2024-05-06T12:00:00Z');
    const hits = [
      ...variedHits(variedSettings, ['0.1', '1.1', '2.1', '3.1'], now),
      // Sessions without a page view: an interaction event alone, and non-interaction hits alone
      // (a session with users and no sessions counted), so page views could not bound them.
      visit(variedSettings, '7.1', '2024-05-05T10:00:00Z', event('Video', 'Play')),
      visit(variedSettings, '7.1', '2024-05-05T10:01:00Z', event('Video', 'Pause')),
      visit(variedSettings, '8.1', '2024-05-05T11:00:00Z', event('Scroll', 'Depth', '50', 1, true)),
      visit(variedSettings, '8.1', '2024-05-05T11:02:00Z', event('Scroll', 'Depth', '90', 1, true)),
    ].sort((a, b) => a.time - b.time);
    const log = createEventLog().property(variedSettings).hits(variedSettings, hits);
    const projection = createAnalyticsProjection({ clock: () => now });
    const sink = await projection.openSink(store, 1, silentLogger());
    await sink.applyBatch(log.events, log.events[log.events.length - 1]!.position);
    const tables = tablesOf('analytics', 1);
    const rows = store.db
      .prepare(
        `SELECT d.dimension, d.value, d.day, d.hits, d.sessions, d.pageviews,
                (SELECT COALESCE(SUM(u.clients), 0) FROM ${q(tables.userValues)} u WHERE u.property = d.property AND u.dimension = d.dimension AND u.day = d.day AND u.value = d.value)
         FROM ${q(tables.daily)} d WHERE d.dimension IN (SELECT value FROM json_each(?))`,
      )
      .raw(true)
      .all(JSON.stringify(SESSION_DIMENSIONS)) as [string, string, string, number, number, number, number][];
    assert.ok(rows.length > 100, `${rows.length} rows`);
    // The column boundFor names for each sort, on every row, at least that row's share.
    const column = { hits: 3, sessions: 4, pageviews: 5 } as const;
    for (const row of rows) {
      const [dimension, value, day, , sessions, , users] = row;
      const forSessions = boundFor(dimension, { metric: M.sessions });
      const forUsers = boundFor(dimension, { users: true });
      assert.ok(forSessions !== undefined && forUsers !== undefined, dimension);
      assert.ok(row[column[forSessions]] >= sessions, `${dimension}=${value} on ${day}: ${forSessions} ${row[column[forSessions]]} < sessions ${sessions}`);
      assert.ok(row[column[forUsers]] >= users, `${dimension}=${value} on ${day}: ${forUsers} ${row[column[forUsers]]} < users ${users}`);
    }
    // Page views would not do: some values have sessions or users and fewer page views.
    assert.ok(rows.some(([, , , , sessions, pageviews, users]) => sessions > pageviews || users > pageviews));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
