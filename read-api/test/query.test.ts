// The stats query over real HTTP against a store filled through the collector
// (query-fixture.ts: six visitors over two days in Europe/Berlin), numbers checked
// against hand-computed expectations.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { problemOf } from './harness.ts';
import { FORMULA_TITLE, HOME_TITLE, PROPERTY, rowsByKey, standardSystem, type QuerySystem } from './query-fixture.ts';

let sys: QuerySystem;

interface Answer {
  date_range: { from: string; to: string };
  compare_range: { from: string; to: string } | null;
  dimensions: string[];
  metrics: string[];
  rows: { dimensions: string[]; metrics: number[]; compare: number[] | null; change: (number | null)[] | null }[];
  totals: { metrics: number[]; compare: number[] | null; change: (number | null)[] | null };
  row_count: number;
  source: string;
  time_zone: string;
  currency: string;
}

async function query(body: Record<string, unknown>): Promise<Answer> {
  const response = await sys.api('POST', '/query', { body: { property: PROPERTY, date_range: 'today', ...body } });
  if (response.status !== 200) throw new Error(`query answered ${response.status}: ${response.text}`);
  return response.json as Answer;
}

const close = (actual: number | null | undefined, expected: number, what: string): void => {
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) < 1e-9, `${what}: expected ${expected}, got ${String(actual)}`);
};

test.before(async () => {
  sys = await standardSystem();
});
test.after(async () => {
  await sys.close();
});

test('overview: totals of today from the rollups', async () => {
  const answer = await query({ metrics: ['users', 'newUsers', 'sessions', 'bounces', 'bounceRate', 'pageviews', 'pageviewsPerSession', 'avgSessionDuration', 'totalEvents', 'transactions', 'transactionRevenue', 'ecommerceConversionRate'] });
  assert.is(answer.source, 'rollups');
  assert.equal(answer.date_range, { from: '2026-11-28', to: '2026-11-28' });
  assert.is(answer.time_zone, 'Europe/Berlin');
  assert.is(answer.currency, 'EUR');
  // 4 sessions (V1..V4), 2 bounces (V2, V4), 6 page views, durations 120 + 0 + 180 + 0 s.
  assert.equal(answer.rows[0]!.metrics, [4, 4, 4, 2, 0.5, 6, 1.5, 75, 1, 1, 20, 0.25]);
  assert.equal(answer.totals.metrics, answer.rows[0]!.metrics);
  assert.is(answer.row_count, 1);
});

test('single dimensions from the rollups: source, country, pagePath', async () => {
  const source = await query({ metrics: ['sessions', 'pageviews', 'users'], dimensions: ['source'] });
  assert.is(source.source, 'rollups');
  assert.equal(rowsByKey(source), { google: [1, 2, 1], '(direct)': [1, 1, 1], 'news.example.org': [1, 2, 1], newsletter: [1, 1, 1] });

  const country = await query({ metrics: ['sessions', 'users', 'pageviews', 'bounces'], dimensions: ['country'] });
  assert.equal(rowsByKey(country), { GB: [2, 2, 4, 0], US: [1, 1, 1, 1], SE: [1, 1, 1, 1] });
  assert.equal(country.rows[0]!.dimensions, ['GB'], 'ordered by the first metric, descending');

  const pages = await query({ metrics: ['pageviews', 'uniquePageviews', 'entrances', 'exits', 'sessions', 'bounceRate', 'avgTimeOnPage', 'exitRate'], dimensions: ['pagePath'] });
  const byPage = rowsByKey(pages);
  // '/': V1, V2, V4; landing of all three; V2 and V4 bounce there; time on page 60 s (V1) over 3 − 2 exits.
  assert.equal(byPage['/']!.slice(0, 5), [3, 3, 3, 2, 3]);
  close(byPage['/']![5], 2 / 3, 'bounce rate of /');
  close(byPage['/']![6], 60, 'avg time on /');
  close(byPage['/']![7], 2 / 3, 'exit rate of /');
  assert.equal(byPage['/pricing']!.slice(0, 5), [2, 2, 0, 2, 0]);
  assert.equal(byPage['/blog/a']!.slice(0, 5), [1, 1, 1, 0, 1]);
  close(byPage['/blog/a']![6], 120, 'avg time on /blog/a');
});

test('calendar dimensions: date, hour and week from the rollups', async () => {
  const days = await query({ date_range: ['2026-11-27', '2026-11-28'], metrics: ['sessions', 'users', 'pageviews'], dimensions: ['date'], order_by: [['date', 'asc']] });
  assert.is(days.source, 'rollups');
  assert.equal(days.rows.map((r) => [r.dimensions[0], ...r.metrics]), [
    ['2026-11-27', 2, 2, 3],
    ['2026-11-28', 4, 4, 6],
  ]);
  assert.equal(days.totals.metrics, [6, 6, 9]);
  const hours = await query({ date_range: ['2026-11-27', '2026-11-28'], metrics: ['sessions', 'pageviews'], dimensions: ['hour'], order_by: [['hour', 'asc']] });
  assert.equal(rowsByKey(hours), { '2026-11-27T10': [2, 3], '2026-11-28T11': [4, 6] });
  const weeks = await query({ date_range: ['2026-11-27', '2026-11-28'], metrics: ['sessions', 'users'], dimensions: ['week'] });
  assert.equal(rowsByKey(weeks), { '2026-W48': [6, 6] });
});

test('two session dimensions: answered from the session documents', async () => {
  const answer = await query({ metrics: ['sessions', 'users', 'pageviews'], dimensions: ['country', 'deviceCategory'] });
  assert.is(answer.source, 'sessions');
  assert.equal(rowsByKey(answer), { 'GB | desktop': [1, 1, 2], 'GB | mobile': [1, 1, 2], 'US | mobile': [1, 1, 1], 'SE | desktop': [1, 1, 1] });
  assert.equal(answer.totals.metrics, [4, 4, 6]);
});

test('a hit dimension with a session dimension: page views per page and country from the hits', async () => {
  const answer = await query({ metrics: ['pageviews', 'users', 'entrances', 'sessions'], dimensions: ['pagePath', 'country'] });
  assert.is(answer.source, 'sessions');
  assert.equal(rowsByKey(answer), {
    '/ | GB': [1, 1, 1, 1],
    '/ | US': [1, 1, 1, 1],
    '/ | SE': [1, 1, 1, 1],
    '/pricing | GB': [2, 2, 0, 0],
    '/blog/a | GB': [1, 1, 1, 1],
  });
  assert.equal(answer.totals.metrics, [6, 4, 4, 4]);

  const products = await query({ metrics: ['itemQuantity', 'itemRevenue'], dimensions: ['productName', 'country'] });
  assert.equal(rowsByKey(products), { 'Beans | GB': [2, 20] });
  const transactions = await query({ metrics: ['transactions', 'transactionRevenue', 'transactionTax', 'itemQuantity'], dimensions: ['transactionId'] });
  assert.is(transactions.source, 'sessions');
  assert.equal(rowsByKey(transactions), { 'T-1': [1, 20, 2, 2] });
  const events = await query({ metrics: ['totalEvents', 'uniqueEvents', 'eventValue'], dimensions: ['eventCategory', 'eventAction', 'browser'] });
  assert.equal(rowsByKey(events), { 'Video | play | Chrome': [1, 1, 3] });
});

test('the session-level answers equal the rollups for the same single dimension', async () => {
  // A filter that keeps everything moves the query off the rollups: the numbers must not change.
  const everything = ['is_not', 'country', ['(nowhere)']];
  const cases: [string, string[]][] = [
    ['pagePath', ['pageviews', 'uniquePageviews', 'entrances', 'exits', 'timeOnPage', 'avgTimeOnPage', 'sessions', 'bounces', 'users', 'exitRate']],
    ['pageTitle', ['pageviews', 'uniquePageviews', 'entrances', 'exits', 'timeOnPage', 'sessions', 'users']],
    ['eventCategory', ['totalEvents', 'uniqueEvents', 'eventValue', 'users']],
    ['productSku', ['itemQuantity', 'itemRevenue', 'users']],
    ['source', ['sessions', 'users', 'bounces', 'pageviews', 'sessionDuration', 'transactionRevenue']],
    ['hour', ['sessions', 'pageviews', 'timeOnPage', 'totalEvents', 'hits']],
    ['exitPage', ['sessions', 'exits', 'pageviews']],
  ];
  for (const [dimension, metrics] of cases) {
    const range = ['2026-11-27', '2026-11-28'];
    const fromRollups = await query({ date_range: range, metrics, dimensions: [dimension] });
    const fromSessions = await query({ date_range: range, metrics, dimensions: [dimension], filters: everything });
    assert.is(fromRollups.source, 'rollups');
    assert.is(fromSessions.source, 'sessions');
    assert.equal(rowsByKey(fromSessions), rowsByKey(fromRollups), dimension);
    assert.equal(fromSessions.totals.metrics, fromRollups.totals.metrics, `${dimension} totals`);
  }
});

test('filters: is, not contains, or, metric conditions', async () => {
  const some = await query({ metrics: ['sessions'], dimensions: ['source'], filters: ['is', 'country', ['GB', 'US']] });
  assert.is(some.source, 'sessions');
  assert.equal(rowsByKey(some), { google: [1], '(direct)': [1], 'news.example.org': [1] });

  // Same-dimension filter: still the rollups, totals over the kept values only (users recounted).
  const same = await query({ metrics: ['sessions', 'users'], dimensions: ['country'], filters: ['is', 'country', ['GB', 'SE']] });
  assert.is(same.source, 'rollups');
  assert.equal(rowsByKey(same), { GB: [2, 2], SE: [1, 1] });
  assert.equal(same.totals.metrics, [3, 3]);

  const notBlog = await query({ metrics: ['pageviews', 'sessions'], dimensions: ['country'], filters: { not: ['contains', 'pagePath', ['/blog']] } });
  assert.is(notBlog.source, 'sessions');
  // GB: V1's / and /pricing, V3's /pricing (V3 landed on /blog/a: no session of GB lands elsewhere but V1).
  assert.equal(rowsByKey(notBlog), { GB: [3, 1], US: [1, 1], SE: [1, 1] });

  const either = await query({ metrics: ['sessions', 'users'], filters: { or: [['is', 'country', ['SE']], ['is', 'deviceCategory', ['mobile']]] } });
  assert.equal(either.rows[0]!.metrics, [3, 3]);

  const matched = await query({ metrics: ['pageviews'], dimensions: ['pagePath'], filters: ['matches', 'pagePath', ['^/(pricing|blog/.+)$']] });
  assert.equal(rowsByKey(matched), { '/pricing': [2], '/blog/a': [1] });

  const busy = await query({ metrics: ['sessions'], dimensions: ['country'], filters: ['gt', 'sessions', [1]] });
  assert.equal(rowsByKey(busy), { GB: [2] });
  assert.is(busy.row_count, 1);
  assert.equal(busy.totals.metrics, [4], 'totals ignore metric conditions');

  const rate = await query({ metrics: ['sessions', 'bounceRate'], dimensions: ['country'], filters: { and: [['gte', 'bounceRate', [1]], ['is_not', 'country', ['SE']]] } });
  assert.equal(rowsByKey(rate), { US: [1, 1] });

  const mixed = await query({ metrics: ['pageviews'], dimensions: ['country'], filters: { or: [['is', 'country', ['US']], ['gt', 'pageviews', [3]]] } });
  assert.equal(rowsByKey(mixed), { GB: [4], US: [1] });
});

test('compare with the previous period: rows matched by dimension values, change = (a − b) / b', async () => {
  const answer = await query({ metrics: ['sessions', 'pageviews'], dimensions: ['country'], compare: 'previous_period' });
  assert.equal(answer.compare_range, { from: '2026-11-27', to: '2026-11-27' });
  const gb = answer.rows.find((r) => r.dimensions[0] === 'GB')!;
  assert.equal(gb.compare, [1, 1]);
  assert.equal(gb.change, [1, 3]);
  const us = answer.rows.find((r) => r.dimensions[0] === 'US')!;
  assert.equal(us.compare, [1, 2]);
  assert.equal(us.change, [0, -0.5]);
  const se = answer.rows.find((r) => r.dimensions[0] === 'SE')!;
  assert.equal(se.compare, [0, 0]);
  assert.equal(se.change, [null, null]);
  assert.equal(answer.totals.compare, [2, 3]);
  assert.equal(answer.totals.change, [1, 1]);

  const custom = await query({ metrics: ['sessions'], compare: ['2026-11-27', '2026-11-27'] });
  assert.equal(custom.totals.compare, [2]);
  const lastYear = await query({ metrics: ['sessions'], compare: 'previous_year' });
  assert.equal(lastYear.compare_range, { from: '2025-11-28', to: '2025-11-28' });
  assert.equal(lastYear.totals.change, [null]);
});

test('order, limit and offset; row_count before paging', async () => {
  const answer = await query({ metrics: ['pageviews'], dimensions: ['pageTitle'], order_by: [['pageviews', 'asc'], ['pageTitle', 'desc']], limit: 2, offset: 1 });
  assert.is(answer.row_count, 4);
  // Ascending page views, titles descending among equals: 'Blog A', '=SUM(1+1)' (1 each), 'Pricing', the home page (2 each).
  assert.equal(answer.rows.map((r) => r.dimensions[0]), [FORMULA_TITLE, 'Pricing']);
});

test('GET with query parameters answers like POST', async () => {
  const filters = encodeURIComponent(JSON.stringify(['is', 'country', ['GB']]));
  const got = await sys.api('GET', `/query?property=${PROPERTY}&date_range=2026-11-27,2026-11-28&metrics=sessions,pageviews&dimensions=pagePath&filters=${filters}&order_by=pageviews:desc`);
  assert.is(got.status, 200, got.text);
  const posted = await query({ date_range: ['2026-11-27', '2026-11-28'], metrics: ['sessions', 'pageviews'], dimensions: ['pagePath'], filters: ['is', 'country', ['GB']] });
  assert.equal(rowsByKey(got.json as Answer), rowsByKey(posted));
  assert.equal(rowsByKey(posted), { '/blog/a': [2, 2], '/': [1, 1], '/pricing': [0, 2] });
});

test('CSV: header, RFC 4180 quoting, formula guard', async () => {
  const response = await sys.api('GET', `/query?property=${PROPERTY}&date_range=today&metrics=pageviews,bounceRate&dimensions=pageTitle&order_by=pageTitle:asc&format=csv`);
  assert.is(response.status, 200, response.text);
  assert.match(response.headers.get('content-type') ?? '', /^text\/csv/);
  assert.match(response.headers.get('content-disposition') ?? '', /attachment; filename="webalytic-UA-5000-1-2026-11-28-2026-11-28\.csv"/);
  const lines = response.text.split('\r\n');
  assert.is(lines[0], 'pageTitle,pageviews,bounceRate');
  assert.is(lines[1], `'${FORMULA_TITLE},1,1`);
  assert.is(lines[2], 'Blog A,1,0');
  assert.is(lines[3], `"${HOME_TITLE.replaceAll('"', '""')}",2,0.5`);
  assert.is(lines[4], 'Pricing,2,0');
  assert.is(lines[5], '');

  const accepted = await sys.api('POST', '/query', { body: { property: PROPERTY, date_range: 'today', metrics: ['sessions'], dimensions: ['country'], compare: 'previous_period' }, headers: { accept: 'text/csv' } });
  assert.match(accepted.headers.get('content-type') ?? '', /^text\/csv/);
  const rows = accepted.text.trim().split('\r\n');
  assert.is(rows[0], 'country,sessions,sessions (compare),sessions (change)');
  assert.ok(rows.includes('GB,2,1,1'), accepted.text);
  assert.ok(rows.includes('SE,1,0,'), accepted.text);
});

test('errors are problem documents naming the field', async () => {
  const post = (body: Record<string, unknown>) => sys.api('POST', '/query', { body: { property: PROPERTY, date_range: 'today', metrics: ['sessions'], ...body } });
  const unknownMetric = problemOf(await post({ metrics: ['sessions', 'sesions'] }), 400);
  assert.is(unknownMetric.field, 'metrics[1]');
  assert.match(unknownMetric.detail, /"sesions" is not a metric/);

  const badPreset = problemOf(await post({ date_range: 'last_week' }), 400);
  assert.is(badPreset.field, 'date_range');
  assert.match(badPreset.detail, /must be one of today, yesterday/);
  const badDay = problemOf(await post({ date_range: ['2026-11-01', '2026-02-30'] }), 400);
  assert.is(badDay.field, 'date_range[1]');
  assert.match(badDay.detail, /"2026-02-30" is not a date/);
  const reversed = problemOf(await post({ date_range: ['2026-11-28', '2026-11-01'] }), 400);
  assert.match(reversed.detail, /after the end/);

  const noDimension = problemOf(await post({ filters: { and: [['is', 'country', ['GB']], ['contains', 'pagePth', ['/a']]] } }), 400);
  assert.is(noDimension.field, 'filters.and[1][1]');
  assert.match(noDimension.detail, /"pagePth" is not a dimension/);
  const unknownDimension = problemOf(await post({ dimensions: ['countryy'] }), 400);
  assert.is(unknownDimension.field, 'dimensions[0]');

  const longRegex = problemOf(await post({ filters: ['matches', 'pagePath', [`^/${'a'.repeat(300)}$`]] }), 400);
  assert.is(longRegex.field, 'filters[2][0]');
  assert.match(longRegex.detail, /at most 256/);
  const backreference = problemOf(await post({ filters: ['matches', 'pagePath', ['(a)\\1']] }), 400);
  assert.match(backreference.detail, /backreference/);
  const invalid = problemOf(await post({ filters: ['matches', 'pagePath', ['(unclosed']] }), 400);
  assert.match(invalid.detail, /not a valid regular expression/);

  const metricOnDimension = problemOf(await post({ filters: ['gt', 'country', [1]] }), 400);
  assert.match(metricOnDimension.detail, /"country" is not a metric \(it is a dimension/);
  const mixedOutside = problemOf(await post({ dimensions: ['source'], filters: { or: [['is', 'country', ['GB']], ['gt', 'sessions', [1]]] } }), 400);
  assert.match(mixedOutside.detail, /"country" is not one of them/);
  const order = problemOf(await post({ order_by: [['country', 'asc']] }), 400);
  assert.is(order.field, 'order_by[0]');
  const limit = problemOf(await post({ limit: 100_000 }), 400);
  assert.is(limit.field, 'limit');
  const offset = problemOf(await post({ offset: 1e20 }), 400);
  assert.is(offset.field, 'offset');
  assert.match(offset.detail, /0 to 1,000,000,000/);
  const getOffset = problemOf(await sys.api('GET', `/query?property=${PROPERTY}&date_range=today&metrics=sessions&offset=99999999999999999999999`), 400);
  assert.is(getOffset.field, 'offset');
  const getBad = problemOf(await sys.api('GET', `/query?property=${PROPERTY}&date_range=today&metrics=sessions&filters=%7Bnot-json`), 400);
  assert.is(getBad.field, 'filters');
  const missing = problemOf(await sys.api('POST', '/query', { body: { property: 'UA-9999-1', date_range: 'today', metrics: ['sessions'] } }), 404);
  assert.is(missing.field, 'property');
});

test('auth: 401 without a key, 403 for another property, read keys for their property', async () => {
  const body = { property: PROPERTY, date_range: 'today', metrics: ['sessions'] };
  problemOf(await sys.api('POST', '/query', { body, key: null }), 401);
  await sys.createProperty('UA-5000-2');
  const keys = await sys.api('POST', '/keys', { body: { role: 'read', propertyIds: ['UA-5000-2'], name: 'other' } });
  assert.is(keys.status, 201, keys.text);
  const other = (keys.json as { key: string }).key;
  const forbidden = problemOf(await sys.api('POST', '/query', { body, key: other }), 403);
  assert.is(forbidden.field, 'property');
  problemOf(await sys.api('GET', `/query?property=${PROPERTY}&date_range=today&metrics=sessions`, { key: other }), 403);
  const mine = await sys.api('POST', '/keys', { body: { role: 'read', propertyIds: [PROPERTY], name: 'mine' } });
  const reader = (mine.json as { key: string }).key;
  const allowed = await sys.api('POST', '/query', { body, key: reader });
  assert.is(allowed.status, 200, allowed.text);
});

test('presets in the property time zone (last: moves the clock to 00:30 in Berlin on 29 Nov)', async () => {
  sys.clock.now = Date.UTC(2026, 10, 28, 23, 30);
  const ranges: Record<string, [string, string]> = {
    today: ['2026-11-29', '2026-11-29'],
    yesterday: ['2026-11-28', '2026-11-28'],
    '7d': ['2026-11-23', '2026-11-29'],
    '28d': ['2026-11-02', '2026-11-29'],
    '30d': ['2026-10-31', '2026-11-29'],
    '90d': ['2026-09-01', '2026-11-29'],
    month: ['2026-11-01', '2026-11-29'],
    last_month: ['2026-10-01', '2026-10-31'],
    year: ['2026-01-01', '2026-11-29'],
    '12mo': ['2025-11-30', '2026-11-29'],
    all: ['2026-11-27', '2026-11-29'],
  };
  for (const [preset, [from, to]] of Object.entries(ranges)) {
    const answer = await query({ date_range: preset, metrics: ['sessions'] });
    assert.equal(answer.date_range, { from, to }, preset);
  }
  assert.equal((await query({ date_range: 'yesterday', metrics: ['sessions', 'users'] })).totals.metrics, [4, 4]);
  assert.equal((await query({ date_range: 'all', metrics: ['sessions'] })).totals.metrics, [6]);
  const previous = await query({ date_range: '7d', metrics: ['sessions'], compare: 'previous_period' });
  assert.equal(previous.compare_range, { from: '2026-11-16', to: '2026-11-22' });
});

test.run();
