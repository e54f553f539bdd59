// Session rules, ga-processing.md §3: the worked examples SESS-1..SESS-16 by id,
// the 500-hit cap, the daily cap, bot filtering and the midnight split on DST days.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { PropertySettings } from '../property/settings.ts';
import { DAILY_CLIENT_HIT_LIMIT, SESSION_HIT_LIMIT, sessionExpiresAt } from './decider.ts';
import type { ClientEvent, ClientState, OpenSession } from './events.ts';
import { fold, given, hit, history, metricsOf, recordHit, recorded, sessionIds, settings, withSettings, type Params } from './testing.ts';

const day = (time: string) => `2024-08-14T${time}Z`;
const open = (state: ClientState): OpenSession => {
  assert.ok(state.session, 'an open session');
  return state.session as OpenSession;
};
const only = (events: ClientEvent[]) => {
  const [event] = recorded(events);
  assert.ok(event, 'a recorded event');
  return event as NonNullable<typeof event>;
};
const lastRecorded = (events: readonly ClientEvent[]) => {
  const all = recorded(events);
  const event = all[all.length - 1];
  assert.ok(event, 'a recorded event');
  return event as NonNullable<typeof event>;
};
/** The session start reasons of a run of pageviews at the given instants. */
const starts = (times: string[], property: PropertySettings = settings, params: Params = {}) =>
  recorded(history(times.map((t) => hit(t, params)), property))
    .filter((e) => e.data.session.isStart)
    .map((e) => e.data.session.startReason);

const worked = suite('sessions: worked examples (§3.2, §3.3)');

worked('SESS-1 pageview at 14:01: the session expires at 14:31', () => {
  given([])
    .when(recordHit(hit(day('14:01:00'))))
    .then((events, state) => {
      const { session } = only(events).data;
      assert.equal([session.isStart, session.startReason, session.number, session.isNewUser], [true, 'first-hit', 1, true]);
      assert.is(session.id, 'UA-1000-1.c.555.666:1');
      assert.is(sessionExpiresAt(open(state), settings), Date.parse(day('14:31:00')));
    });
});

worked('SESS-2 pageview 14:01, event 14:04: the expiry moves to 14:34, 1 session', () => {
  const past = history([hit(day('14:01:00'))]);
  given(past)
    .when(recordHit(hit(day('14:04:00'), { t: 'event', ec: 'Video', ea: 'Play' })))
    .then((events, state) => {
      assert.is(only(events).data.session.isStart, false);
      assert.is(sessionExpiresAt(open(state), settings), Date.parse(day('14:34:00')));
      assert.is(sessionIds([...past, ...events]).length, 1);
    });
});

worked('SESS-3 pageview 14:01, 31-minute break, pageview P2 at 14:32: 2 sessions, P2 is the landing page of the second', () => {
  const events = history([hit(day('14:01:00')), hit(day('14:32:00'), { dl: 'https://mysite.com/p2' })]);
  assert.is(sessionIds(events).length, 2);
  const second = lastRecorded(events).data.session;
  assert.equal([second.isStart, second.startReason, second.isEntrance, second.number], [true, 'inactivity', true, 2]);
  assert.equal(metricsOf(events).landingPages, ['/', '/p2']);
  // Session 1 had ended at 14:31, 30 minutes into the break.
  assert.is(sessionExpiresAt(open(fold(events.slice(0, 1))), settings), Date.parse(day('14:31:00')));
});

worked('SESS-4 pageviews from 23:50 on 14 Aug until 00:10 on 15 Aug: 2 sessions, the second begins at 00:00', () => {
  const times = ['2024-08-14T23:50:00Z', '2024-08-14T23:55:00Z', '2024-08-15T00:00:00Z', '2024-08-15T00:05:00Z', '2024-08-15T00:10:00Z'];
  const events = history(times.map((t) => hit(t)));
  assert.is(sessionIds(events).length, 2);
  const sessions = recorded(events).map((e) => e.data.session);
  assert.equal(sessions.map((s) => s.number), [1, 1, 2, 2, 2]);
  assert.is(sessions[2]?.startReason, 'midnight');
  assert.is(sessions[2]?.startedAt, Date.parse('2024-08-15T00:00:00Z'));
  assert.is(metricsOf(events).sessions, 2);
});

worked('SESS-5 back from your-site.com: 2 sessions when it is not excluded, 1 when it is', () => {
  const hits = () => [hit(day('10:00:00')), hit(day('10:05:00'), { dr: 'https://your-site.com/page' })];
  const notExcluded = history(hits());
  assert.is(sessionIds(notExcluded).length, 2);
  const source = lastRecorded(notExcluded).data.session.source;
  assert.equal([source.source, source.medium, lastRecorded(notExcluded).data.session.startReason], ['your-site.com', 'referral', 'traffic-source-change']);
  const excluded = history(hits(), withSettings({ referralExclusions: ['your-site.com'] }));
  assert.is(sessionIds(excluded).length, 1);
});

worked('SESS-6 google organic at 10:00, newsletter/email campaign at 10:05: 2 sessions', () => {
  const events = history([
    hit(day('10:00:00'), { dr: 'https://www.google.com/' }),
    hit(day('10:05:00'), { dl: 'https://mysite.com/?utm_source=newsletter&utm_medium=email' }),
  ]);
  assert.is(sessionIds(events).length, 2);
  assert.equal(
    recorded(events).map((e) => [e.data.session.source.source, e.data.session.source.medium]),
    [
      ['google', 'organic'],
      ['newsletter', 'email'],
    ],
  );
});

const campaignA = { dl: 'https://mysite.com/?utm_source=a&utm_medium=cpc&utm_campaign=spring' };

worked('SESS-7 campaign A at 10:00, typed URL (no dr, no utm) at 10:10: 1 session, still attributed to A', () => {
  const events = history([hit(day('10:00:00'), campaignA), hit(day('10:10:00'), { dl: 'https://mysite.com/other' })]);
  assert.is(sessionIds(events).length, 1);
  assert.equal(recorded(events).map((e) => e.data.session.source.source), ['a', 'a']);
});

worked('SESS-8 campaign A at 10:00 and the same campaign A at 10:10: 1 session', () => {
  assert.is(sessionIds(history([hit(day('10:00:00'), campaignA), hit(day('10:10:00'), campaignA)])).length, 1);
});

worked('SESS-9 pageview 10:00, event 10:29:59: 1 session', () => {
  assert.is(sessionIds(history([hit(day('10:00:00')), hit(day('10:29:59'), { t: 'event', ec: 'c', ea: 'a' })])).length, 1);
});

worked('SESS-10 [I] pageview 10:00, pageview 10:30:00: a gap equal to the timeout starts a new session', () => {
  assert.equal(starts([day('10:00:00'), day('10:29:59.999')]), ['first-hit']);
  assert.equal(starts([day('10:00:00'), day('10:30:00')]), ['first-hit', 'inactivity']);
});

worked('SESS-11 a lone non-interaction event: stored, but the session counts 0 sessions', () => {
  given([])
    .when(recordHit(hit(day('10:00:00'), { t: 'event', ec: 'Scroll', ea: '50%', ni: true })))
    .then((events) => {
      const event = only(events);
      assert.is(event.type, 'EventRecorded.v1');
      assert.equal([event.data.hit.interaction, event.data.session.interactionIndex, event.data.session.firstInteractionAt], [false, 0, undefined]);
      assert.is(metricsOf(events).sessions, 0);
    });
});

worked('SESS-12 [I] pageview 10:00, ni event 10:40, pageview 10:50: 2 sessions; ni hits do not reset the expiry', () => {
  const events = history([hit(day('10:00:00')), hit(day('10:40:00'), { t: 'event', ec: 'c', ea: 'a', ni: true }), hit(day('10:50:00'))]);
  const m = metricsOf(events);
  assert.is(m.sessions, 2);
  const [, ni, pv] = recorded(events);
  assert.equal([ni?.data.session.startReason, ni?.data.session.number], ['inactivity', 2]);
  // The 10:50 pageview is the second session's landing page and first interaction.
  assert.equal([pv?.data.session.number, pv?.data.session.isEntrance, pv?.data.session.firstInteractionAt], [2, true, Date.parse(day('10:50:00'))]);
  // Within a session: pv 10:00, ni event 10:20, pv 10:35 → the ni hit did not extend the expiry past 10:30.
  const within = history([hit(day('10:00:00')), hit(day('10:20:00'), { t: 'event', ec: 'c', ea: 'a', ni: true }), hit(day('10:35:00'))]);
  assert.equal(recorded(within).map((e) => e.data.session.number), [1, 1, 2]);
});

worked('SESS-13 pageview 10:00, pageview with sc=start at 10:05: 2 sessions', () => {
  assert.equal(starts([day('10:00:00')]).length, 1);
  const events = history([hit(day('10:00:00')), hit(day('10:05:00'), { sc: 'start' })]);
  assert.equal(recorded(events).map((e) => e.data.session.startReason), [ 'first-hit', 'session-control-start' ]);
});

worked('SESS-14 pageview with sc=end at 10:00, pageview 10:01: 2 sessions', () => {
  const events = history([hit(day('10:00:00'), { sc: 'end' }), hit(day('10:01:00'))]);
  const [first, second] = recorded(events);
  assert.is(first?.data.session.endsSession, true);
  assert.equal([second?.data.session.number, second?.data.session.startReason], [2, 'previous-session-ended']);
});

worked('SESS-16 hits at 07:50 and 08:10 UTC: 1 session in a UTC property, 2 in a UTC−8 one (midnight at 08:00 UTC)', () => {
  const times = ['2024-01-15T07:50:00Z', '2024-01-15T08:10:00Z'];
  assert.equal(starts(times, withSettings({ timeZone: 'UTC' })), ['first-hit']);
  assert.equal(starts(times, withSettings({ timeZone: 'Etc/GMT+8' })), ['first-hit', 'midnight']);
  assert.equal(starts(times, withSettings({ timeZone: 'America/Los_Angeles' })), ['first-hit', 'midnight']);
});

worked.run();

const users = suite('sessions: new vs returning');

users('M-6 a client whose first-ever session spans midnight: 2 sessions, 1 new user (50% new sessions)', () => {
  const events = history([hit('2024-08-14T23:50:00Z'), hit('2024-08-15T00:05:00Z')]);
  assert.equal(recorded(events).map((e) => [e.data.session.number, e.data.session.isNewUser]), [[1, true], [2, false]]);
  const m = metricsOf(events);
  assert.equal([m.sessions, m.newUsers, m.newUsers / m.sessions], [2, 1, 0.5]);
});

users('M-6 a client seen before: its later sessions are returning (session number counts up)', () => {
  const events = history([hit('2024-08-13T10:00:00Z'), hit('2024-08-14T10:00:00Z'), hit('2024-08-14T12:00:00Z')]);
  assert.equal(recorded(events).map((e) => [e.data.session.number, e.data.session.isNewUser]), [[1, true], [2, false], [3, false]]);
});

users('[I] a first session of only non-interaction hits does not use up the new user: the first interactive session is new', () => {
  const events = history([hit(day('10:00:00'), { t: 'event', ec: 'c', ea: 'a', ni: true }), hit(day('11:00:00')), hit(day('13:00:00'))]);
  assert.equal(recorded(events).map((e) => [e.data.session.number, e.data.session.isNewUser]), [[1, true], [2, true], [3, false]]);
  const m = metricsOf(events);
  assert.equal([m.sessions, m.newUsers], [2, 1]);
});

users.run();

const limits = suite('sessions: limits and filtering');

limits('the 501st hit of a session is discarded and changes nothing; metrics equal those of the first 500', () => {
  const start = Date.parse(day('10:00:00'));
  const hits = [hit(start), ...Array.from({ length: SESSION_HIT_LIMIT }, (_, i) => hit(start + (i + 1) * 1000, { t: 'event', ec: 'c', ea: `a${i % 7}` }))];
  const first500 = history(hits.slice(0, SESSION_HIT_LIMIT));
  const stateAt500 = fold(first500);
  const [discarded] = given(first500)
    .when(recordHit(hits[SESSION_HIT_LIMIT]!))
    .then(([event], stateAfter) => {
      assert.is(event?.type, 'HitDiscarded.v1');
      assert.is(event?.type === 'HitDiscarded.v1' && event.data.reason, 'session-hit-limit');
      assert.equal(stateAfter, stateAt500);
    });
  const all = [...first500, discarded!];
  assert.equal(metricsOf(all), metricsOf(first500));
  assert.is(open(stateAt500).hitCount, SESSION_HIT_LIMIT);
  // The cap is per session: a new session (here a new campaign) is processed again.
  given(all)
    .when(recordHit(hit(start + 600_000, campaignA)))
    .then(([event]) => {
      assert.is(event?.type, 'PageviewRecorded.v1');
      assert.is(event !== undefined && event.type !== 'HitDiscarded.v1' && event.data.session.startReason, 'traffic-source-change');
    });
});

limits('bot hits are discarded when the property filters bots, recorded (flagged) when it does not', () => {
  const past = history([hit(day('10:00:00'))]);
  const bot = hit(day('10:01:00'), {}, { isBot: true });
  given(past)
    .when(recordHit(bot))
    .then(([event], stateAfter) => {
      assert.is(event?.type === 'HitDiscarded.v1' && event.data.reason, 'bot');
      assert.is(event?.type === 'HitDiscarded.v1' && event.data.hit.isBot, true);
      assert.equal(stateAfter, fold(past));
    });
  given(past)
    .when(recordHit(bot, withSettings({ botFiltering: false })))
    .then(([event]) => {
      assert.is(event?.type, 'PageviewRecorded.v1');
      assert.is(event !== undefined && event.type !== 'HitDiscarded.v1' && event.data.hit.isBot, true);
    });
});

limits('daily cap: beyond 200,000 processed hits of a client in a (property) day, hits are discarded until the next day', () => {
  const [first] = history([hit(day('10:00:00'))]);
  assert.ok(first && first.type !== 'HitDiscarded.v1');
  // The state lives in the last event, so a stream near the cap is one event away.
  const nearCap = structuredClone(first);
  nearCap.data.state.daily = { day: '2024-08-14', hits: DAILY_CLIENT_HIT_LIMIT - 1 };
  const atCap = given([nearCap])
    .when(recordHit(hit(day('10:00:01'))))
    .then(([event]) => assert.is(event !== undefined && event.type !== 'HitDiscarded.v1' && event.data.state.daily.hits, DAILY_CLIENT_HIT_LIMIT));
  const over = given(atCap)
    .when(recordHit(hit(day('10:00:02'))))
    .then(([event]) => assert.is(event?.type === 'HitDiscarded.v1' && event.data.reason, 'daily-hit-limit'));
  given(over)
    .when(recordHit(hit('2024-08-15T00:00:01Z')))
    .then(([event]) => {
      assert.is(event !== undefined && event.type !== 'HitDiscarded.v1' && event.data.state.daily.hits, 1);
      assert.is(event !== undefined && event.type !== 'HitDiscarded.v1' && event.data.session.startReason, 'midnight');
    });
});

limits.run();

const dst = suite('sessions: midnight and inactivity on DST change days');
const berlin = withSettings({ timeZone: 'Europe/Berlin' });
const newYork = withSettings({ timeZone: 'America/New_York' });

dst('Europe/Berlin, 31 Mar 2024 (02:00 CET → 03:00 CEST): midnights at 23:00Z before and 22:00Z after; the skipped hour is no gap', () => {
  assert.equal(starts(['2024-03-30T22:50:00Z', '2024-03-30T23:10:00Z'], berlin), ['first-hit', 'midnight'], '23:50 CET → 00:10 CET');
  assert.equal(starts(['2024-03-31T00:50:00Z', '2024-03-31T01:10:00Z'], berlin), ['first-hit'], '01:50 CET → 03:10 CEST is 20 minutes');
  assert.equal(starts(['2024-03-31T21:50:00Z', '2024-03-31T22:10:00Z'], berlin), ['first-hit', 'midnight'], '23:50 CEST → 00:10 CEST');
  assert.equal(starts(['2024-03-31T22:50:00Z', '2024-03-31T23:10:00Z'], berlin), ['first-hit'], '00:50 → 01:10 on 1 Apr');
});

dst('Europe/Berlin, 27 Oct 2024 (03:00 CEST → 02:00 CET): the 25-hour day splits at 22:00Z and 23:00Z; the repeated hour counts real time', () => {
  assert.equal(starts(['2024-10-26T21:50:00Z', '2024-10-26T22:10:00Z'], berlin), ['first-hit', 'midnight'], '23:50 CEST → 00:10 CEST');
  assert.equal(starts(['2024-10-27T21:50:00Z', '2024-10-27T22:10:00Z'], berlin), ['first-hit'], '22:50 CET → 23:10 CET: same day');
  assert.equal(starts(['2024-10-27T22:50:00Z', '2024-10-27T23:10:00Z'], berlin), ['first-hit', 'midnight'], '23:50 CET → 00:10 CET');
  assert.equal(starts(['2024-10-27T00:50:00Z', '2024-10-27T01:10:00Z'], berlin), ['first-hit'], '02:50 CEST → 02:10 CET is 20 minutes');
  assert.equal(starts(['2024-10-27T00:40:00Z', '2024-10-27T01:20:00Z'], berlin), ['first-hit', 'inactivity'], '02:40 CEST → 02:20 CET is 40 minutes');
});

dst('America/New_York, 10 Mar 2024 (02:00 EST → 03:00 EDT): midnights at 05:00Z before and 04:00Z after', () => {
  assert.equal(starts(['2024-03-10T04:50:00Z', '2024-03-10T05:10:00Z'], newYork), ['first-hit', 'midnight'], '23:50 EST → 00:10 EST');
  assert.equal(starts(['2024-03-10T06:50:00Z', '2024-03-10T07:10:00Z'], newYork), ['first-hit'], '01:50 EST → 03:10 EDT is 20 minutes');
  assert.equal(starts(['2024-03-11T03:50:00Z', '2024-03-11T04:10:00Z'], newYork), ['first-hit', 'midnight'], '23:50 EDT → 00:10 EDT');
});

dst('America/New_York, 3 Nov 2024 (02:00 EDT → 01:00 EST): the day ends at 05:00Z on 4 Nov; the repeated hour counts real time', () => {
  assert.equal(starts(['2024-11-03T03:50:00Z', '2024-11-03T04:10:00Z'], newYork), ['first-hit', 'midnight'], '23:50 EDT → 00:10 EDT');
  assert.equal(starts(['2024-11-04T04:10:00Z', '2024-11-04T04:20:00Z'], newYork), ['first-hit'], '23:10 EST → 23:20 EST: same day');
  assert.equal(starts(['2024-11-04T04:50:00Z', '2024-11-04T05:10:00Z'], newYork), ['first-hit', 'midnight'], '23:50 EST → 00:10 EST');
  assert.equal(starts(['2024-11-03T05:50:00Z', '2024-11-03T06:10:00Z'], newYork), ['first-hit'], '01:50 EDT → 01:10 EST is 20 minutes');
});

dst.run();
