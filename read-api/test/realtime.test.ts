// GET /realtime over real HTTP, hits sent through the collector (query-fixture.ts), clock
// at 11:22 in Berlin on 28 Nov 2026: V4's hit at 11:20 is the only one in the last 5
// minutes; today's four visitors are in the last 30.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { problemOf } from './harness.ts';
import { PROPERTY, standardSystem, type QuerySystem } from './query-fixture.ts';

let sys: QuerySystem;

interface Realtime {
  active_users: number;
  active_users_30m: number;
  per_minute: { minute: string; users: number; pageviews: number }[];
  pages: { value: string; users: number }[];
  sources: { value: string; users: number }[];
  countries: { value: string; users: number }[];
  devices: { value: string; users: number }[];
}

test.before(async () => {
  sys = await standardSystem();
});
test.after(async () => {
  await sys.close();
});

test('active users, the last 30 minutes by minute in the property time zone, and the top lists', async () => {
  const response = await sys.api('GET', `/realtime?property=${PROPERTY}`);
  assert.is(response.status, 200, response.text);
  const answer = response.json as Realtime;
  assert.is(answer.active_users, 1);
  assert.is(answer.active_users_30m, 4);
  assert.is(answer.per_minute.length, 30);
  assert.is(answer.per_minute[0]!.minute, '2026-11-28T10:53');
  assert.is(answer.per_minute[29]!.minute, '2026-11-28T11:22');
  const byMinute = Object.fromEntries(answer.per_minute.filter((m) => m.users > 0 || m.pageviews > 0).map((m) => [m.minute.slice(11), [m.users, m.pageviews]]));
  // V1 at :00 :01 (page views) and :02 (event); V2 :05; V3 :10, :12 and :13 (transaction); V4 :20.
  assert.equal(byMinute, {
    '11:00': [1, 1],
    '11:01': [1, 1],
    '11:02': [1, 0],
    '11:05': [1, 1],
    '11:10': [1, 1],
    '11:12': [1, 1],
    '11:13': [1, 0],
    '11:20': [1, 1],
  });
  assert.equal(answer.pages, [{ value: '/', users: 1 }]);
  assert.equal(answer.sources, [{ value: 'newsletter / email', users: 1 }]);
  assert.equal(answer.countries, [{ value: 'SE', users: 1 }]);
  assert.equal(answer.devices, [{ value: 'desktop', users: 1 }]);
});

test('later, nobody is active; the window moves', async () => {
  sys.clock.now += 40 * 60_000;
  const answer = (await sys.api('GET', `/realtime?property=${PROPERTY}`)).json as Realtime;
  assert.is(answer.active_users, 0);
  assert.is(answer.active_users_30m, 0);
  assert.ok(answer.per_minute.every((m) => m.users === 0 && m.pageviews === 0));
  assert.equal(answer.pages, []);
});

test('errors and auth', async () => {
  problemOf(await sys.api('GET', `/realtime?property=${PROPERTY}`, { key: null }), 401);
  const bad = problemOf(await sys.api('GET', '/realtime?property=nope'), 400);
  assert.is(bad.field, 'property');
  problemOf(await sys.api('GET', '/realtime?property=UA-7777-1'), 404);
  await sys.createProperty('UA-5000-3');
  const other = await sys.api('POST', '/keys', { body: { role: 'read', propertyIds: ['UA-5000-3'] } });
  problemOf(await sys.api('GET', `/realtime?property=${PROPERTY}`, { key: (other.json as { key: string }).key }), 403);
});

test.run();
