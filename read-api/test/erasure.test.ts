// GDPR erasure end to end, over real HTTP: hits through /collect, DELETE of two visitors,
// the analytics projection reaching the erasure events, then every stats answer (query,
// sessions, realtime) equals that of a second system that never saw those visitors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROPERTY, sendStandardTraffic, standardSystem, startQuerySystem, YESTERDAY, type QuerySystem } from './query-fixture.ts';
import { within } from './harness.ts';

const MIN = 60_000;
/** V3 (today: referral, mobile, a transaction with an item) and V5 (yesterday, the first visitor of the property). */
const ERASED = ['3', '5'];

const QUERIES: Record<string, unknown>[] = [
  {
    date_range: 'all',
    metrics: ['users', 'newUsers', 'sessions', 'bounces', 'bounceRate', 'pageviews', 'uniquePageviews', 'sessionDuration', 'transactions', 'transactionRevenue', 'itemQuantity', 'totalEvents'],
  },
  { date_range: 'all', metrics: ['users', 'sessions', 'pageviews'], dimensions: ['date'] },
  { date_range: '7d', metrics: ['pageviews', 'entrances', 'exits', 'users', 'sessions', 'avgTimeOnPage'], dimensions: ['pagePath'] },
  { date_range: '7d', metrics: ['sessions', 'users', 'transactions'], dimensions: ['sourceMedium'] },
  { date_range: '7d', metrics: ['sessions', 'users', 'pageviews'], dimensions: ['country', 'deviceCategory'], filters: ['is', 'country', ['GB', 'US']] },
  { date_range: '7d', metrics: ['itemQuantity', 'itemRevenue'], dimensions: ['productName'] },
  { date_range: 'today', metrics: ['sessions', 'pageviews', 'users'], dimensions: ['hour'] },
];

interface Sessions {
  sessions: { client: string }[];
  total: number;
}

/** Every answer the tests compare: the stats queries, the session list and realtime. */
async function answers(sys: QuerySystem): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const body of QUERIES) {
    const response = await sys.api('POST', '/query', { body: { property: PROPERTY, ...body } });
    assert.is(response.status, 200, response.text);
    out[`query ${JSON.stringify(body)}`] = response.json;
  }
  const sessions = await sys.api('GET', `/sessions?property=${PROPERTY}&date_range=all&limit=1000`);
  assert.is(sessions.status, 200, sessions.text);
  out['sessions'] = sessions.json;
  const realtime = await sys.api('GET', `/realtime?property=${PROPERTY}`);
  assert.is(realtime.status, 200, realtime.text);
  out['realtime'] = realtime.json;
  return out;
}

const visitorOf = (client: string): string => client.slice(client.lastIndexOf('.') + 1);

test('DELETE a visitor: once the projection passed its erasure, /query, /sessions and /realtime no longer count it', async () => {
  const sys = await standardSystem();
  // The same traffic without the erased visitors, as a replay of the log after the erasure would see it.
  const clean = await startQuerySystem(YESTERDAY - 60 * MIN);
  try {
    await clean.createProperty(PROPERTY, { timeZone: 'Europe/Berlin', currency: 'EUR' });
    await sendStandardTraffic({ ...clean, hit: (property, at, params, userAgent) => (ERASED.includes(params['cid'] ?? '') ? Promise.resolve() : clean.hit(property, at, params, userAgent)) });
    clean.clock.now = sys.clock.now;
    const expected = await answers(clean);

    const before = await answers(sys);
    const listed = (before['sessions'] as Sessions).sessions.map((s) => visitorOf(s.client));
    assert.ok(
      ERASED.every((cid) => listed.includes(cid)),
      'the visitors were counted before',
    );
    assert.not.equal(before, expected);

    let last = '';
    for (const cid of ERASED) {
      const erased = await sys.api('DELETE', `/clients/${PROPERTY}/${cid}/events`);
      assert.is(erased.status, 202, erased.text);
      const body = erased.json as { erased: boolean; erasure: { type: string; position: string } };
      assert.is(body.erased, true);
      assert.is(body.erasure.type, 'ClientErased.v1');
      last = body.erasure.position;
    }
    await within(sys.system.projections.waitForPosition(last, 'analytics'), 'the analytics projection to pass the erasures', 30_000);

    const after = await answers(sys);
    for (const key of Object.keys(expected)) assert.equal(after[key], expected[key], key);
    const remaining = (after['sessions'] as Sessions).sessions.map((s) => visitorOf(s.client));
    assert.ok(
      ERASED.every((cid) => !remaining.includes(cid)),
      'the erased visitors are not in the session list',
    );
    const gone = await sys.api('GET', `/clients/${PROPERTY}/3/events`);
    assert.is(gone.status, 404);
  } finally {
    await clean.close();
    await sys.close();
  }
});

test.run();
