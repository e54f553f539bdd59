// Test support (not used in production): the ad hoc read port on MongoDB against the
// embedded store's SQL. The same events give the same session aggregates, scans (in
// (day, id) order), session lists, users per value and per calendar value. Pages of 7
// sessions, so every range is read across many page boundaries. Run on the in-memory
// executor by `npm test` (adhoc-source.test.ts) and on a server by `npm run test:mongo`.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openEmbeddedReadStore } from '../../storage/readstore/embedded.ts';
import type { MongoReadStore } from '../../storage/readstore/port.ts';
import type { DimensionCondition, DimensionFilter } from '../analytics/adhoc-filter.ts';
import type { AdhocSource, SessionAggregateRequest, SessionListRequest, SessionSortKey } from '../analytics/adhoc.ts';
import { createEmbeddedAdhocSource } from '../analytics/adhoc-embedded.ts';
import { M } from '../analytics/metrics.ts';
import { tempDir } from '../test/helpers.ts';
import { sessionAggregatePipelines } from './adhoc-pushdown.ts';
import { createMongoAdhocSource } from './adhoc-source.ts';
import { dataset, projectInto } from './equivalence.ts';

export function defineAdhocEquivalence(adapterName: string, openMongo: () => Promise<{ store: MongoReadStore; close(): Promise<void> }>): void {
  const test = suite(`the ad hoc read port on MongoDB equals the embedded store (${adapterName})`);
  let sql: AdhocSource;
  let mongo: AdhocSource;
  let ranges: { property: string; from: string; to: string }[];
  let closeMongo: () => Promise<void> = async () => {};

  test.before(async () => {
    const data = await dataset();
    ranges = data.ranges;
    const embedded = openEmbeddedReadStore(join(tempDir(), 'readmodels.sqlite'));
    const opened = await openMongo();
    closeMongo = () => opened.close();
    await projectInto(embedded, data.events, 500);
    await projectInto(opened.store, data.events, 97);
    sql = createEmbeddedAdhocSource(embedded, 'analytics', 1, { sessionColumns: false });
    mongo = createMongoAdhocSource(opened.store, 'analytics', 1, 7);
  });

  test.after(async () => {
    await closeMongo();
  });

  const is = (dimension: string, values: string[]): DimensionFilter => ({ condition: { dimension, op: 'is', values } });
  const FILTERS: (DimensionFilter | undefined)[] = [
    undefined,
    { not: is('deviceCategory', ['desktop']) },
    { condition: { dimension: 'pagePath', op: 'not_contains', values: ['/c1'] } },
    { or: [{ condition: { dimension: 'source', op: 'starts_with', values: ['goo'] } }, { condition: { dimension: 'landingPage', op: 'matches', values: ['^/c[0-2]'], regexes: [/^\/c[0-2]/] } }] },
    { and: [is('cd1', ['pro', 'team']), { condition: { dimension: 'cd2', op: 'is_not', values: ['s0'] } }] },
    is('week', ['2024-W22']),
  ];

  const byValues = (answer: { rows: { values: string[] }[]; users: number }) => ({ ...answer, rows: [...answer.rows].sort((a, b) => (JSON.stringify(a.values) < JSON.stringify(b.values) ? -1 : 1)) });

  test('aggregates, counts and scans of session documents', async () => {
    let rows = 0;
    for (const range of ranges) {
      assert.equal(await mongo.propertyInfo(range.property), await sql.propertyInfo(range.property));
      assert.is(await mongo.firstDay(range.property), await sql.firstDay(range.property));
      for (const filter of FILTERS) {
        const hitScoped = new Set(['cd2']);
        for (const dimensions of [[], ['channel'], ['country', 'date'], ['cd1', 'hour'], ['month', 'dayOfWeek', 'userType']]) {
          const request: SessionAggregateRequest = { ...range, dimensions, filter, hitScoped, customMetrics: ['cm1', 'cm2'], metrics: [M.sessions, M.pageviews, M.bounces, M.transactionRevenue] };
          const expected = byValues(await sql.aggregateSessions(request));
          assert.equal(byValues(await mongo.aggregateSessions(request)), expected, JSON.stringify(request));
          rows += expected.rows.length;
        }
        const scan = { ...range, filter, hitScoped };
        assert.is(await mongo.countSessions(scan), await sql.countSessions(scan));
        const ids = async (source: AdhocSource) => {
          const out: string[] = [];
          for await (const doc of source.scanSessions(scan)) out.push(doc.id);
          return out;
        };
        assert.equal(await ids(mongo), await ids(sql), 'the same sessions in (day, id) order');
      }
    }
    assert.ok(rows > 100, `${rows} rows compared`);
  });

  test('aggregates the server computes (pushed down) equal the embedded answers; what it would compute otherwise is not pushed', async () => {
    const condition = (dimension: string, op: DimensionCondition['op'], values: string[]): DimensionFilter => ({ condition: { dimension, op, values } });
    const pushed: (DimensionFilter | undefined)[] = [
      undefined,
      condition('channel', 'is', ['Organic Search', 'Direct']),
      condition('campaign', 'is', ['(not set)']),
      condition('source', 'is_not', ['google', '(direct)']),
      condition('landingPage', 'contains', ['/c', 'x']),
      condition('country', 'not_contains', ['U']),
      condition('source', 'starts_with', ['goo', 'bi', '']),
      { not: { or: [condition('deviceCategory', 'is', ['mobile']), condition('month', 'is', ['2024-06'])] } },
      { and: [condition('date', 'is_not', [ranges[0]!.from]), condition('hour', 'starts_with', [ranges[0]!.to])] },
      // Values are data, never expressions: '$d.medium' is not the session's medium, '$$x' no variable.
      condition('source', 'is', ['$d.source', '$$nosuch']),
      { or: [condition('source', 'contains', ['$$ROOT']), condition('channel', 'starts_with', ['$d.channel'])] },
      condition('country', 'is_not', ['$d.country']),
    ];
    let rows = 0;
    for (const range of ranges) {
      for (const filter of pushed) {
        for (const dimensions of [[], ['channel'], ['country', 'date'], ['landingPage', 'hour'], ['month', 'userType', 'deviceCategory']]) {
          const request: SessionAggregateRequest = { ...range, dimensions, filter, customMetrics: ['cm1'], metrics: [M.sessions, M.pageviews, M.bounces, M.sessionDuration] };
          assert.ok(sessionAggregatePipelines(request) !== undefined, `pushed down: ${JSON.stringify(request)}`);
          const expected = byValues(await sql.aggregateSessions(request));
          assert.equal(byValues(await mongo.aggregateSessions(request)), expected, JSON.stringify(request));
          rows += expected.rows.length;
        }
      }
    }
    assert.ok(rows > 300, `${rows} rows compared`);
    const base: SessionAggregateRequest = { ...ranges[0]!, dimensions: [], customMetrics: [] };
    for (const request of [
      { ...base, dimensions: ['cd1'] },
      { ...base, dimensions: ['dayOfWeek', 'country'] },
      { ...base, dimensions: ['week'] },
      { ...base, filter: condition('landingPage', 'matches', ['^/c']) },
      { ...base, filter: { and: [condition('country', 'is', ['GB']), condition('dayOfWeek', 'is', ['1'])] } },
    ]) {
      assert.is(sessionAggregatePipelines(request), undefined, `not pushed down: ${JSON.stringify(request)}`);
    }
  });

  test('session lists in every order, paged, with metric conditions', async () => {
    const keys: SessionSortKey[] = ['start', 'landing_page', 'source', 'country', 'pageviews', 'hits', 'duration', 'revenue'];
    for (const range of ranges) {
      for (const [i, key] of keys.entries()) {
        const request: SessionListRequest = {
          ...range,
          orderBy: { key, direction: i % 2 === 0 ? 'desc' : 'asc' },
          limit: 5,
          offset: i,
          ...(i % 3 === 0 ? { metricConditions: [{ metric: 'hits', op: 'gte', value: 2 }] } : {}),
          ...(i % 4 === 1 ? { filter: FILTERS[i % FILTERS.length], hitScoped: new Set(['cd2']) } : {}),
        };
        assert.equal(await mongo.listSessions(request), await sql.listSessions(request), JSON.stringify(request));
      }
      // The default list, unfiltered (MongoDB sorts and cuts it on the server), both ways, across pages.
      for (const [offset, direction] of [[0, 'desc'], [3, 'desc'], [0, 'asc'], [11, 'asc']] as const) {
        const request: SessionListRequest = { ...range, orderBy: { key: 'start', direction }, limit: 6, offset };
        assert.equal(await mongo.listSessions(request), await sql.listSessions(request), JSON.stringify(request));
      }
      assert.equal(await mongo.listSessions({ ...range, limit: 4, offset: 2 }), await sql.listSessions({ ...range, limit: 4, offset: 2 }));
    }
  });

  test('users over values of standard, hit, custom and time dimensions, and per calendar value', async () => {
    for (const range of ranges) {
      const { property, from, to } = range;
      for (const [dimension, values] of [
        ['country', ['GB', 'US']],
        ['pagePath', ['/c1', '/c2']],
        ['cd1', ['pro']],
        ['cd2', ['s0', 's1']],
        ['hour', [`${to}T09`, `${to}T10`, `${from}T23`]],
        ['date', [from, to]],
        ['week', ['2024-W22', '2024-W23']],
      ] as const) {
        assert.is(await mongo.usersOfValues(property, from, to, dimension, values), await sql.usersOfValues(property, from, to, dimension, values), `${property} ${dimension}`);
      }
      for (const dimension of ['date', 'week', 'month', 'dayOfWeek'] as const) {
        assert.equal(await mongo.usersByDay(property, from, to, dimension), await sql.usersByDay(property, from, to, dimension), `${property} users by ${dimension}`);
      }
    }
  });

  test.run();
}
