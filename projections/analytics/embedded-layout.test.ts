// The read API serves the previous version of the analytics read model while a new one
// builds beside it (blue/green), so the embedded sources must read the tables of a
// version from before v3 (session totals only in the JSON), v4 (realtime rows without
// page views), v5 (daily rollups without the indexes of the threshold algorithm) and v6
// (without each dimension's daily totals). The old layout is made here from a current one by SQL, as v2 stored it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../platform/logger.ts';
import { openEmbeddedReadStore } from '../../storage/readstore/embedded.ts';
import { createEmbeddedAdhocSource } from './adhoc-embedded.ts';
import { openSessionColumns } from './session-columns-embedded.ts';
import { BOUND_COLUMNS, boundIndexName, createTables, q, tablesOf, totalColumn, valueIndexName } from './embedded-schema.ts';
import { createAnalyticsProjection } from './index.ts';
import { BASE_METRICS } from './metrics.ts';
import { createAnalyticsQueries, METRIC_NAMES } from './queries.ts';
import { createEventLog, variedHits, variedSettings } from './test-support.ts';

const NOW = Date.parse('2024-05-06T12:00:00Z');
const CURRENT = 1;
const OLD = 2;
const range = { property: variedSettings.id, from: '2024-05-01', to: '2024-05-07' };

test('a version whose sessions keep their totals in the JSON and whose realtime rows have no page views answers as the current layout does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'webalytic-layout-'));
  const store = openEmbeddedReadStore(join(dir, 'readmodels.sqlite'));
  try {
    const log = createEventLog().property(variedSettings).hits(variedSettings, variedHits(variedSettings, ['0.1', '1.1', '2.1'], NOW));
    const sink = await createAnalyticsProjection({ clock: () => NOW }).openSink(store, CURRENT, silentLogger());
    await sink.applyBatch(log.events, log.events[log.events.length - 1]!.position);

    // The old layout: the same rows, sessions without total columns (their totals in the
    // JSON), realtime without page views.
    const now = tablesOf('analytics', CURRENT);
    const old = tablesOf('analytics', OLD);
    const db = store.db;
    createTables(db, old);
    for (const key of ['daily', 'dailyCustom', 'hourly', 'userDays', 'userValues', 'properties'] as const) db.exec(`INSERT INTO ${q(old[key])} SELECT * FROM ${q(now[key])}`);
    const kept = (db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(now.sessions) as string[]).filter((c) => !c.startsWith('total_') && c !== 'doc');
    // Before v7 no change counts per day: ad hoc aggregates stay in SQL.
    db.exec(`DROP TABLE ${q(old.sessions)}; DROP TABLE ${q(old.realtime)}; DROP TABLE ${q(old.dailyTotals)}; DROP TABLE ${q(old.sessionDays)}`);
    // Before v5 the daily rollups had only their key: reports group every value.
    for (const index of [...BOUND_COLUMNS.map((c) => boundIndexName(old.daily, c)), valueIndexName(old.daily)]) db.exec(`DROP INDEX ${q(index)}`);
    db.exec(`CREATE TABLE ${q(old.sessions)} (${kept.map((c) => `${q(c)} ${c === 'started_at' ? 'INTEGER' : 'TEXT'} NOT NULL`).join(', ')}, doc TEXT NOT NULL)`);
    const totals = `json_array(${BASE_METRICS.map((m) => q(totalColumn(m))).join(', ')})`;
    db.exec(`INSERT INTO ${q(old.sessions)} SELECT ${kept.map(q).join(', ')}, json_set(doc, '$.totals', json(${totals})) FROM ${q(now.sessions)}`);
    db.exec(`CREATE TABLE ${q(old.realtime)} (property TEXT NOT NULL, minute INTEGER NOT NULL, client TEXT NOT NULL, page TEXT NOT NULL, source TEXT NOT NULL, country TEXT NOT NULL, device TEXT NOT NULL, PRIMARY KEY (property, minute, client)) WITHOUT ROWID`);
    db.exec(`INSERT INTO ${q(old.realtime)} SELECT property, minute, client, page, source, country, device FROM ${q(now.realtime)}`);

    const current = createAnalyticsQueries(store, CURRENT);
    const previous = createAnalyticsQueries(store, OLD);
    for (const dimension of [undefined, 'channel', 'pagePath', 'landingPage', 'country']) {
      const request = { ...range, ...(dimension === undefined ? {} : { dimension }), metrics: [...METRIC_NAMES] };
      assert.equal(await previous.report(request), await current.report(request), `report by ${dimension ?? '(nothing)'}`);
    }
    // First pages the current layout proves by the threshold algorithm.
    for (const [dimension, metric] of [['pagePath', 'pageviews'], ['landingPage', 'users'], ['source', 'sessions']] as const) {
      const request = { ...range, dimension, metrics: [metric, 'bounceRate', 'users'], orderBy: { metric, direction: 'desc' as const }, limit: 2 };
      assert.equal(await previous.report(request), await current.report(request), `first page of ${dimension} by ${metric}`);
    }
    const sessions = await current.sessions({ ...range, limit: 1000 });
    assert.ok(sessions.length >= 12 && sessions.every((s) => (s.metrics['hits'] ?? 0) > 0), 'sessions with their totals');
    assert.equal(await previous.sessions({ ...range, limit: 1000 }), sessions);

    const adhocNow = createEmbeddedAdhocSource(store, 'analytics', CURRENT);
    const adhocOld = createEmbeddedAdhocSource(store, 'analytics', OLD);
    const aggregate = { ...range, dimensions: ['deviceCategory', 'country'], customMetrics: ['cm1'] };
    assert.equal(await adhocOld.aggregateSessions(aggregate), await adhocNow.aggregateSessions(aggregate));
    // Without custom metrics the current version answers from its session columns (read at once here).
    const fromColumns = createEmbeddedAdhocSource(store, 'analytics', CURRENT, { sessionColumns: { inlineDays: Infinity } });
    const byValues = (answer: Awaited<ReturnType<typeof adhocNow.aggregateSessions>>) => ({ ...answer, rows: [...answer.rows].sort((a, b) => (a.values.join() < b.values.join() ? -1 : 1)) });
    const columnar = { ...range, dimensions: ['deviceCategory', 'date'], customMetrics: [], filter: { not: { condition: { dimension: 'country', op: 'is' as const, values: ['FR'] } } } };
    assert.equal(byValues(await adhocOld.aggregateSessions(columnar)), byValues(await fromColumns.aggregateSessions(columnar)));
    assert.ok(openSessionColumns(store.queryDb, now) !== undefined && openSessionColumns(store.queryDb, old) === undefined, 'the current version has columns, the old one none');
    const list = { ...range, limit: 100, offset: 0, orderBy: { key: 'pageviews' as const, direction: 'desc' as const }, metricConditions: [{ metric: 'hits' as const, op: 'gte' as const, value: 2 }] };
    assert.equal(await adhocOld.listSessions(list), await adhocNow.listSessions(list));

    // Realtime: the same active users; page views are 0 where the rows never counted them.
    const live = await current.realtime({ property: variedSettings.id, now: NOW });
    const before = await previous.realtime({ property: variedSettings.id, now: NOW });
    assert.ok(live.perMinute.some((m) => m.pageviews > 0));
    assert.equal(
      before.perMinute.map((m) => [m.minute, m.users, m.pageviews]),
      live.perMinute.map((m) => [m.minute, m.users, 0]),
    );
    assert.equal(before.last30, live.last30);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
