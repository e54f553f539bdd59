// The decider as a whole: one event per hit, state restored from the last event,
// determinism, out-of-order hits, and the per-hit facts reports need (§6 metrics
// computed by a reference projection from this stream's events alone).

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ReceivedHit } from '../hit.ts';
import { decide, evolve, initialState, stateFromLastEvent } from './decider.ts';
import { clientEventSchemas, type ClientEvent } from './events.ts';
import { fold, given, hit, history, metricsOf, recordHit, recorded, sessionIds, settings, withSettings, type Params } from './testing.ts';

const at = (time: string) => `2024-05-06T${time}Z`;
const pv = (time: string, path: string, params: Params = {}) => hit(at(time), { dl: `https://mysite.com${path}`, ...params });
const ev = (time: string, params: Params = {}) => hit(at(time), { t: 'event', ec: 'Video', ea: 'Play', ...params });
const json = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));

/** A deterministic mixed history: every hit type, ni hits, sc, campaigns, referrals, midnight, bots, late hits. */
function mixedHits(count: number, seed: number): ReceivedHit[] {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const kinds: Params[] = [
    {},
    { dl: 'https://mysite.com/a?utm_source=news&utm_medium=email' },
    { dr: 'https://www.bing.com/search?q=x' },
    { dr: 'https://blog.example.org/p' },
    { t: 'event', ec: 'c', ea: 'a', ni: true },
    { t: 'event', ec: 'c', ea: 'a', el: 'l', ev: 2 },
    { t: 'transaction', ti: 'T', tr: 9 },
    { t: 'item', ti: 'T', in: 'n', iq: 2, ip: 3 },
    { t: 'social', sn: 'fb', sa: 'like', st: 't' },
    { t: 'exception', exd: 'x' },
    { t: 'timing', utc: 'a', utv: 'b', utt: 5 },
    { t: 'screenview', cd: 'Home' },
    { sc: 'end' },
    { sc: 'start' },
    { pa: 'purchase', ti: 'E1', pr1id: 'A', pr1pr: 2, pr1qt: 3, cd1: 'x', cm1: 1 },
  ];
  let time = Date.parse('2024-05-06T22:00:00Z');
  return Array.from({ length: count }, () => {
    time += pick([1_000, 60_000, 600_000, 1_900_000, 3_600_000]);
    const late = random() < 0.05 ? 120_000 : 0;
    const isBot = random() < 0.03;
    return hit(time - late, pick(kinds), { receivedAt: time, isBot });
  });
}

const state = suite('client state from the last event');

state('folding every event with evolve equals stateFromLastEvent of the last one (also after a JSON round trip)', () => {
  const events = history(mixedHits(400, 7), withSettings({ timeZone: 'Europe/Berlin' }));
  assert.ok(events.some((e) => e.type === 'HitDiscarded.v1'), 'the history includes discarded hits');
  assert.ok(sessionIds(events).length > 20, 'and many sessions');
  for (let n = 1; n <= events.length; n++) {
    const folded = fold(events.slice(0, n));
    assert.equal(stateFromLastEvent(events[n - 1]), folded, `after ${n} events`);
    assert.equal(stateFromLastEvent(json(events[n - 1])), folded, `after ${n} stored events`);
  }
  assert.equal(stateFromLastEvent(undefined), initialState());
});

state('a decision from the last-event state is the decision from the full fold', () => {
  const property = withSettings({ timeZone: 'America/New_York' });
  const hits = mixedHits(250, 99);
  const events: ClientEvent[] = [];
  for (const h of hits) {
    const fromFold = decide(recordHit(h, property), fold(events));
    const fromLast = decide(recordHit(h, property), stateFromLastEvent(json(events[events.length - 1])));
    assert.equal(fromLast, fromFold);
    events.push(...fromFold);
  }
});

state('every event of a mixed history matches its published schema', () => {
  for (const event of history(mixedHits(200, 3))) {
    const result = clientEventSchemas[event.type].safeParse(json(event.data));
    assert.ok(result.success, event.type);
  }
});

state.run();

const props = suite('decider properties');

props('exactly one event per hit, with the hit id; the same command and state always give the same event', () => {
  const past = history([pv('10:00:00', '/')]);
  const command = recordHit(pv('10:01:00', '/b'));
  const before = structuredClone(fold(past));
  const first = decide(command, fold(past));
  assert.equal(decide(command, fold(past)), first);
  assert.is(first.length, 1);
  assert.is(first[0]?.id, command.hit.id);
  assert.equal(fold(past), before, 'decide does not mutate the state');
});

props('session ids are deterministic: <client key>:<number>; uid identity keys them by the user id', () => {
  const events = history([pv('10:00:00', '/'), pv('11:00:00', '/')]);
  assert.equal(sessionIds(events), ['UA-1000-1.c.555.666:1', 'UA-1000-1.c.555.666:2']);
  const byUser = history([pv('10:00:00', '/', { uid: 'user42' })], withSettings({ userIdIdentity: true }));
  assert.equal(sessionIds(byUser), ['UA-1000-1.u.user42:1']);
});

props("[I] out of order: a hit sent before the last processed one counts at that hit's time, in the open session", () => {
  const past = history([pv('10:00:00', '/a'), pv('10:10:00', '/b')]);
  const late = hit(at('10:05:00'), { t: 'event', ec: 'c', ea: 'a' }, { receivedAt: Date.parse(at('10:11:00')) });
  given(past)
    .when(recordHit(late))
    .then(([event], after) => {
      assert.ok(event && event.type === 'EventRecorded.v1');
      assert.equal([event.data.hit.time, event.data.hit.sentTime], [Date.parse(at('10:10:00')), Date.parse(at('10:05:00'))]);
      assert.equal([event.data.session.number, event.data.session.isStart], [1, false]);
      assert.is(after.session?.lastHitAt, Date.parse(at('10:10:00')));
    });
  // Sent during an earlier, closed session: it joins the open one and never opens a session by time.
  const later = history([pv('10:00:00', '/a'), pv('11:00:00', '/b')]);
  given(later)
    .when(recordHit(hit(at('10:20:00'), { t: 'event', ec: 'c', ea: 'a' }, { receivedAt: Date.parse(at('11:01:00')) })))
    .then(([event]) => {
      assert.ok(event && event.type === 'EventRecorded.v1');
      assert.equal([event.data.session.number, event.data.session.isStart, event.data.hit.time], [2, false, Date.parse(at('11:00:00'))]);
    });
});

props('campaign memory survives sessions: a direct return within the campaign timeout keeps the campaign (state from the last event)', () => {
  const events = history([pv('10:00:00', '/?utm_source=news&utm_medium=email'), pv('15:00:00', '/')]);
  const [, back] = recorded(events);
  assert.equal([back?.data.session.number, back?.data.session.startReason, back?.data.session.source.source], [2, 'inactivity', 'news']);
  assert.is(stateFromLastEvent(json(events[1])).campaign?.source.source, 'news');
});

props.run();

const reports = suite('per-hit facts for reports (§6)');

reports('M-1 pageview then an interaction event 20 s later: no bounce, 20 s; with ni=1: a bounce of 0 s, still 1 session', () => {
  const interactive = metricsOf(history([pv('10:00:00', '/a'), ev('10:00:20')]));
  assert.equal([interactive.sessions, interactive.bounces, interactive.sessionDuration], [1, 0, 20]);
  const ni = metricsOf(history([pv('10:00:00', '/a'), ev('10:00:20', { ni: true })]));
  assert.equal([ni.sessions, ni.bounces, ni.sessionDuration], [1, 1, 0]);
});

reports('M-2 time on page from the previous page carried by each hit; exits move; the exit page runs to the last interaction', () => {
  const pages = history([pv('10:00:00', '/A'), pv('10:05:00', '/B'), pv('10:15:00', '/C')]);
  const m = metricsOf(pages);
  assert.equal(m.timeOnPage, { '/A': 300, '/B': 600, '/C': 0 });
  assert.equal([m.exits, m.entrances, m.sessionDuration, m.pageviews / m.sessions], [{ '/C': 1 }, { '/A': 1 }, 900, 3]);
  const [, b] = recorded(pages);
  assert.equal(b?.data.session.previousPage, { hitType: 'pageview', hostname: 'mysite.com', path: '/A', time: Date.parse(at('10:00:00')) });
  const withEvent = metricsOf([...pages, ...given(pages).when(recordHit(ev('10:17:00'))).then(() => {})]);
  assert.equal([withEvent.timeOnPage['/C'], withEvent.sessionDuration], [120, 1020]);
});

reports('M-4 unique events and M-5 unique pageviews (per session, path + title)', () => {
  const plays = metricsOf(history([pv('10:00:00', '/v'), ...['10:01', '10:02', '10:03', '10:04', '10:05'].map((t) => ev(`${t}:00`))]));
  assert.equal([plays.totalEvents, plays.uniqueEvents], [5, 1]);
  const titles = metricsOf(history([pv('10:00:00', '/p', { dt: 'X' }), pv('10:01:00', '/p', { dt: 'X' }), pv('10:02:00', '/p', { dt: 'Y' })]));
  assert.equal([titles.pageviews, titles.uniquePageviews], [3, 2]);
  const twoSessions = metricsOf(history([pv('10:00:00', '/p'), pv('10:01:00', '/p'), pv('12:00:00', '/p'), pv('12:01:00', '/p')]));
  assert.equal([twoSessions.pageviews, twoSessions.uniquePageviews], [4, 2]);
});

reports('enhanced ecommerce purchase with products rides on its hit, with the session attribution', () => {
  const past = history([pv('10:00:00', '/?utm_source=news&utm_medium=email')]);
  given(past)
    .when(recordHit(ev('10:03:00', { ec: 'Checkout', ea: 'Purchase', pa: 'purchase', ti: 'T9', tr: 27, pr1id: 'F', pr1nm: 'Frisbee', pr1pr: 10, pr1qt: 2, pr2id: 'B', pr2pr: 7 })))
    .then(([event]) => {
      assert.ok(event && event.type === 'EventRecorded.v1');
      const ecommerce = event.data.hit.ecommerce;
      assert.is(ecommerce?.action, 'purchase');
      assert.equal(ecommerce?.transaction, { id: 'T9', revenue: 27, revenueComputed: false });
      assert.equal(
        ecommerce?.products.map((p) => [p.sku, p.price, p.quantity]),
        [
          ['F', 10, 2],
          ['B', 7, 1],
        ],
      );
      assert.is(event.data.session.source.source, 'news');
      const m = metricsOf([...past, event]);
      assert.equal([m.transactions, m.revenue], [1, 27]);
    });
});

reports('custom dimensions and metrics pass through on the event, by index', () => {
  given([])
    .when(recordHit(pv('10:00:00', '/', { cd1: 'gold', cd12: 'de', cm2: 3.5 })))
    .then(([event]) => {
      assert.ok(event && event.type === 'PageviewRecorded.v1');
      assert.equal([event.data.hit.customDimensions, event.data.hit.customMetrics], [{ 1: 'gold', 12: 'de' }, { 2: 3.5 }]);
      assert.is(event.data.params.cd1, 'gold', 'the validated parameters are kept as sent');
    });
});

reports('each hit type has its event type; a screenview carries its screen name and is a page for entrances and exits', () => {
  const types = history([
    pv('10:00:00', '/'),
    hit(at('10:00:01'), { t: 'screenview', cd: 'Home' }),
    ev('10:00:02'),
    hit(at('10:00:03'), { t: 'transaction', ti: 'T', tr: 5 }),
    hit(at('10:00:04'), { t: 'item', ti: 'T', in: 'n' }),
    hit(at('10:00:05'), { t: 'social', sn: 'fb', sa: 'like', st: 'x' }),
    hit(at('10:00:06'), { t: 'exception' }),
    hit(at('10:00:07'), { t: 'timing', utc: 'a', utv: 'b', utt: 1 }),
  ]).map((e) => e.type);
  assert.equal(types, [
    'PageviewRecorded.v1',
    'ScreenviewRecorded.v1',
    'EventRecorded.v1',
    'TransactionRecorded.v1',
    'ItemRecorded.v1',
    'SocialInteractionRecorded.v1',
    'ExceptionRecorded.v1',
    'TimingRecorded.v1',
  ]);
  const [, screen, event] = recorded(history([pv('10:00:00', '/'), hit(at('10:00:01'), { t: 'screenview', cd: 'Home' }), ev('10:00:02')]));
  assert.equal(event?.data.session.previousPage, { hitType: 'screenview', hostname: 'mysite.com', path: '/', screenName: 'Home', time: Date.parse(at('10:00:01')) });
  assert.equal([screen?.data.session.isEntrance, screen?.data.session.hitIndex, event?.data.session.hitIndex], [false, 2, 3]);
});

reports('the settings fixture is the one the brief names', () => {
  assert.equal([settings.timeZone, settings.sessionTimeoutMinutes, settings.campaignTimeoutDays, settings.domains], ['UTC', 30, 183, ['mysite.com']]);
  assert.is(evolve(initialState(), history([pv('10:00:00', '/')])[0]!).session?.hitCount, 1);
});

reports.run();

const helper = suite('given/when/then helper');

helper('then() compares whole events, and rejects a mismatch', () => {
  const command = recordHit(pv('10:00:00', '/'));
  const [expected] = decide(command, initialState());
  given([]).when(command).then([expected!]);
  assert.throws(() => given([]).when(command).then([{ ...expected!, id: 'other' }]), /events differ/);
});

helper.run();
