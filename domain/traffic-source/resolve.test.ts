// The session-level decision (§4.2 precedence, override rule, campaign timeout,
// isTrueDirect; S-5): the SESS-* rows about sources, TS-8 and TS-12, at the
// level of resolveTrafficSource. A tiny client loop (`visit`) plays the part of
// the client aggregate: it only threads the session source and the memory.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { HitParameters } from '../hit.ts';
import type { PropertySettings } from '../property/settings.ts';
import { campaignTimedOut, resolveTrafficSource, type CampaignMemory, type TrafficSourceDecision } from './resolve.ts';
import { DAY, MINUTE, T0, settings, settingsWith, smck } from './testing.ts';
import type { TrafficSource } from './types.ts';

const page = (params: HitParameters = {}): HitParameters => ({ t: 'pageview', dl: 'https://mysite.com/', ...params });
const campaignA = page({ dl: 'https://mysite.com/?utm_source=a&utm_medium=cpc&utm_campaign=spring' });
const newsletter = page({ dl: 'https://mysite.com/?utm_source=newsletter&utm_medium=email' });
const typedUrl = page();

interface Client {
  sessionSource: TrafficSource | undefined;
  campaign: CampaignMemory | undefined;
}
const newClient = (): Client => ({ sessionSource: undefined, campaign: undefined });

/** One hit of a client; `opensSession` = the client aggregate already decided a new session (timeout, midnight, sc). */
function visit(client: Client, params: HitParameters, time: number, opts: { opensSession?: boolean; property?: PropertySettings } = {}): TrafficSourceDecision {
  const decision = resolveTrafficSource({
    params,
    time,
    settings: opts.property ?? settings,
    sessionSource: opts.opensSession ? undefined : client.sessionSource,
    campaign: client.campaign,
  });
  client.sessionSource = decision.source;
  client.campaign = decision.campaign;
  return decision;
}

const sess = suite('sessions and sources (§3.2, §3.3, §4.4)');

sess('SESS-5 given a session on my-site.com, when the user returns from your-site.com (not excluded), then a new session your-site.com / referral', () => {
  const client = newClient();
  visit(client, page(), T0);
  const back = visit(client, page({ dr: 'https://your-site.com/page' }), T0 + 5 * MINUTE);
  assert.equal([back.startsNewSession, ...(smck(back.source) ?? [])], [true, 'your-site.com', 'referral', '(not set)', '(not set)']);
});

sess('SESS-5 given your-site.com is excluded, when the user returns from it, then the same session continues', () => {
  const property = settingsWith({ referralExclusions: ['your-site.com'] });
  const client = newClient();
  visit(client, page(), T0, { property });
  const back = visit(client, page({ dr: 'https://your-site.com/page' }), T0 + 5 * MINUTE, { property });
  assert.equal([back.startsNewSession, back.source.source], [false, '(direct)']);
});

sess('SESS-6 google organic at 10:00, newsletter/email at 10:05: the second hit starts a new session', () => {
  const client = newClient();
  const first = visit(client, page({ dr: 'https://www.google.com/' }), T0);
  const second = visit(client, newsletter, T0 + 5 * MINUTE);
  assert.equal([first.startsNewSession, first.source.source, first.source.medium], [false, 'google', 'organic']);
  assert.equal([second.startsNewSession, second.source.source, second.source.medium], [true, 'newsletter', 'email']);
});

sess('SESS-7 campaign A at 10:00, typed URL at 10:10: no new session, still A, memory untouched', () => {
  const client = newClient();
  const first = visit(client, campaignA, T0);
  const second = visit(client, typedUrl, T0 + 10 * MINUTE);
  assert.equal([second.startsNewSession, second.source.source], [false, 'a']);
  assert.equal(second.campaign, first.campaign);
});

sess('SESS-8 campaign A at 10:00 and the same A at 10:10: no new session', () => {
  const client = newClient();
  visit(client, campaignA, T0);
  assert.is(visit(client, campaignA, T0 + 10 * MINUTE).startsNewSession, false);
});

sess('TS-8 given a session from TS-1, when a hit arrives from an excluded referrer, then no new session and the prior source is kept', () => {
  const property = settingsWith({ referralExclusions: ['mysite.com'] });
  const client = newClient();
  visit(client, newsletter, T0, { property });
  const decision = visit(client, page({ dr: 'https://shop.mysite.com/' }), T0 + MINUTE, { property });
  assert.equal([decision.startsNewSession, decision.source.source, decision.source.medium], [false, 'newsletter', 'email']);
});

sess('TS-8 given a new session opened by an excluded referrer, then it is direct, or the remembered campaign', () => {
  const property = settingsWith({ referralExclusions: ['mysite.com'] });
  assert.equal(smck(visit(newClient(), page({ dr: 'https://shop.mysite.com/' }), T0, { property }).source), ['(direct)', '(none)', '(not set)', '(not set)']);
  const client = newClient();
  visit(client, newsletter, T0, { property });
  assert.is(visit(client, page({ dr: 'https://shop.mysite.com/' }), T0 + DAY, { property, opensSession: true }).source.source, 'newsletter');
});

sess('TS-9 given a new user with no dr and no utm, then (direct) / (none) / (not set) / (not set), isTrueDirect, no memory', () => {
  const decision = visit(newClient(), typedUrl, T0);
  assert.equal(smck(decision.source), ['(direct)', '(none)', '(not set)', '(not set)']);
  assert.equal([decision.source.kind, decision.isTrueDirect, decision.campaign, decision.startsNewSession], ['direct', true, undefined, false]);
});

sess('TS-12 session via TS-1, then 5 minutes later dr=bing search: a new session bing / organic', () => {
  const client = newClient();
  visit(client, page({ dl: 'https://s.com/?utm_source=newsletter&utm_medium=email&utm_campaign=jan&utm_term=boots&utm_content=v1' }), T0);
  const decision = visit(client, page({ dr: 'https://www.bing.com/search?q=x' }), T0 + 5 * MINUTE);
  assert.equal([decision.startsNewSession, ...(smck(decision.source) ?? [])], [true, 'bing', 'organic', '(not set)', 'x']);
  assert.equal(decision.campaign?.source.source, 'bing');
});

sess.run();

const change = suite('S-5 what counts as a change');

change('a change of any one of source, medium, campaign, keyword, adContent or campaign id starts a new session', () => {
  const base = 'utm_source=s&utm_medium=m&utm_campaign=c&utm_term=k&utm_content=a&utm_id=i';
  for (const [key, value] of [['utm_source', 's2'], ['utm_medium', 'm2'], ['utm_campaign', 'c2'], ['utm_term', 'k2'], ['utm_content', 'a2'], ['utm_id', 'i2']]) {
    const client = newClient();
    visit(client, page({ dl: `https://mysite.com/?${base}` }), T0);
    const changed = new URLSearchParams(base);
    changed.set(key as string, value as string);
    assert.is(visit(client, page({ dl: `https://mysite.com/?${changed}` }), T0 + MINUTE).startsNewSession, true, key);
  }
});

change('a new gclid (another ad click) starts a new session; the same gclid does not', () => {
  const client = newClient();
  visit(client, page({ gclid: 'one' }), T0);
  assert.is(visit(client, page({ gclid: 'one' }), T0 + MINUTE).startsNewSession, false);
  assert.is(visit(client, page({ gclid: 'two' }), T0 + 2 * MINUTE).startsNewSession, true);
});

change('a change of organic keyword or engine starts a new session', () => {
  const client = newClient();
  visit(client, page({ dr: 'https://www.bing.com/search?q=a' }), T0);
  assert.is(visit(client, page({ dr: 'https://www.bing.com/search?q=b' }), T0 + MINUTE).startsNewSession, true);
  assert.is(visit(client, page({ dr: 'https://duckduckgo.com/' }), T0 + 2 * MINUTE).startsNewSession, true);
});

change('[I] the same referring site from another page is the same source (Referral Path does not count)', () => {
  const client = newClient();
  visit(client, page({ dr: 'https://blog.example.org/post/1' }), T0);
  const again = visit(client, page({ dr: 'https://blog.example.org/post/2' }), T0 + MINUTE);
  assert.equal([again.startsNewSession, again.source.referralPath], [false, '/post/1']);
});

change('[I] startsNewSession is false for a hit that opens a session anyway (no session source given)', () => {
  assert.is(visit(newClient(), newsletter, T0).startsNewSession, false);
});

change('direct arrivals never start a session, even when the session has a campaign', () => {
  const client = newClient();
  visit(client, campaignA, T0);
  assert.is(visit(client, page({ dl: 'https://mysite.com/?utm_medium=x' }), T0 + MINUTE).startsNewSession, false);
});

change('gclid vs manual override: the same landing URL resolves differently by the setting, and both stay stable on repeat', () => {
  const landing = page({ dl: 'https://mysite.com/?gclid=G&utm_source=x&utm_medium=y' });
  for (const [override, expected] of [[false, 'google'], [true, 'x']] as const) {
    const property = settingsWith({ manualTagsOverrideAutoTagging: override });
    const client = newClient();
    assert.is(visit(client, landing, T0, { property }).source.source, expected);
    assert.is(visit(client, landing, T0 + MINUTE, { property }).startsNewSession, false);
  }
});

change.run();

const memory = suite('campaign memory, timeout and isTrueDirect (§4.2)');

memory('before the 183-day default timeout, a direct return keeps the campaign, with isTrueDirect', () => {
  const client = newClient();
  visit(client, newsletter, T0);
  const back = visit(client, typedUrl, T0 + 182 * DAY, { opensSession: true });
  assert.equal([back.source.source, back.source.medium, back.isTrueDirect], ['newsletter', 'email', true]);
});

memory('after the 183-day default timeout, a direct return reports (direct) / (none) and the memory is dropped', () => {
  const client = newClient();
  visit(client, newsletter, T0);
  const back = visit(client, typedUrl, T0 + 184 * DAY, { opensSession: true });
  assert.equal([...(smck(back.source) ?? []), back.isTrueDirect, back.campaign], ['(direct)', '(none)', '(not set)', '(not set)', true, undefined]);
});

memory('[I] the timeout expires at exactly campaignTimeoutDays after the anchor (like the session timeout)', () => {
  const remembered: CampaignMemory = { source: visit(newClient(), newsletter, T0).source, lastUsedAt: T0 };
  assert.is(campaignTimedOut(remembered, T0 + 183 * DAY - 1, settings), false);
  assert.is(campaignTimedOut(remembered, T0 + 183 * DAY, settings), true);
  assert.is(campaignTimedOut(remembered, T0 + 2 * DAY, settingsWith({ campaignTimeoutDays: 1 })), true);
});

memory('[I] the timeout anchor is the last session start that used the campaign: a direct return re-arms it', () => {
  const client = newClient();
  visit(client, newsletter, T0);
  const reuse = visit(client, typedUrl, T0 + 100 * DAY, { opensSession: true });
  assert.is(reuse.campaign?.lastUsedAt, T0 + 100 * DAY);
  const later = visit(client, typedUrl, T0 + 250 * DAY, { opensSession: true });
  assert.is(later.source.source, 'newsletter');
});

memory('[I] a hit continuing a session never moves the anchor', () => {
  const client = newClient();
  visit(client, newsletter, T0);
  assert.is(visit(client, newsletter, T0 + 10 * MINUTE).campaign?.lastUsedAt, T0);
  assert.is(visit(client, typedUrl, T0 + 20 * MINUTE).campaign?.lastUsedAt, T0);
});

memory('override rule: a new organic or referral source overwrites the memory; direct never does', () => {
  const client = newClient();
  visit(client, newsletter, T0);
  visit(client, page({ dr: 'https://blog.example.org/' }), T0 + DAY, { opensSession: true });
  assert.is(client.campaign?.source.source, 'blog.example.org');
  visit(client, typedUrl, T0 + 2 * DAY, { opensSession: true });
  assert.equal([client.campaign?.source.source, client.sessionSource?.source], ['blog.example.org', 'blog.example.org']);
});

memory('isTrueDirect (BQ): true for two successive sessions with exactly the same campaign details, false for a new one', () => {
  const client = newClient();
  assert.is(visit(client, newsletter, T0).isTrueDirect, false);
  assert.is(visit(client, newsletter, T0 + DAY, { opensSession: true }).isTrueDirect, true);
  assert.is(visit(client, campaignA, T0 + 2 * DAY, { opensSession: true }).isTrueDirect, false);
});

memory('[I] isTrueDirect is false for a hit that continues the open session (the session keeps its own flag)', () => {
  const client = newClient();
  visit(client, typedUrl, T0);
  assert.is(visit(client, typedUrl, T0 + MINUTE).isTrueDirect, false);
});

memory('pure: the same input gives the same decision, and the input memory is not mutated', () => {
  const remembered: CampaignMemory = { source: visit(newClient(), newsletter, T0).source, lastUsedAt: T0 };
  const frozen = JSON.stringify(remembered);
  const input = { params: typedUrl, time: T0 + DAY, settings, sessionSource: undefined, campaign: remembered };
  assert.equal(resolveTrafficSource(input), resolveTrafficSource(input));
  assert.is(JSON.stringify(remembered), frozen);
});

memory.run();
