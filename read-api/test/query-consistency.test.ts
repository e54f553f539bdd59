// Every path of the stats query gives the numbers the rollups give. Simulated history
// (the traffic simulator, through the collector's import core: pages, events, classic
// and enhanced ecommerce, returning visitors) plus hits with custom dimensions and
// metrics sent to /collect; then for every dimension the rollup answer is compared with
// the session-level answer of the same question (a filter that keeps everything moves
// it off the rollups), and joint hit-level answers are checked against their marginals.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { STANDARD_DIMENSIONS } from '../../projections/analytics/dimensions.ts';
import { BASE_METRICS } from '../../projections/analytics/metrics.ts';
import { IP, sendSimulatedHistory, startQuerySystem, type QuerySystem } from './query-fixture.ts';

const PROPERTY = 'UA-6000-1';
const NOW = Date.UTC(2026, 5, 10, 16, 0, 0);
const RANGE = ['2026-06-05', '2026-06-11'];
const KEEP_ALL = ['is_not', 'country', ['(nowhere)']];
/** Keeps everything, on another dimension than `dimension`. */
const keepAll = (dimension: string) => (dimension === 'country' ? ['is_not', 'deviceCategory', ['(nowhere)']] : KEEP_ALL);
const METRICS = [...BASE_METRICS, 'users', 'customMetric1'];

let sys: QuerySystem;

interface Answer {
  rows: { dimensions: string[]; metrics: number[] }[];
  totals: { metrics: number[] };
  source: string;
}

async function query(body: Record<string, unknown>): Promise<Answer> {
  const response = await sys.api('POST', '/query', { body: { property: PROPERTY, date_range: RANGE, limit: 10_000, ...body } });
  if (response.status !== 200) throw new Error(`${response.status}: ${response.text}`);
  return response.json as Answer;
}

/** Rows by key, values rounded (sums of fractions of a currency unit). */
const table = (answer: Answer): Record<string, number[]> =>
  Object.fromEntries(answer.rows.map((row) => [row.dimensions.join(' | '), row.metrics.map((v) => Math.round(v * 1e6) / 1e6)]));

test.before(async () => {
  sys = await startQuerySystem(NOW);
  // Custom dimensions and metrics sent through the collector after the simulated history.
  await sendSimulatedHistory(sys, PROPERTY, NOW, { visitors: 150, seed: 'consistency' });
});
test.after(async () => {
  await sys.close();
});

test('the simulated history is there', async () => {
  const totals = await query({ metrics: ['sessions', 'pageviews', 'totalEvents', 'transactions', 'itemQuantity', 'users'] });
  const [sessions, pageviews, events, transactions, items, users] = totals.totals.metrics as [number, number, number, number, number, number];
  assert.ok(sessions > 100 && pageviews > sessions && events > 0 && transactions > 0 && items > 0 && users > 100, JSON.stringify(totals.totals));
});

test('every dimension: the session-level answer equals the rollup answer', async () => {
  const dimensions = [...STANDARD_DIMENSIONS, 'customDimension1', 'customDimension2', 'date', 'dayOfWeek', 'week', 'month', 'hour'];
  for (const dimension of dimensions) {
    // The hourly rollups have no custom metrics.
    const metrics = dimension === 'hour' ? METRICS.filter((m) => m !== 'customMetric1') : METRICS;
    const rollups = await query({ metrics, dimensions: [dimension] });
    const sessions = await query({ metrics, dimensions: [dimension], filters: keepAll(dimension) });
    assert.is(rollups.source, 'rollups', dimension);
    assert.is(sessions.source, 'sessions', dimension);
    assert.ok(rollups.rows.length > 0, `${dimension} has rows`);
    assert.equal(table(sessions), table(rollups), dimension);
    assert.equal(table({ ...sessions, rows: [{ dimensions: [], metrics: sessions.totals.metrics }] }), table({ ...rollups, rows: [{ dimensions: [], metrics: rollups.totals.metrics }] }), `${dimension} totals`);
  }
});

test('a report page the store sorts and cuts is that page of the whole sorted answer, compare rows and row count included', async () => {
  // A row filter that keeps every row makes the engine read every value and sort them itself.
  const everyRow = ['gte', 'hits', [-1]];
  let pages = 0;
  for (const dimension of STANDARD_DIMENSIONS) {
    for (const [metric, direction] of [['pageviews', 'desc'], ['users', 'desc'], ['users', 'asc'], ['bounceRate', 'asc'], ['transactionRevenue', 'desc'], ['avgTimeOnPage', 'desc']] as const) {
      for (const window of [{ limit: 10, offset: 0 }, { limit: 3, offset: 4 }]) {
        const body = { metrics: ['pageviews', 'sessions', 'users', 'bounceRate', 'avgTimeOnPage', 'transactionRevenue', 'hits'], dimensions: [dimension], order_by: [[metric, direction]], compare: 'previous_period', ...window };
        const cut = await sys.api('POST', '/query', { body: { property: PROPERTY, date_range: RANGE, ...body } });
        const whole = await sys.api('POST', '/query', { body: { property: PROPERTY, date_range: RANGE, ...body, filters: { and: [everyRow] } } });
        assert.is(cut.status, 200, cut.text);
        assert.equal(cut.json, whole.json, `${dimension} by ${metric} ${direction} ${JSON.stringify(window)}`);
        pages += 1;
      }
    }
  }
  assert.ok(pages > 100);
});

test('a session-level or hit-level page the report cuts is that page of the whole sorted answer, ties, compare rows and row count included', async () => {
  const everyRow = ['gte', 'hits', [-1]];
  let pages = 0;
  let tied = 0;
  for (const dimensions of [['source', 'deviceCategory'], ['country', 'landingPage'], ['date', 'browser'], ['pagePath', 'country']]) {
    for (const [metric, direction] of [['sessions', 'desc'], ['users', 'asc'], ['bounceRate', 'desc'], ['pageviews', 'asc']] as const) {
      for (const window of [{ limit: 10, offset: 0 }, { limit: 4, offset: 7 }]) {
        const body = { metrics: ['sessions', 'users', 'bounceRate', 'pageviews', 'hits'], dimensions, order_by: [[metric, direction]], compare: 'previous_period', ...window };
        const cut = await sys.api('POST', '/query', { body: { property: PROPERTY, date_range: RANGE, ...body } });
        const whole = await sys.api('POST', '/query', { body: { property: PROPERTY, date_range: RANGE, ...body, filters: { and: [everyRow] } } });
        assert.is(cut.status, 200, cut.text);
        assert.is((cut.json as { source: string }).source, 'sessions');
        assert.equal(cut.json, whole.json, `${dimensions.join(' × ')} by ${metric} ${direction} ${JSON.stringify(window)}`);
        const rows = (cut.json as { rows: { metrics: number[] }[] }).rows;
        const at = body.metrics.indexOf(metric);
        for (let i = 1; i < rows.length; i++) if (rows[i]!.metrics[at] === rows[i - 1]!.metrics[at]) tied += 1;
        pages += 1;
      }
    }
  }
  assert.ok(pages === 32 && tied > 50, `${pages} pages, ${tied} ties within them`);
});

test('no dimension, filtered: the same totals', async () => {
  const rollups = await query({ metrics: METRICS });
  const sessions = await query({ metrics: METRICS, filters: KEEP_ALL });
  assert.is(sessions.source, 'sessions');
  assert.equal(table(sessions), table(rollups));
});

test('joint hit-level answers add up to their marginals', async () => {
  const additive = ['pageviews', 'uniquePageviews', 'entrances', 'exits', 'timeOnPage', 'sessions', 'bounces', 'totalEvents', 'uniqueEvents', 'itemQuantity', 'itemRevenue', 'customMetric1'];
  const pairs: [string, string][] = [
    ['pagePath', 'deviceCategory'],
    ['pagePath', 'pageTitle'],
    ['eventAction', 'eventCategory'],
    ['productName', 'productSku'],
    ['pagePath', 'hour'],
    ['customDimension2', 'country'],
  ];
  for (const [first, second] of pairs) {
    const joint = await query({ metrics: additive, dimensions: [first, second] });
    const single = await query({ metrics: additive, dimensions: [first] });
    assert.is(joint.source, 'sessions');
    const summed = new Map<string, number[]>();
    for (const row of joint.rows) {
      const key = row.dimensions[0]!;
      const sum = summed.get(key) ?? additive.map(() => 0);
      row.metrics.forEach((v, i) => (sum[i]! += v));
      summed.set(key, sum);
    }
    const expected = table(single);
    const actual = Object.fromEntries([...summed].map(([key, values]) => [key, values.map((v) => Math.round(v * 1e6) / 1e6)]));
    // Marginal rows of values that carry nothing are not listed in the single-dimension answer.
    for (const [key, values] of Object.entries(actual)) if (values.every((v) => v === 0)) delete actual[key];
    assert.equal(actual, expected, `${first} × ${second}`);
  }
});

test('custom dimensions: hit scope per hit, session scope the last value', async () => {
  const hit = await query({ metrics: ['hits', 'pageviews', 'totalEvents', 'customMetric1', 'users'], dimensions: ['customDimension2'] });
  assert.equal(table(hit), { header: [2, 2, 0, 5, 2], footer: [1, 0, 1, 2.5, 1] });
  const session = await query({ metrics: ['sessions', 'pageviews', 'customMetric1'], dimensions: ['customDimension1'] });
  assert.equal(table(session), { Team: [1, 2, 7.5], Free: [1, 1, 0] });
});

test('a cut page orders tied rows by their values one by one, as the whole answer does ("Plan" before "Plan B")', async () => {
  // Two values where JSON's order is not the values' (a space sorts before the closing quote).
  const page = (path: string) => ({ t: 'pageview', dp: path, dh: 'shop.example' });
  await sys.hit(PROPERTY, NOW + 300_000, { cid: 'tie.1', uip: IP.GB, ...page('/plans'), cd1: 'Plan B' });
  await sys.hit(PROPERTY, NOW + 310_000, { cid: 'tie.2', uip: IP.GB, ...page('/plans'), cd1: 'Plan' });
  await sys.settled();
  const body = { property: PROPERTY, date_range: RANGE, metrics: ['sessions', 'pageviews'], dimensions: ['customDimension1', 'country'], order_by: [['sessions', 'desc']], limit: 10 };
  const cut = await sys.api('POST', '/query', { body });
  const whole = await sys.api('POST', '/query', { body: { ...body, filters: { and: [['gte', 'hits', [-1]]] } } });
  assert.equal(cut.json, whole.json);
  const keys = (cut.json as { rows: { dimensions: string[] }[] }).rows.map((row) => row.dimensions.join(' | '));
  assert.ok(keys.indexOf('Plan | GB') >= 0 && keys.indexOf('Plan | GB') < keys.indexOf('Plan B | GB'), keys.join(', '));
});

test.run();
