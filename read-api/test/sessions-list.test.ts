// GET /sessions over real HTTP, hits sent through the collector (query-fixture.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { problemOf } from './harness.ts';
import { PROPERTY, standardSystem, TODAY, type QuerySystem } from './query-fixture.ts';

let sys: QuerySystem;

interface Session {
  id: string;
  client: string;
  number: number;
  start: string;
  end: string;
  duration: number;
  pageviews: number;
  hits: number;
  landing_page: string;
  exit_page: string;
  source: string;
  medium: string;
  channel: string;
  country: string;
  device_category: string;
  browser: string;
  bounce: boolean;
  transactions: number;
  revenue: number;
}
interface List {
  sessions: Session[];
  total: number;
  date_range: { from: string; to: string };
}

const list = async (params: string): Promise<List> => {
  const response = await sys.api('GET', `/sessions?property=${PROPERTY}&${params}`);
  if (response.status !== 200) throw new Error(`${response.status}: ${response.text}`);
  return response.json as List;
};
const clients = (answer: List): string[] => answer.sessions.map((s) => s.client.slice(s.client.lastIndexOf('.') + 1));

test.before(async () => {
  sys = await standardSystem();
});
test.after(async () => {
  await sys.close();
});

test("today's sessions, newest first, with their dimensions and metrics", async () => {
  const answer = await list('date_range=today');
  assert.is(answer.total, 4);
  assert.equal(answer.date_range, { from: '2026-11-28', to: '2026-11-28' });
  assert.equal(clients(answer), ['4', '3', '2', '1']);
  const v3 = answer.sessions[1]!;
  assert.equal(
    { ...v3, id: undefined, client: undefined },
    {
      id: undefined,
      client: undefined,
      number: 1,
      start: new Date(TODAY + 10 * 60_000).toISOString(),
      end: new Date(TODAY + 13 * 60_000).toISOString(),
      duration: 180,
      pageviews: 2,
      hits: 4,
      landing_page: '/blog/a',
      exit_page: '/pricing',
      source: 'news.example.org',
      medium: 'referral',
      channel: 'Referral',
      country: 'GB',
      device_category: 'mobile',
      browser: 'Mobile Safari',
      bounce: false,
      transactions: 1,
      revenue: 20,
    },
  );
  assert.match(v3.id, /^UA-5000-1\.c\.3:1$/);
  const v2 = answer.sessions[2]!;
  assert.equal([v2.bounce, v2.source, v2.medium, v2.channel, v2.duration], [true, '(direct)', '(none)', 'Direct', 0]);
  // The id leads to the session's hits.
  const detail = await sys.api('GET', `/sessions/${encodeURIComponent(v3.id)}`);
  assert.is(detail.status, 200, detail.text);
  assert.is((detail.json as { hits: unknown[] }).hits.length, 4);
});

test('pagination and ranges', async () => {
  const page = await list('date_range=today&limit=2&offset=2');
  assert.is(page.total, 4);
  assert.equal(clients(page), ['2', '1']);
  const both = await list('date_range=2026-11-27,2026-11-28&limit=10');
  assert.is(both.total, 6);
  assert.equal(clients(await list('date_range=yesterday')), ['6', '5']);
});

test('sort: by any field of the list, either way, over every page (not only the page shown)', async () => {
  const all = (await list('date_range=2026-11-27,2026-11-28&limit=10')).sessions;
  const expect = (key: keyof Session, direction: 'asc' | 'desc'): string[] => {
    const sorted = [...all].sort((a, b) => {
      const x = a[key];
      const y = b[key];
      const d = typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
      return (direction === 'asc' ? d : -d) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    });
    return sorted.map((s) => s.id);
  };
  for (const [param, key, direction] of [
    ['pageviews', 'pageviews', 'asc'],
    ['-pageviews', 'pageviews', 'desc'],
    ['-duration', 'duration', 'desc'],
    ['-revenue', 'revenue', 'desc'],
    ['hits', 'hits', 'asc'],
    ['landing_page', 'landing_page', 'asc'],
    ['-country', 'country', 'desc'],
    ['start', 'start', 'asc'],
  ] as const) {
    const ids = (await list(`date_range=2026-11-27,2026-11-28&limit=10&sort=${param}`)).sessions.map((s) => s.id);
    assert.equal(ids, expect(key, direction), `sort=${param}`);
    // The second page continues the same order.
    const second = (await list(`date_range=2026-11-27,2026-11-28&limit=3&offset=3&sort=${param}`)).sessions.map((s) => s.id);
    assert.equal(second, ids.slice(3, 6), `sort=${param}, second page`);
  }
  assert.ok(new Set(all.map((s) => s.pageviews)).size > 1, 'the fixture has sessions of different lengths');
  const bad = problemOf(await sys.api('GET', `/sessions?property=${PROPERTY}&sort=bounceRate`), 400);
  assert.is(bad.field, 'sort');
});

test('filters: session dimensions, hit dimensions (a hit had the value), metrics', async () => {
  const f = (tree: unknown) => `date_range=today&filters=${encodeURIComponent(JSON.stringify(tree))}`;
  assert.equal(clients(await list(f(['is', 'country', ['GB']]))), ['3', '1']);
  assert.equal(clients(await list(f(['is', 'pagePath', ['/pricing']]))), ['3', '1']);
  assert.equal(clients(await list(f(['is_not', 'pagePath', ['/pricing']]))), ['4', '2']);
  assert.equal(clients(await list(f({ and: [['gt', 'pageviews', [1]], ['starts_with', 'landingPage', ['/blog']]] }))), ['3']);
  assert.equal(clients(await list(f(['gte', 'sessionDuration', [120]]))), ['3', '1']);
  assert.equal(clients(await list(f({ or: [['is', 'deviceCategory', ['mobile']], ['contains', 'eventCategory', ['Vid']]] }))), ['3', '2', '1']);
  assert.equal(clients(await list(f(['matches', 'source', ['^news\\.']]))), ['3']);
  assert.is((await list(f(['is', 'country', ['FR']]))).total, 0);
});

test('errors and auth', async () => {
  const f = (tree: unknown) => `/sessions?property=${PROPERTY}&filters=${encodeURIComponent(JSON.stringify(tree))}`;
  const derived = problemOf(await sys.api('GET', f(['gt', 'bounceRate', [0.5]])), 400);
  assert.match(derived.detail, /own metrics/);
  const unknown = problemOf(await sys.api('GET', f(['is', 'contry', ['GB']])), 400);
  assert.is(unknown.field, 'filters[1]');
  const limit = problemOf(await sys.api('GET', `/sessions?property=${PROPERTY}&limit=5000`), 400);
  assert.is(limit.field, 'limit');
  // Past 2^63 SQLite refuses an OFFSET: a 400 that says so, not a 500.
  const offset = problemOf(await sys.api('GET', `/sessions?property=${PROPERTY}&offset=99999999999999999999999`), 400);
  assert.is(offset.field, 'offset');
  const range = problemOf(await sys.api('GET', `/sessions?property=${PROPERTY}&date_range=fortnight`), 400);
  assert.is(range.field, 'date_range');
  problemOf(await sys.api('GET', `/sessions?property=${PROPERTY}`, { key: null }), 401);
  await sys.createProperty('UA-5000-4');
  const other = await sys.api('POST', '/keys', { body: { role: 'read', propertyIds: ['UA-5000-4'] } });
  problemOf(await sys.api('GET', `/sessions?property=${PROPERTY}`, { key: (other.json as { key: string }).key }), 403);
});

test.run();
