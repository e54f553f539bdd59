import { TZDate } from '@date-fns/tz';
import { isbot } from 'isbot';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePayload } from '../../collector/measurement-protocol/index.ts';
import { openGeoLookup } from '../../collector/geo.ts';
import { silentLogger } from '../../platform/logger.ts';
import { BOTS, BROWSERS } from '../catalog.ts';
import { generateTraffic, type SimulatedHit, type TrafficOptions } from '../generate.ts';
import { encodeHit } from '../live.ts';
import { addressIn, loadGeoNetworks, parseNetwork } from '../networks.ts';
import { createRandom } from '../random.ts';

const networks = loadGeoNetworks();
const NOW = Date.UTC(2024, 5, 3, 10, 0, 0);
const options = (extra: Partial<TrafficOptions> = {}): TrafficOptions => ({
  tid: 'UA-777-1',
  siteUrl: 'https://shop.example/',
  timeZone: 'Europe/Berlin',
  visitors: 400,
  days: 14,
  seed: 'test',
  now: NOW,
  networks,
  ...extra,
});

const traffic = [...generateTraffic(options())];
const humans = traffic.filter((hit) => !hit.bot);
const landings = (() => {
  const seen = new Set<string>();
  return traffic.filter((hit) => {
    const key = `${hit.visitor}/${hit.visit}`;
    if (hit.params.t !== 'pageview' || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
})();

test('deterministic: the same seed gives the same hits, another seed other hits', () => {
  const again = [...generateTraffic(options())];
  assert.equal(JSON.stringify(again), JSON.stringify(traffic));
  const other = [...generateTraffic(options({ seed: 'other' }))];
  assert.not.equal(other.slice(0, 20).map((hit) => hit.params.cid), traffic.slice(0, 20).map((hit) => hit.params.cid));
});

test('time-ordered, inside the last `days` days, never after now', () => {
  for (let i = 1; i < traffic.length; i++) assert.ok(traffic[i]!.time >= traffic[i - 1]!.time, `hit ${i} goes back in time`);
  const firstMidnight = new TZDate(2024, 5, 3 - 13, 0, 0, 0, 'Europe/Berlin').getTime();
  assert.ok(traffic[0]!.time >= firstMidnight, 'nothing before the first day');
  assert.ok(traffic[traffic.length - 1]!.time <= NOW, 'nothing after now');
  assert.ok(traffic.length > 400 * 3, `several hits per visitor (${traffic.length})`);
});

test('every hit is a valid Measurement Protocol payload for the collector', () => {
  for (const hit of traffic) {
    const parsed = parsePayload(encodeHit(hit.params, undefined));
    assert.ok(parsed.valid, `${hit.params.t}: ${parsed.messages.map((m) => m.description).join('; ')}`);
    const warnings = parsed.messages.filter((m) => m.messageType !== 'INFO');
    assert.equal(warnings, [], `${hit.params.t} has no warnings`);
  }
});

test('several hit types, ecommerce both classic and enhanced', () => {
  const types = new Set(traffic.map((hit) => hit.params.t));
  for (const type of ['pageview', 'event', 'timing', 'transaction', 'item']) assert.ok(types.has(type), `${type} present`);
  const actions = new Set(traffic.map((hit) => hit.params.pa).filter((pa) => pa !== undefined));
  assert.equal([...actions].sort(), ['add', 'detail', 'purchase']);
  const categories = new Set(traffic.filter((hit) => hit.params.t === 'event').map((hit) => hit.params.ec));
  for (const category of ['Video', 'Downloads', 'Scroll', 'Ecommerce']) assert.ok(categories.has(category), `${category} events present`);
  const items = traffic.filter((hit) => hit.params.t === 'item');
  const transactions = new Set(traffic.filter((hit) => hit.params.t === 'transaction').map((hit) => hit.params.ti));
  assert.ok(items.every((item) => transactions.has(item.params.ti)), 'every item belongs to a transaction');
});

test('returning visitors: the same cid on later visits, hours apart', () => {
  const visits = new Map<number, SimulatedHit[]>();
  for (const hit of landings) visits.set(hit.visitor, [...(visits.get(hit.visitor) ?? []), hit]);
  const returning = [...visits.values()].filter((list) => list.length > 1);
  assert.ok(returning.length > 400 * 0.15, `returning visitors present (${returning.length})`);
  for (const list of returning) {
    assert.ok(list.every((hit) => hit.params.cid === list[0]!.params.cid && hit.params.ua === list[0]!.params.ua));
    for (let i = 1; i < list.length; i++) assert.ok(list[i]!.time - list[i - 1]!.time >= 2 * 60 * 60 * 1000);
  }
});

test('bots present and recognised; people are not taken for bots', () => {
  const bots = traffic.filter((hit) => hit.bot);
  assert.ok(bots.length > 0, 'bot hits present');
  assert.ok(bots.every((hit) => isbot(hit.params.ua)), 'crawler user agents are bots to isbot');
  assert.ok(humans.every((hit) => !isbot(hit.params.ua)), 'browsers are not');
  for (const [bot] of BOTS) assert.ok(isbot(bot.userAgent), bot.name);
  for (const list of Object.values(BROWSERS)) for (const [browser] of list) assert.not.ok(isbot(browser.userAgent), browser.userAgent);
});

test('traffic sources: campaigns, organic search, referrals, social and direct all present', () => {
  const dl = (hit: SimulatedHit): URL => new URL(hit.params.dl!);
  const human = landings.filter((hit) => !hit.bot);
  const campaign = human.filter((hit) => dl(hit).searchParams.has('utm_source') || dl(hit).searchParams.has('gclid'));
  const sources = new Set(campaign.map((hit) => dl(hit).searchParams.get('utm_source') ?? 'gclid-only'));
  for (const source of ['newsletter', 'facebook', 'gclid-only']) assert.ok(sources.has(source), `campaign ${source}`);
  assert.ok(campaign.some((hit) => dl(hit).searchParams.get('utm_medium') === 'email'));
  const referrers = human.map((hit) => hit.params.dr).filter((dr): dr is string => dr !== undefined);
  const hosts = new Set(referrers.map((dr) => new URL(dr).hostname));
  for (const host of ['www.google.com', 'www.bing.com', 'duckduckgo.com']) assert.ok(hosts.has(host), `organic ${host}`);
  assert.ok(referrers.some((dr) => /[?&](q|p|text)=/.test(dr)), 'some organic referrers carry the query');
  assert.ok([...hosts].some((host) => ['t.co', 'l.facebook.com', 'm.facebook.com', 'www.reddit.com', 'www.instagram.com'].includes(host)), 'social');
  assert.ok([...hosts].some((host) => ['www.home-barista.com', 'www.coffeereview.com', 'sprudge.com', 'www.seriouseats.com'].includes(host)), 'referral');
  const direct = human.filter((hit) => hit.params.dr === undefined && !dl(hit).search.includes('utm_') && !dl(hit).search.includes('gclid'));
  assert.ok(direct.length > human.length * 0.1, `direct (${direct.length} of ${human.length})`);
  // Only the landing page's hits carry the referrer.
  const withReferrer = traffic.filter((hit) => hit.params.dr !== undefined);
  assert.ok(withReferrer.length < traffic.length / 2);
});

test('devices, languages, screens and countries vary', () => {
  const uas = new Set(humans.map((hit) => hit.params.ua));
  assert.ok([...uas].some((ua) => ua!.includes('iPhone')) && [...uas].some((ua) => ua!.includes('iPad')) && [...uas].some((ua) => ua!.includes('Windows NT')));
  assert.ok([...uas].some((ua) => ua!.includes('SamsungBrowser')) && [...uas].some((ua) => ua!.includes('Firefox')) && [...uas].some((ua) => ua!.includes('Edg/')));
  assert.ok(new Set(humans.map((hit) => hit.params.ul)).size >= 5);
  assert.ok(new Set(humans.map((hit) => hit.params.sr)).size >= 8);
  assert.ok(new Set(traffic.map((hit) => hit.country)).size >= 10);
});

test('addresses fall in the GeoIP test networks: the test database places them', async () => {
  const geo = await openGeoLookup('../shared/geoip/GeoIP2-City-Test.mmdb', silentLogger());
  const located = landings.filter((hit) => hit.country !== undefined);
  let matched = 0;
  for (const hit of located) if (geo.lookup(hit.params.uip!).country === hit.country) matched += 1;
  assert.is(matched, located.length, 'every address resolves to the country of its network');
  const v4 = parseNetwork('::81.2.69.160/123', 'GB', 'London')!;
  assert.equal([v4.family, v4.prefix], [4, 27]);
  const random = createRandom(1);
  for (let i = 0; i < 50; i++) {
    const last = Number(addressIn(v4, random).split('.')[3]);
    assert.ok(last > 160 && last < 191, 'inside 81.2.69.160/27, ends avoided');
  }
  assert.match(addressIn(parseNetwork('2a02:d180::/29', 'DE', undefined)!, random), /^2a02:d18[0-7]:/);
});

test('time of day follows the daily curve in the property time zone', () => {
  const hours = new Array<number>(24).fill(0);
  for (const hit of landings) if (!hit.bot) hours[new TZDate(hit.time, 'Europe/Berlin').getHours()]! += 1;
  const night = hours[2]! + hours[3]! + hours[4]!;
  const day = hours[10]! + hours[11]! + hours[12]!;
  assert.ok(day > night * 5, `daytime ${day} vs night ${night}`);
});

test('options are checked', () => {
  assert.throws(() => generateTraffic(options({ days: 0 })), /days/);
  assert.throws(() => generateTraffic(options({ visitors: -1 })), /visitors/);
  assert.throws(() => generateTraffic(options({ siteUrl: 'shop' })), /siteUrl/);
  assert.equal([...generateTraffic(options({ visitors: 0 }))], []);
});

test.run();
