// The pure model over the worked examples of ga-processing.md §6.6 (M-1..M-6), with
// events produced by the real decider, plus agreement with the domain's reference
// projection and batching invariance.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { metricsOf } from '../../domain/client/testing.ts';
import type { ClientEvent } from '../../domain/client/events.ts';
import { withSettings } from '../../domain/client/fixtures.ts';
import type { RecordedEvent } from '../../storage/eventstore/port.ts';
import { createBatchAccumulator, type BatchAccumulator } from './batch.ts';
import { BASE_METRICS, M, type BaseMetric } from './metrics.ts';
import { applyClientEvent, eraseSession, flushSession, resumeSession, type ModelContext, type SessionDoc, type SessionWork } from './model.ts';
import { recordedDataOf } from './process-batch.ts';
import { defaultPropertyInfo, evolvePropertyInfo, type PropertyInfo } from './property-info.ts';
import { createEventLog, event, fixtureSettings as settings, page, variedHits, variedSettings, visit } from './test-support.ts';
import { createDeviceParser } from './user-agent.ts';

const device = createDeviceParser();

function run(events: readonly RecordedEvent[], options: { flushEach?: boolean; info?: PropertyInfo } = {}): BatchAccumulator {
  const out = createBatchAccumulator();
  const info = options.info ?? defaultPropertyInfo(settings.id);
  const context: ModelContext = { property: (id) => (id === info.id ? info : defaultPropertyInfo(id)), device };
  const works = new Map<string, SessionWork>();
  for (const e of events) {
    if (!e.stream.startsWith('client-') || e.type === 'HitDiscarded.v1') continue;
    const data = recordedDataOf(e.type, e.data);
    const work = applyClientEvent(works.get(data.session.id), data, context, out);
    works.set(data.session.id, work);
    if (options.flushEach) flushSession(work, out);
  }
  for (const work of works.values()) flushSession(work, out);
  return out;
}

/** Σ over days of one rollup value, in stored units. */
function rollup(out: BatchAccumulator, dimension: string, value: string): Record<BaseMetric, number> {
  const sums = Object.fromEntries(BASE_METRICS.map((m) => [m, 0])) as Record<BaseMetric, number>;
  for (const row of out.dailyRows()) {
    if (row.dimension !== dimension || row.value !== value) continue;
    BASE_METRICS.forEach((m, i) => (sums[m] += row.metrics[i]!));
  }
  return sums;
}
const totals = (out: BatchAccumulator) => rollup(out, '', '');

const hits = (list: Parameters<typeof visit>[]) => createEventLog().hits(settings, list.map((args) => visit(...args))).events;

test('M-1: pageview then an interaction event 20 s later: no bounce, 20 s', () => {
  const out = run(hits([[settings, 'c1', '2024-05-06T10:00:00Z', page('/a')], [settings, 'c1', '2024-05-06T10:00:20Z', event('Video', 'Play')]]));
  const t = totals(out);
  assert.is(t.sessions, 1);
  assert.is(t.bounces, 0);
  assert.is(t.sessionDuration, 20_000);
});

test('M-1: with ni=1 on the event: bounce, 0 s, one session', () => {
  const out = run(hits([[settings, 'c1', '2024-05-06T10:00:00Z', page('/a')], [settings, 'c1', '2024-05-06T10:00:20Z', event('Video', 'Play', undefined, undefined, true)]]));
  const t = totals(out);
  assert.is(t.sessions, 1);
  assert.is(t.bounces, 1);
  assert.is(t.sessionDuration, 0);
  assert.is(t.timeOnPage, 0, 'a non-interaction hit gives the bounced page no time');
});

const m2 = (withEvent: boolean) => {
  const list: Parameters<typeof visit>[] = [
    [settings, 'c1', '2024-05-06T10:00:00Z', page('/A')],
    [settings, 'c1', '2024-05-06T10:05:00Z', page('/B')],
    [settings, 'c1', '2024-05-06T10:15:00Z', page('/C')],
  ];
  if (withEvent) list.push([settings, 'c1', '2024-05-06T10:17:00Z', event('Link', 'Click')]);
  return run(hits(list));
};

test('M-2: time on page A 300, B 600, C 0; exits C; duration 900; entrances A', () => {
  const out = m2(false);
  assert.is(rollup(out, 'pagePath', '/A').timeOnPage, 300_000);
  assert.is(rollup(out, 'pagePath', '/B').timeOnPage, 600_000);
  assert.is(rollup(out, 'pagePath', '/C').timeOnPage, 0);
  assert.is(rollup(out, 'pagePath', '/C').exits, 1);
  assert.is(rollup(out, 'pagePath', '/A').exits, 0);
  assert.is(rollup(out, 'pagePath', '/B').exits, 0);
  assert.is(rollup(out, 'pagePath', '/A').entrances, 1);
  assert.is(totals(out).sessionDuration, 900_000);
  assert.is(totals(out).pageviews, 3);
  assert.is(totals(out).exits, 1);
  assert.is(rollup(out, 'exitPage', '/C').sessions, 1);
  assert.is(rollup(out, 'exitPage', '/A').sessions, 0, 'the exit moved on from A');
  assert.is(rollup(out, 'landingPage', '/A').pageviews, 3);
});

test('M-2: an interactive event at 10:17 gives C 120 s and the session 1020 s', () => {
  const out = m2(true);
  assert.is(rollup(out, 'pagePath', '/C').timeOnPage, 120_000);
  assert.is(rollup(out, 'pagePath', '/A').timeOnPage, 300_000);
  assert.is(totals(out).sessionDuration, 1_020_000);
});

test('M-3: exit rate per page and page bounce rate from the sessions landing on it', () => {
  // Session 1 lands on /x and bounces; session 2 lands on /y then views /x and leaves.
  const out = run(
    hits([
      [settings, 'c1', '2024-05-06T10:00:00Z', page('/x')],
      [settings, 'c2', '2024-05-06T11:00:00Z', page('/y')],
      [settings, 'c2', '2024-05-06T11:01:00Z', page('/x')],
    ]),
  );
  const x = rollup(out, 'pagePath', '/x');
  const y = rollup(out, 'pagePath', '/y');
  assert.is(x.pageviews, 2);
  assert.is(x.exits, 2);
  assert.is(y.exits, 0);
  assert.is(x.sessions, 1, 'only the session that landed on /x');
  assert.is(x.bounces, 1);
  assert.is(y.sessions, 1);
  assert.is(y.bounces, 0);
});

test('M-4: Play clicked 5 times: unique events 1, total events 5', () => {
  const list: Parameters<typeof visit>[] = [[settings, 'c1', '2024-05-06T10:00:00Z', page('/v')]];
  for (let i = 1; i <= 5; i++) list.push([settings, 'c1', `2024-05-06T10:00:0${i}Z`, event('Video', 'Play', 'Intro')]);
  const out = run(hits(list));
  assert.is(totals(out).totalEvents, 5);
  assert.is(totals(out).uniqueEvents, 1);
  assert.is(rollup(out, 'eventCategory', 'Video').uniqueEvents, 1);
  assert.is(rollup(out, 'eventAction', 'Play').totalEvents, 5);
  assert.is(rollup(out, 'eventCategory', 'Video').sessionsWithEvent, 1);
});

test('M-5: /p "X", /p "X", /p "Y": pageviews 3, unique pageviews 2', () => {
  const out = run(
    hits([
      [settings, 'c1', '2024-05-06T10:00:00Z', page('/p', 'X')],
      [settings, 'c1', '2024-05-06T10:01:00Z', page('/p', 'X')],
      [settings, 'c1', '2024-05-06T10:02:00Z', page('/p', 'Y')],
    ]),
  );
  assert.is(totals(out).pageviews, 3);
  assert.is(totals(out).uniquePageviews, 2);
  assert.is(rollup(out, 'pagePath', '/p').uniquePageviews, 2);
  assert.is(rollup(out, 'pageTitle', 'X').uniquePageviews, 1);
});

test('M-5: two sessions each viewing /p twice: unique pageviews 2', () => {
  const out = run(
    hits([
      [settings, 'c1', '2024-05-06T10:00:00Z', page('/p')],
      [settings, 'c1', '2024-05-06T10:01:00Z', page('/p')],
      [settings, 'c2', '2024-05-06T10:00:00Z', page('/p')],
      [settings, 'c2', '2024-05-06T10:01:00Z', page('/p')],
    ]),
  );
  assert.is(rollup(out, 'pagePath', '/p').pageviews, 4);
  assert.is(rollup(out, 'pagePath', '/p').uniquePageviews, 2);
});

test('M-6: a first session across midnight: new users 1, sessions 2, one user on each day', () => {
  const out = run(hits([[settings, 'c1', '2024-05-06T23:50:00Z', page('/a')], [settings, 'c1', '2024-05-07T00:10:00Z', page('/b')]]));
  assert.is(totals(out).sessions, 2);
  assert.is(totals(out).newUsers, 1);
  const days = [...out.userDays.values()].map((u) => `${u.day}:${u.newUser}`).sort();
  assert.equal(days, ['2024-05-06:true', '2024-05-07:false']);
  assert.is(rollup(out, 'userType', 'New Visitor').sessions, 1);
  assert.is(rollup(out, 'userType', 'Returning Visitor').sessions, 1);
});

test('M-6: a client seen before the range has no new user in it', () => {
  const out = run(hits([[settings, 'c1', '2024-05-01T10:00:00Z', page('/a')], [settings, 'c1', '2024-05-06T10:00:00Z', page('/a')]]));
  const may6 = [...out.dailyRows()].find((r) => r.dimension === '' && r.period === '2024-05-06');
  assert.ok(may6);
  assert.is(may6.metrics[M.sessions], 1);
  assert.is(may6.metrics[M.newUsers], 0);
});

test('S-7: a session of non-interaction hits only counts no session but its pageviews', () => {
  const out = run(hits([[settings, 'c1', '2024-05-06T10:00:00Z', { ...page('/a'), ni: '1' }]]));
  assert.is(totals(out).sessions, 0);
  assert.is(totals(out).pageviews, 1);
  assert.is(totals(out).hits, 1);
  assert.is(out.userDays.size, 1, 'the client is still a user of the day');
});

/** A deterministic mixed history: several clients, sources, pages, events, ni hits, days. */
function mixedHistory(): { decided: ClientEvent[]; recorded: RecordedEvent[] } {
  const log = createEventLog();
  const clients = ['a', 'b', 'c', 'd', 'e'];
  const pages = ['/', '/p1', '/p2', '/p3'];
  let t = Date.parse('2024-05-06T08:00:00Z');
  const collected: ClientEvent[] = [];
  for (let i = 0; i < 120; i++) {
    const cid = clients[(i * 7) % clients.length]!;
    t += ((i * 37) % 11) * 60_000 + 13_000;
    const kind = (i * 13) % 6;
    const params =
      kind === 0
        ? { ...page(pages[i % pages.length]!, `T${i % 3}`), ...(i % 4 === 0 ? { dr: 'https://www.google.com/search?q=shoes' } : {}) }
        : kind === 1
          ? event('Video', i % 2 ? 'Play' : 'Pause', 'Intro', 2, i % 5 === 0)
          : kind === 2
            ? { ...page(pages[(i + 1) % pages.length]!), ni: i % 3 === 0 ? '1' : '0' }
            : kind === 3
              ? { t: 'transaction', ti: `T${i}`, tr: 10.5 }
              : page(pages[(i + 2) % pages.length]!, 'X');
    collected.push(log.hit(settings, visit(settings, cid, t, params)));
  }
  return { decided: collected, recorded: log.events };
}

test('agrees with the domain reference projection (metricsOf) on a mixed history', () => {
  const { decided, recorded } = mixedHistory();
  const reference = metricsOf(decided);
  const out = run(recorded);
  const t = totals(out);
  assert.is(t.sessions, reference.sessions);
  assert.is(t.newUsers, reference.newUsers);
  assert.is(t.bounces, reference.bounces);
  assert.is(t.sessionDuration / 1000, reference.sessionDuration);
  assert.is(t.pageviews, reference.pageviews);
  assert.is(t.uniquePageviews, reference.uniquePageviews);
  assert.is(t.totalEvents, reference.totalEvents);
  assert.is(t.uniqueEvents, reference.uniqueEvents);
  assert.is(t.transactions, reference.transactions);
  assert.is(t.transactionRevenue / 1e6, reference.revenue);
  for (const [path, n] of Object.entries(reference.entrances)) assert.is(rollup(out, 'pagePath', path).entrances, n, `entrances ${path}`);
  for (const [path, n] of Object.entries(reference.exits)) assert.is(rollup(out, 'pagePath', path).exits, n, `exits ${path}`);
  for (const [path, s] of Object.entries(reference.timeOnPage)) assert.is(rollup(out, 'pagePath', path).timeOnPage / 1000, s, `timeOnPage ${path}`);
  assert.ok(reference.sessions > 5 && reference.totalEvents > 5 && reference.transactions > 0, 'the history exercises the metrics');
});

test('flushing after every event or once at the end gives the same rollups', () => {
  const events = createEventLog().hits(
    settings,
    Array.from({ length: 150 }, (_, i) =>
      visit(settings, `k${i % 4}`, Date.parse('2024-05-06T09:00:00Z') + i * 45_000 * (i % 7), i % 3 ? page(`/q${i % 5}`) : event('E', `a${i % 2}`, undefined, undefined, i % 4 === 0)),
    ),
  ).events;
  const once = run(events);
  const each = run(events, { flushEach: true });
  const normal = (out: BatchAccumulator) =>
    [...out.dailyRows()]
      .filter((r) => r.metrics.some((x) => x !== 0))
      .map((r) => `${r.period}|${r.dimension}|${r.value}|${r.metrics.join(',')}`)
      .sort();
  assert.equal(normal(each), normal(once));
});

test('session dimensions: channel, device and geo from the first hit; session-scoped cd keeps the last value', () => {
  const info: PropertyInfo = { ...defaultPropertyInfo(settings.id), customDimensions: { '1': 'session', '2': 'hit' } };
  const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
  const geo = { country: 'DE', region: 'Berlin', city: 'Berlin', continent: 'Europe' };
  const events = createEventLog().hits(settings, [
    visit(settings, 'c1', '2024-05-06T10:00:00Z', { ...page('/a'), dr: 'https://www.facebook.com/', cd1: 'gold', cd2: 'x', cm1: 2 }, { userAgent: iphone, geo }),
    visit(settings, 'c1', '2024-05-06T10:01:00Z', { ...page('/b'), cd1: 'silver', cd2: 'y', cm1: 3 }, { userAgent: iphone, geo }),
  ]).events;
  const out = run(events, { info });
  assert.is(rollup(out, 'channel', 'Social').sessions, 1);
  assert.is(rollup(out, 'source', 'www.facebook.com').pageviews, 2);
  assert.is(rollup(out, 'deviceCategory', 'mobile').sessions, 1);
  assert.is(rollup(out, 'browser', 'Mobile Safari').sessions, 1);
  assert.is(rollup(out, 'os', 'iOS').sessions, 1);
  assert.is(rollup(out, 'country', 'DE').pageviews, 2);
  assert.is(rollup(out, 'cd1', 'silver').sessions, 1);
  assert.is(rollup(out, 'cd1', 'silver').pageviews, 2);
  assert.is(rollup(out, 'cd1', 'gold').sessions, 0);
  assert.is(rollup(out, 'cd2', 'x').pageviews, 1);
  assert.is(rollup(out, 'cd2', 'y').pageviews, 1);
  assert.is(rollup(out, 'cd2', 'x').sessions, 0, 'hit-scoped values carry no session metrics');
  const custom = [...out.dailyRows()].find((r) => r.dimension === '')?.custom;
  assert.equal(custom, { cm1: 5_000_000 });
});

test('HitDiscarded events are ignored (a bot hit with bot filtering)', () => {
  const log = createEventLog();
  log.hit(settings, visit(settings, 'bot', '2024-05-06T10:00:00Z', page('/a'), { isBot: true }));
  assert.is(log.events[0]!.type, 'HitDiscarded.v1');
  const out = run(log.events);
  assert.is([...out.dailyRows()].filter((r) => r.metrics.some((x) => x !== 0)).length, 0);
});

test('a time zone moves the hour, not the day the decider chose', () => {
  const tokyo = withSettings({ timeZone: 'Asia/Tokyo' });
  const events = createEventLog().hits(tokyo, [visit(tokyo, 'c1', '2024-05-06T16:30:00Z', page('/a'))]).events;
  const out = run(events, { info: { ...defaultPropertyInfo(tokyo.id), timeZone: 'Asia/Tokyo' } });
  const row = [...out.dailyRows()].find((r) => r.dimension === '');
  assert.is(row?.period, '2024-05-07');
  assert.equal([...out.hourlyRows.values()].map((r) => r.period), ['2024-05-07T01']);
});

/** Every non-zero daily (base and custom) and hourly amount, by row and metric. */
function amounts(out: BatchAccumulator): Record<string, number> {
  const found: Record<string, number> = {};
  const put = (key: string, n: number) => {
    if (n !== 0) found[key] = (found[key] ?? 0) + n;
  };
  for (const row of out.dailyRows()) {
    row.metrics.forEach((n, i) => put(`${row.period} ${row.dimension}=${row.value} ${BASE_METRICS[i]}`, n));
    for (const name in row.custom ?? {}) put(`${row.period} ${row.dimension}=${row.value} ${name}`, row.custom![name]!);
  }
  for (const row of out.hourlyRows.values()) row.metrics.forEach((n, i) => put(`${row.period} ${BASE_METRICS[i]}`, n));
  for (const key in found) if (found[key] === 0) delete found[key];
  return found;
}

test('eraseSession takes sessions out exactly: the rollups are those of the history without the client', () => {
  const now = Date.parse('2024-05-06T12:00:00Z');
  const cids = ['1.1', '2.2', '3.3', '4.4'];
  const log = createEventLog().property(variedSettings).hits(variedSettings, variedHits(variedSettings, cids, now));
  const info = evolvePropertyInfo(undefined, log.events[0]!.type, log.events[0]!.data)!;
  for (const erased of cids) {
    const stream = `client-${variedSettings.id}.c.${erased}`;
    const out = createBatchAccumulator();
    const context: ModelContext = { property: () => info, device };
    const works = new Map<string, SessionWork>();
    for (const e of log.events) {
      if (!e.stream.startsWith('client-') || e.type === 'HitDiscarded.v1') continue;
      const data = recordedDataOf(e.type, e.data);
      // A JSON round trip between events, as a stored document is read back.
      const before = works.get(data.session.id);
      const work = applyClientEvent(before === undefined ? undefined : (flushSession(before, out), resumeSession(JSON.parse(JSON.stringify(before.doc)) as SessionDoc)), data, context, out);
      works.set(data.session.id, work);
    }
    let erasedSessions = 0;
    for (const work of works.values()) {
      flushSession(work, out);
      if (`client-${work.doc.client}` !== stream) continue;
      eraseSession(work.doc, out);
      erasedSessions += 1;
    }
    assert.ok(erasedSessions >= 4, `${erased}: several sessions`);
    const expected = run(
      log.events.filter((e) => e.stream !== stream),
      { info },
    );
    assert.equal(amounts(out), amounts(expected), `erasing ${erased}`);
  }
  assert.ok(log.events.length > 100, 'the history is not trivial');
});

test.run();
