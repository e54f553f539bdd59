// The session columns in memory against the SQL they stand in for: random session-level
// aggregates (dimensions, filter trees, metrics, ranges) over a projected history must
// give the same groups, sums and users, before and after later batches and an erasure
// change days the columns already hold, and with a memory bound that keeps nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../platform/logger.ts';
import { openEmbeddedReadStore } from '../../storage/readstore/embedded.ts';
import type { AdhocSource, SessionAggregateRequest } from './adhoc.ts';
import { createEmbeddedAdhocSource } from './adhoc-embedded.ts';
import { DIMENSION_OPERATORS, type DimensionCondition, type DimensionFilter } from './adhoc-filter.ts';
import { SESSION_DIMENSIONS } from './dimensions.ts';
import { q, tablesOf } from './embedded-schema.ts';
import { createAnalyticsProjection } from './index.ts';
import { BASE_METRICS, M } from './metrics.ts';
import { openSessionColumns } from './session-columns-embedded.ts';
import { createEventLog, random, variedHits, variedSettings } from './test-support.ts';

const P = variedSettings.id;
const DIMENSIONS = [...SESSION_DIMENSIONS, 'hour', 'date', 'dayOfWeek', 'week', 'month'];
const DAYS = ['2024-05-03', '2024-05-04', '2024-05-05', '2024-05-06', '2024-05-07'];

type Values = Map<string, string[]>;

/** Each dimension's stored values (calendar ones from the days), for conditions that match something. */
function valuesOf(db: import('better-sqlite3').Database, table: string): Values {
  const values: Values = new Map();
  for (const d of SESSION_DIMENSIONS) values.set(d, db.prepare(`SELECT DISTINCT ${q(d)} FROM ${q(table)}`).pluck().all() as string[]);
  values.set('hour', db.prepare(`SELECT DISTINCT hour FROM ${q(table)}`).pluck().all() as string[]);
  values.set('date', DAYS);
  values.set('dayOfWeek', ['0', '1', '5', '6']);
  values.set('week', ['2024-W18', '2024-W19']);
  values.set('month', ['2024-05', '2024-04']);
  return values;
}

function randomFilter(next: () => number, values: Values, depth: number): DimensionFilter {
  const roll = next();
  if (depth < 2 && roll < 0.35) {
    const parts = Array.from({ length: 1 + Math.floor(next() * 3) }, () => randomFilter(next, values, depth + 1));
    return roll < 0.15 ? { and: parts } : roll < 0.28 ? { or: parts } : { not: parts[0]! };
  }
  const dimension = DIMENSIONS[Math.floor(next() * DIMENSIONS.length)]!;
  const op = DIMENSION_OPERATORS[Math.floor(next() * DIMENSION_OPERATORS.length)]!;
  const known = values.get(dimension) ?? ['(not set)'];
  const pick = (): string => {
    const value = known[Math.floor(next() * known.length)] ?? '';
    // Part of a value for contains / starts_with, sometimes a value nothing has.
    if (next() < 0.15) return 'nothing-has-this';
    return op === 'contains' || op === 'not_contains' ? value.slice(1, 1 + Math.floor(next() * 4)) : op === 'starts_with' ? value.slice(0, 2) : value;
  };
  const list = Array.from({ length: 1 + Math.floor(next() * 2) }, pick);
  const condition: DimensionCondition =
    op === 'matches' ? { dimension, op, values: list.map((v) => `^${v.slice(0, 3).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) } : { dimension, op, values: list };
  if (op === 'matches') condition.regexes = condition.values.map((v) => new RegExp(v));
  return { condition };
}

function randomRequest(next: () => number, values: Values): SessionAggregateRequest {
  const count = Math.floor(next() * 4);
  const dimensions = [...new Set(Array.from({ length: count }, () => DIMENSIONS[Math.floor(next() * DIMENSIONS.length)]!))];
  const a = Math.floor(next() * DAYS.length);
  const b = Math.floor(next() * DAYS.length);
  const metrics = next() < 0.3 ? undefined : [...new Set(Array.from({ length: 1 + Math.floor(next() * 5) }, () => Math.floor(next() * BASE_METRICS.length)))];
  return {
    property: P,
    from: DAYS[Math.min(a, b)]!,
    to: DAYS[Math.max(a, b)]!,
    dimensions,
    filter: next() < 0.2 ? undefined : randomFilter(next, values, 0),
    customMetrics: [],
    ...(metrics === undefined ? {} : { metrics }),
  };
}

/** An answer in a comparable order. */
const sorted = (answer: Awaited<ReturnType<AdhocSource['aggregateSessions']>>) => ({
  users: answer.users,
  rows: [...answer.rows].sort((x, y) => (JSON.stringify(x.values) < JSON.stringify(y.values) ? -1 : 1)),
});

async function compare(sql: AdhocSource, columns: AdhocSource, next: () => number, values: Values, rounds: number): Promise<number> {
  let nonEmpty = 0;
  for (let i = 0; i < rounds; i++) {
    const request = randomRequest(next, values);
    const expected = sorted(await sql.aggregateSessions(request));
    assert.equal(sorted(await columns.aggregateSessions(request)), expected, JSON.stringify(request));
    if (expected.rows.length > 0) nonEmpty++;
  }
  return nonEmpty;
}

test('the columns give what SQL gives for random session aggregates, across later batches and an erasure that change days they hold, and under a memory bound that keeps nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'webalytic-columns-'));
  const store = openEmbeddedReadStore(join(dir, 'readmodels.sqlite'));
  try {
    const now = Date.parse('2024-05-06T12:00:00Z');
    const cids = Array.from({ length: 10 }, (_, k) => `${k}.1`);
    const hits = variedHits(variedSettings, cids, now).sort((a, b) => a.time - b.time);
    const log = createEventLog().property(variedSettings).hits(variedSettings, hits);
    const projection = createAnalyticsProjection({ clock: () => now });
    const sink = await projection.openSink(store, 1, silentLogger());
    // Two thirds first: the later batch adds sessions to days the columns hold, and grows held sessions.
    const cut = Math.floor((log.events.length * 2) / 3);
    const first = log.events.slice(0, cut);
    await sink.applyBatch(first, first[first.length - 1]!.position);

    const sql = createEmbeddedAdhocSource(store, 'analytics', 1, { sessionColumns: false });
    // Every missing day read at once, so every answer comes from the columns.
    const columns = createEmbeddedAdhocSource(store, 'analytics', 1, { sessionColumns: { inlineDays: Infinity } });
    const starved = createEmbeddedAdhocSource(store, 'analytics', 1, { sessionColumns: { maxBytes: 1, inlineDays: Infinity } });
    const t = tablesOf('analytics', 1);
    const next = random(42);
    let values = valuesOf(store.db, t.sessions);
    let nonEmpty = (await compare(sql, columns, next, values, 150)) + (await compare(sql, starved, next, values, 40));

    const whole = { property: P, from: DAYS[0]!, to: DAYS[4]!, dimensions: ['date'], customMetrics: [], metrics: [M.sessions] };
    const before = sorted(await columns.aggregateSessions(whole));
    log.erase(variedSettings, '3.1', now);
    const rest = log.events.filter((e) => e.position > first[first.length - 1]!.position);
    await sink.applyBatch(rest, rest[rest.length - 1]!.position);
    values = valuesOf(store.db, t.sessions);
    const after = sorted(await columns.aggregateSessions(whole));
    assert.not.equal(after, before, 'the later batch and the erasure change the sessions per day');
    assert.equal(after, sorted(await sql.aggregateSessions(whole)));
    nonEmpty += (await compare(sql, columns, next, values, 150)) + (await compare(sql, starved, next, values, 40));
    // Most random filters match something: the comparison is not of empty answers.
    assert.ok(nonEmpty > 200, `${nonEmpty} of 380 answers have rows`);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a day is read once while its sessions do not change; a cold range is read in the background while SQL answers; custom and hit dimensions are left to SQL; a version without change counts has no columns', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'webalytic-columns-'));
  const store = openEmbeddedReadStore(join(dir, 'readmodels.sqlite'));
  try {
    const now = Date.parse('2024-05-06T12:00:00Z');
    const log = createEventLog().property(variedSettings).hits(variedSettings, variedHits(variedSettings, ['0.1', '1.1', '2.1'], now).sort((a, b) => a.time - b.time));
    const sink = await createAnalyticsProjection({ clock: () => now }).openSink(store, 1, silentLogger());
    await sink.applyBatch(log.events, log.events[log.events.length - 1]!.position);
    const t = tablesOf('analytics', 1);
    const columns = openSessionColumns(store.queryDb, t, { inlineDays: Infinity })!;
    assert.ok(columns !== undefined);
    const request = { property: P, from: DAYS[0]!, to: DAYS[4]!, dimensions: ['country', 'date'], positions: [M.sessions, M.hits] };
    const days = (store.db.prepare(`SELECT COUNT(*) FROM ${q(t.sessionDays)} WHERE property = ?`).pluck().get(P) as number);
    assert.is(days, 3);
    const first = columns.aggregate(request);
    assert.is(columns.stats().loads, 3, 'one read per day');
    assert.equal(columns.aggregate(request), first);
    assert.is(columns.stats().loads, 3, 'nothing read again');
    // Another column of the same days: read once more each, and the day's other columns kept.
    columns.aggregate({ ...request, dimensions: ['browser'] });
    assert.is(columns.stats().loads, 6);
    columns.aggregate({ ...request, dimensions: ['browser', 'country'] });
    assert.is(columns.stats().loads, 6);

    // By default a request reads at most two missing days itself: the others are read in
    // the background while SQL answers (undefined here), then the columns answer.
    const background = openSessionColumns(store.queryDb, t)!;
    assert.is(background.aggregate(request), undefined);
    assert.is(background.stats().loads, 0);
    await background.settled();
    assert.is(background.stats().loads, 3);
    const byValues = (answer: ReturnType<typeof columns.aggregate>) => answer && { ...answer, rows: [...answer.rows].sort((a, b) => (a.values.join() < b.values.join() ? -1 : 1)) };
    assert.equal(byValues(background.aggregate(request)), byValues(first));
    const adhoc = createEmbeddedAdhocSource(store, 'analytics', 1);
    const sql = createEmbeddedAdhocSource(store, 'analytics', 1, { sessionColumns: false });
    const aggregate = { property: P, from: DAYS[0]!, to: DAYS[4]!, dimensions: ['country', 'date'], customMetrics: [], metrics: [M.sessions, M.hits] };
    const expected = sorted(await sql.aggregateSessions(aggregate));
    assert.equal(sorted(await adhoc.aggregateSessions(aggregate)), expected, 'answered in SQL while the days are read');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(sorted(await adhoc.aggregateSessions(aggregate)), expected);

    // A day read in chunks whose sessions change between two chunks is read again from its start.
    const chunked = openSessionColumns(store.queryDb, t, { chunkRows: 2, sliceMs: 0 })!;
    assert.is(chunked.aggregate(request), undefined);
    await new Promise((resolve) => setImmediate(resolve));
    const readsBefore = chunked.stats().loads;
    assert.ok(readsBefore >= 1 && chunked.stats().days === 0, 'the first day is being read');
    const later = createEventLog().property(variedSettings);
    const more = later.hits(variedSettings, variedHits(variedSettings, ['5.1', '6.1'], now).sort((a, b) => a.time - b.time)).events.slice(1);
    await sink.applyBatch(more.map((e, i) => ({ ...e, position: `${log.events[log.events.length - 1]!.position}.${String(i).padStart(6, '0')}` })), `${log.events[log.events.length - 1]!.position}.999999`);
    await chunked.settled();
    assert.ok(chunked.stats().loads > 3, `${chunked.stats().loads} day reads: the changed day started again`);
    const changed = byValues(openSessionColumns(store.queryDb, t, { inlineDays: Infinity })!.aggregate(request));
    assert.equal(byValues(chunked.aggregate(request)), changed);
    assert.not.equal(changed, byValues(first));

    // warm: the range's days with every column, read by a thread of their own and handed
    // over; then any column aggregate over them is answered from memory without a read.
    const warmed = openSessionColumns(store.queryDb, t)!;
    try {
      warmed.warm(P, DAYS[0]!, DAYS[4]!);
      assert.is(warmed.stats().days, 0, 'nothing read on this thread');
      await warmed.settled();
      assert.is(warmed.stats().days, 3);
      const warmLoads = warmed.stats().loads;
      for (const dimensions of [['country', 'date'], ['browser', 'landingPage'], ['source', 'hour']]) {
        const asked = { ...request, dimensions, positions: [M.sessions, M.pageviews, M.bounces, M.transactionRevenue] };
        assert.equal(byValues(warmed.aggregate(asked)), byValues(openSessionColumns(store.queryDb, t, { inlineDays: Infinity })!.aggregate(asked)), dimensions.join());
      }
      assert.is(warmed.stats().loads, warmLoads, 'every column was there');
      warmed.warm(P, DAYS[0]!, DAYS[4]!);
      await warmed.settled();
      assert.is(warmed.stats().loads, warmLoads, 'a warm range is not read again');
    } finally {
      warmed.close();
    }
    // Within the memory bound: only what fits beside what is kept, and nothing evicted for it.
    const small = openSessionColumns(store.queryDb, t, { maxBytes: 1 })!;
    small.warm(P, DAYS[0]!, DAYS[4]!);
    await small.settled();
    assert.is(small.stats().loads, 0, 'no day fits one byte');
    small.close();

    assert.is(columns.canAnswer(['cd1'], undefined), false);
    assert.is(columns.canAnswer(['country'], { condition: { dimension: 'pagePath', op: 'is', values: ['/a'] } }), false);
    assert.is(columns.canAnswer(['country', 'week'], { not: { condition: { dimension: 'hour', op: 'is', values: ['2024-05-04 05'] } } }), true);

    store.db.exec(`DROP TABLE ${q(t.sessionDays)}`);
    assert.is(openSessionColumns(store.queryDb, t), undefined);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
