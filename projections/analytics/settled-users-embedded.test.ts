// The settled users against a grouping of every row: the same page for every range and
// page size; a kept part is reused while its days' change counts stay, and read again
// once one of them moves; the recent days are always read.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { createTables, q, tablesOf } from './embedded-schema.ts';
import { daysBetween } from './local-time.ts';
import { createSettledUsers } from './settled-users-embedded.ts';
import { silentLogger } from '../../platform/logger.ts';
import { openEmbeddedReadStore } from '../../storage/readstore/embedded.ts';
import { SESSION_DIMENSIONS } from './dimensions.ts';
import { createAnalyticsProjection } from './index.ts';
import { M } from './metrics.ts';
import { createEmbeddedReadSource } from './queries-embedded.ts';
import { createEventLog, random, variedHits, variedSettings } from './test-support.ts';

const P = 'UA-1-1';
const DIM = 'referralPath';
const t = tablesOf('analytics', 9);
const DAYS = daysBetween('2024-05-01', '2024-05-30');

/**
 * user_values as the sink keeps them: clients visit values on days, and each (value, day)
 * counts its clients by the previous day they had the value ('' for none). A few values
 * have many clients, a long tail has one to three, with ties.
 */
function open(): Database.Database {
  const db = new Database(':memory:');
  createTables(db, t);
  const next = random(3);
  const counts = new Map<string, number>();
  const last = new Map<string, string>();
  const rollups = new Set<string>();
  for (const day of DAYS) {
    for (let v = 0; v < 400; v++) {
      if (v >= 8 && next() < 0.8) continue;
      const value = v % 5 === 0 ? `/r/${v}/\u00e9` : `/r/${v}`;
      const clients = v < 8 ? 20 + Math.floor(next() * 10) : 1 + Math.floor(next() * 3);
      const pool = v < 8 ? 60 : 6;
      for (let k = 0; k < clients; k++) {
        const client = `${v}:${Math.floor(next() * pool)}`;
        const prev = last.get(client) ?? '';
        if (prev === day) continue; // one session day per client and value
        last.set(client, day);
        const key = [value, day, prev].join('\u0001');
        counts.set(key, (counts.get(key) ?? 0) + 1);
        rollups.add(`${value}\u0001${day}`);
      }
    }
  }
  const insert = db.prepare(`INSERT INTO ${q(t.userValues)} (property, dimension, value, day, prev_day, clients) VALUES (?, ?, ?, ?, ?, ?)`);
  const rollup = db.prepare(`INSERT INTO ${q(t.daily)} (property, dimension, day, value, sessions, hits) VALUES (?, ?, ?, ?, 1, 1)`);
  const touch = db.prepare(`INSERT INTO ${q(t.sessionDays)} (property, day, changes) VALUES (?, ?, 1)`);
  db.transaction(() => {
    for (const day of DAYS) touch.run(P, day);
    for (const [key, n] of counts) {
      const [value, day, prev] = key.split('\u0001') as [string, string, string];
      insert.run(P, DIM, value, day, prev, n);
    }
    for (const key of rollups) {
      const [value, day] = key.split('\u0001') as [string, string];
      rollup.run(P, DIM, day, value);
    }
  })();
  return db;
}

const rowCount = (db: Database.Database, from: string, to: string): number =>
  db.prepare(`SELECT COUNT(DISTINCT value) FROM ${q(t.daily)} WHERE property = ? AND dimension = ? AND day BETWEEN ? AND ?`).pluck().get(P, DIM, from, to) as number;

/** The page by grouping every row of the range in JS: users desc, ties by value in code unit order. */
function grouped(db: Database.Database, from: string, to: string, count: number): [string, number][] {
  const users = new Map<string, number>();
  const rows = db
    .prepare(`SELECT value, clients FROM ${q(t.userValues)} WHERE property = ? AND dimension = ? AND day BETWEEN ? AND ? AND prev_day < ?`)
    .raw(true)
    .all(P, DIM, from, to, from) as [string, number][];
  for (const [value, clients] of rows) users.set(value, (users.get(value) ?? 0) + clients);
  return [...users].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, count);
}

test('the page equals the grouping of every row, for every range and page size; short ranges are left to SQL', () => {
  const db = open();
  const settled = createSettledUsers(db, t);
  for (const [from, to] of [
    ['2024-05-01', '2024-05-30'],
    ['2024-05-07', '2024-05-20'],
    ['2024-05-10', '2024-05-12'],
  ] as const) {
    for (const count of [1, 10, 25, 500]) {
      assert.equal(settled.topByUsers(P, DIM, from, to, count), { rows: grouped(db, from, to, count), rowCount: rowCount(db, from, to) }, `${from}..${to} top ${count}`);
    }
  }
  assert.is(settled.topByUsers(P, DIM, '2024-05-29', '2024-05-30', 10), undefined, 'two days: no settled day');
});

test('a kept part is used while its days are unchanged and read again when one moves; the recent days are read each time', () => {
  const db = open();
  const settled = createSettledUsers(db, t);
  const [from, to] = ['2024-05-01', '2024-05-30'];
  assert.is(settled.topByUsers(P, DIM, from, to, 10, true), undefined, 'nothing kept yet');
  const first = settled.topByUsers(P, DIM, from, to, 10)!;
  assert.equal(settled.topByUsers(P, DIM, from, to, 10, true), first, 'kept');
  const before = first.rowCount;
  const add = (day: string, value: string, clients: number): void => {
    db.prepare(
      `INSERT INTO ${q(t.userValues)} (property, dimension, value, day, prev_day, clients) VALUES (?, ?, ?, ?, '', ?) ON CONFLICT DO UPDATE SET clients = clients + excluded.clients`,
    ).run(P, DIM, value, day, clients);
    db.prepare(`INSERT OR IGNORE INTO ${q(t.daily)} (property, dimension, day, value, sessions, hits) VALUES (?, ?, ?, ?, 1, 1)`).run(P, DIM, day, value);
  };
  // A recent day (the last two): seen at once, and a settled value there counts once.
  add('2024-05-30', '/new', 10_000);
  add('2024-05-29', '/r/1', 1);
  assert.equal(settled.topByUsers(P, DIM, from, to, 1, true), { rows: [['/new', 10_000]], rowCount: before + 1 });
  // A settled day changed without its count moving is not seen (the sink always moves it)...
  add('2024-05-03', '/other', 20_000);
  assert.equal(settled.topByUsers(P, DIM, from, to, 1, true), { rows: [['/new', 10_000]], rowCount: before + 1 });
  // ...and once it moves, the kept part is dropped and read again.
  db.prepare(`UPDATE ${q(t.sessionDays)} SET changes = changes + 1 WHERE property = ? AND day = ?`).run(P, '2024-05-03');
  assert.is(settled.topByUsers(P, DIM, from, to, 1, true), undefined, 'stale: not answered from the kept part');
  assert.equal(settled.topByUsers(P, DIM, from, to, 10), { rows: grouped(db, from, to, 10), rowCount: rowCount(db, from, to) });
  assert.equal(settled.topByUsers(P, DIM, from, to, 2)!.rows, [['/other', 20_000], ['/new', 10_000]]);
  assert.is(settled.topByUsers(P, DIM, from, to, 2)!.rowCount, before + 2);
});

test('on a projected history, a report page sorted by users is the same with and without the settled users, kept or not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'webalytic-settled-'));
  const store = openEmbeddedReadStore(join(dir, 'readmodels.sqlite'));
  try {
    const now = Date.parse('2024-05-06T12:00:00Z');
    const hits = variedHits(variedSettings, Array.from({ length: 12 }, (_, k) => `${k}.1`), now).sort((a, b) => a.time - b.time);
    const log = createEventLog().property(variedSettings).hits(variedSettings, hits);
    const sink = await createAnalyticsProjection({ clock: () => now }).openSink(store, 1, silentLogger());
    await sink.applyBatch(log.events, log.events[log.events.length - 1]!.position);
    // No threshold algorithm: every page falls back to grouping, with or without the settled users.
    const settled = createEmbeddedReadSource(store, 'analytics', 1, { thresholdDepths: [] });
    const grouping = createEmbeddedReadSource(store, 'analytics', 1, { thresholdDepths: [], settledUsers: false });
    let pages = 0;
    for (const dimension of SESSION_DIMENSIONS) {
      for (const [from, to] of [['2024-05-01', '2024-05-06'], ['2024-05-04', '2024-05-06']] as const) {
        for (const [limit, offset] of [[10, 0], [2, 1]] as const) {
          const request = { property: variedSettings.id, dimension, from, to, wanted: [M.sessions, M.pageviews, M.bounces], sortKey: { users: true } as const, direction: 'desc' as const, limit, offset };
          const expected = await grouping.rollupPage!(request);
          assert.equal(await settled.rollupPage!(request), expected, `${dimension} ${from}..${to} ${limit}@${offset}`);
          assert.equal(await settled.rollupPage!(request), expected, `${dimension} ${from}..${to} ${limit}@${offset}, kept`);
          pages += 1;
        }
      }
    }
    assert.ok(pages > 50, `${pages} pages`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
