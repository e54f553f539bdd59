// The read API on MongoDB answers what it answers on the embedded store. Two whole systems
// (collector, analytics projection, read API over real HTTP), one on the embedded read
// store and one on the MongoDB adapter run by its in-memory executor (mingo, as in
// projections/mongodb/), get the same simulated history and the same hits to /collect;
// then every kind of stats query (rollups, filtered rollups, session-level and hit-level
// ad hoc answers, comparisons, row filters, paging), the realtime view and the session
// list must give the same JSON on both.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { STANDARD_DIMENSIONS } from '../../projections/analytics/dimensions.ts';
import { openMingoReadStore } from '../../storage/readstore/mongodb.ts';
import { sendSimulatedHistory, startQuerySystem, type QuerySystem } from './query-fixture.ts';

const PROPERTY = 'UA-6100-1';
const NOW = Date.UTC(2026, 5, 10, 16, 0, 0);
const RANGE = ['2026-06-05', '2026-06-11'];
const METRICS = ['users', 'newUsers', 'sessions', 'bounceRate', 'pageviews', 'uniquePageviews', 'avgTimeOnPage', 'totalEvents', 'uniqueEvents', 'transactionRevenue', 'customMetric1'];

let embedded: QuerySystem;
let mongodb: QuerySystem;

test.before(async () => {
  embedded = await startQuerySystem(NOW);
  mongodb = await startQuerySystem(NOW, { readStore: openMingoReadStore() });
  await sendSimulatedHistory(embedded, PROPERTY, NOW, { visitors: 80, seed: 'mongodb-read-api' });
  await sendSimulatedHistory(mongodb, PROPERTY, NOW, { visitors: 80, seed: 'mongodb-read-api' });
});

test.after(async () => {
  await embedded?.close();
  await mongodb?.close();
});

/** The same call on both systems: the same status and body. */
async function same(method: string, path: string, body?: unknown): Promise<unknown> {
  const [a, b] = await Promise.all([embedded.api(method, path, body === undefined ? {} : { body }), mongodb.api(method, path, body === undefined ? {} : { body })]);
  assert.is(a.status, 200, `${path} ${JSON.stringify(body)} on the embedded store: ${a.text}`);
  assert.is(b.status, 200, `${path} ${JSON.stringify(body)} on MongoDB: ${b.text}`);
  assert.equal(b.json, a.json, `${path} ${JSON.stringify(body)}`);
  return a.json;
}

const query = (body: Record<string, unknown>) => same('POST', '/query', { property: PROPERTY, date_range: RANGE, limit: 10_000, ...body });
const rowsOf = (answer: unknown): unknown[] => (answer as { rows: unknown[] }).rows;

test('the stores are served by their own adapters', async () => {
  assert.is(embedded.system.readStore.kind, 'embedded');
  assert.is(mongodb.system.readStore.kind, 'mongodb');
});

test('rollup reports: every standard and calendar dimension, and filtered on their own values', async () => {
  for (const dimension of [...STANDARD_DIMENSIONS, 'date', 'hour', 'dayOfWeek', 'week', 'month', 'customDimension1', 'customDimension2']) {
    const metrics = dimension === 'hour' ? METRICS.filter((m) => m !== 'customMetric1') : METRICS;
    const answer = await query({ metrics, dimensions: [dimension] });
    assert.is((answer as { source: string }).source, 'rollups', dimension);
    assert.ok(rowsOf(answer).length > 0, `${dimension} has rows`);
  }
  assert.is(rowsOf(await query({ metrics: ['sessions', 'users'], dimensions: ['country'], filters: ['is', 'country', ['GB', 'US']] })).length, 2);
  await query({ metrics: ['pageviews', 'users'], dimensions: ['pagePath'], filters: ['matches', 'pagePath', ['^/(plans|blog/.+)$']] });
  await query({ metrics: ['users', 'sessions'], dimensions: ['week'], filters: ['is_not', 'week', ['2026-W23']] });
  await query({ metrics: ['users'], dimensions: ['customDimension1'], filters: ['is', 'customDimension1', ['Pro', 'Free']] });
  await query({ metrics: ['users', 'sessions'], dimensions: ['hour'], filters: ['starts_with', 'hour', ['2026-06-09']] });
  await query({ metrics: ['users', 'pageviews'], dimensions: ['source'], order_by: [['pageviews', 'desc']], limit: 3, offset: 1 });
  await query({ metrics: ['users', 'sessions'], compare: 'previous_period' });
});

test('session-level answers: several session dimensions, filters of every operator, hit dimensions in filters', async () => {
  const cases: Record<string, unknown>[] = [
    { metrics: METRICS, dimensions: ['source', 'deviceCategory'] },
    { metrics: ['users', 'sessions', 'bounceRate'], dimensions: ['country', 'date'], filters: ['is_not', 'country', ['SE']] },
    { metrics: ['sessions', 'users'], dimensions: ['channel'], filters: ['contains', 'pagePath', ['blog']] },
    { metrics: ['sessions', 'users'], dimensions: ['channel'], filters: ['is_not', 'pagePath', ['/']] },
    { metrics: ['sessions'], dimensions: ['browser', 'dayOfWeek'], filters: { or: [['starts_with', 'landingPage', ['/blog']], ['matches', 'source', ['^(google|bing)$']]] } },
    { metrics: ['sessions', 'users', 'customMetric1'], dimensions: ['customDimension1', 'deviceCategory'] },
    { metrics: ['sessions', 'users'], dimensions: ['month', 'userType'], filters: { not: ['not_contains', 'eventCategory', ['CTA']] } },
    { metrics: ['sessions'], dimensions: ['hour', 'country'] },
    { metrics: ['users', 'sessions'], dimensions: ['country'], filters: ['is', 'customDimension2', ['header']] },
    { metrics: ['users', 'sessions'], dimensions: ['source', 'medium'], filters: ['gt', 'sessions', [1]], order_by: [['source', 'asc']], limit: 5, offset: 2 },
    { metrics: ['users', 'sessions'], dimensions: ['country', 'deviceCategory'], compare: 'previous_period', date_range: ['2026-06-09', '2026-06-10'] },
  ];
  let withRows = 0;
  for (const body of cases) {
    const answer = await query(body);
    assert.is((answer as { source: string }).source, 'sessions', JSON.stringify(body));
    if (rowsOf(answer).length > 0) withRows += 1;
  }
  assert.ok(withRows >= cases.length - 1, `${withRows} of ${cases.length} answers have rows`);
});

test('hit-level answers: hit dimensions with others, read from the raw history', async () => {
  for (const body of [
    { metrics: ['pageviews', 'users'], dimensions: ['pagePath', 'country'] },
    { metrics: ['totalEvents', 'uniqueEvents'], dimensions: ['eventCategory', 'eventAction'], filters: ['is', 'deviceCategory', ['desktop', 'mobile']] },
    { metrics: ['pageviews', 'customMetric1'], dimensions: ['customDimension2', 'pagePath'] },
    { metrics: ['itemRevenue', 'itemQuantity'], dimensions: ['productName', 'source'] },
  ]) {
    await query(body);
  }
});

test('the realtime view and the session list', async () => {
  await same('GET', `/realtime?property=${PROPERTY}`);
  const list = (query: string) => same('GET', `/sessions?property=${PROPERTY}&date_range=${RANGE.join(',')}&${query}`) as Promise<{ sessions: { id: string }[]; total: number }>;
  const all = await list('limit=200');
  assert.ok(all.total > 50, `${all.total} sessions`);
  const f = (tree: unknown) => `filters=${encodeURIComponent(JSON.stringify(tree))}`;
  await list(`sort=-pageviews&limit=20&offset=5`);
  await list(`sort=landing_page&limit=30`);
  await list(`sort=-revenue&${f({ and: [['gte', 'pageviews', [2]], ['is_not', 'country', ['US']]] })}`);
  await list(`${f(['is', 'pagePath', ['/plans']])}`);
  // Hit dimensions in the list's filter: a negative condition holds when no hit had the value.
  const neverHome = await list(`sort=hits&${f(['is_not', 'pagePath', ['/']])}`);
  const home = await list(`${f(['is', 'pagePath', ['/']])}`);
  assert.ok(neverHome.total > 0 && home.total > 0 && neverHome.total + home.total === all.total, 'is / and is_not / split the sessions');
  await list(`sort=-duration&${f({ not: ['not_contains', 'eventCategory', ['i']] })}`);
  await list(`${f({ or: [['is', 'customDimension2', ['footer']], ['is_not', 'customDimension1', ['Pro']]] })}`);
  const session = all.sessions[0]!;
  await same('GET', `/sessions/${encodeURIComponent(session.id)}`);
});

test.run();
