import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GEO_NOT_SET } from '../../domain/hit.ts';
import { PROPERTY_DEFAULTS } from '../../domain/property/decider.ts';
import type { PropertySettings } from '../../domain/property/settings.ts';
import { silentLogger } from '../../platform/logger.ts';
import { openCookielessIds } from '../cookieless.ts';
import { connectionAddress, createEnricher, hitId, MAX_QUEUE_TIME_MS, normaliseAddress, type RequestFacts } from '../enrich.ts';
import { openGeoLookup } from '../geo.ts';
import { CHROME_UA, GEOIP_TEST_DB, GOOGLEBOT_UA, NOW } from './support.ts';

const property: PropertySettings = { ...PROPERTY_DEFAULTS, id: 'UA-5555-1', name: 'x', defaultUrl: 'https://x.example/', domains: ['x.example'], active: true };
const facts: RequestFacts = { remoteAddress: '::ffff:203.0.113.9', forwardedFor: undefined, userAgent: CHROME_UA, receivedAt: NOW };
const base = { v: '1', tid: 'UA-5555-1', cid: '42', t: 'pageview', dp: '/' };
const logger = silentLogger();
const enricher = async (trustProxy = false) =>
  createEnricher({ geo: await openGeoLookup(GEOIP_TEST_DB, logger), trustProxy, cookieless: openCookielessIds({ logger, purgeEveryMs: false }) });

test('hit ids: a UUID, equal for the same payload and z (whatever qt), different for another z', () => {
  const a = hitId('UA-5555-1', { ...base, z: '1' }, NOW, 0);
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.is(hitId('UA-5555-1', { z: '1', ...base }, NOW + 60_000, 3), a, 'key order, time and place do not matter with z');
  assert.is(hitId('UA-5555-1', { ...base, z: '1', qt: 5000 }, NOW, 0), a, 'qt is not part of the identity');
  assert.is.not(hitId('UA-5555-1', { ...base, z: '2' }, NOW, 0), a);
  assert.is.not(hitId('UA-5555-1', { ...base, z: '1', dp: '/other' }, NOW, 0), a);
});

test('hit ids without z: the same hit in the same second and place is one hit; later, or elsewhere in a batch, another', () => {
  const a = hitId('UA-5555-1', base, NOW, 0);
  assert.is(hitId('UA-5555-1', base, NOW + 500, 0), a);
  assert.is.not(hitId('UA-5555-1', base, NOW + 1000, 0), a);
  assert.is.not(hitId('UA-5555-1', base, NOW, 1), a);
});

test('client address: dual-stack IPv4 unwrapped; X-Forwarded-For only when the proxy is trusted', () => {
  assert.is(normaliseAddress('::ffff:203.0.113.9'), '203.0.113.9');
  assert.is(normaliseAddress('2001:db8::1'), '2001:db8::1');
  assert.is(normaliseAddress('nonsense'), undefined);
  const behindProxy = { remoteAddress: '10.0.0.2', forwardedFor: '81.2.69.142, 10.0.0.1' };
  assert.is(connectionAddress(behindProxy, false), '10.0.0.2');
  assert.is(connectionAddress(behindProxy, true), '81.2.69.142');
  assert.is(connectionAddress({ remoteAddress: '10.0.0.2', forwardedFor: 'garbage' }, true), '10.0.0.2');
});

test('uip: geo from the full address, the stored address anonymised, uip removed from the stored parameters', async () => {
  const enrich = await enricher();
  const result = enrich({ ...base, uip: '81.2.69.142' }, facts, { ...property, ipAnonymization: 'on-request' });
  assert.ok(result.ok);
  if (!result.ok) return;
  assert.is(result.hit.ip, '81.2.69.0');
  assert.is(result.hit.geo.city, 'London');
  assert.is(result.hit.params.uip, undefined);
  assert.not.ok(JSON.stringify(result.hit).includes('81.2.69.142'));
});

test("anonymisation: 'always' always; 'on-request' only with aip or uip", async () => {
  const enrich = await enricher();
  const ip = (params: Record<string, string | boolean>, policy: PropertySettings['ipAnonymization']) => {
    const result = enrich({ ...base, ...params }, facts, { ...property, ipAnonymization: policy });
    return result.ok ? result.hit.ip : 'dropped';
  };
  assert.is(ip({}, 'always'), '203.0.113.0');
  assert.is(ip({}, 'on-request'), '203.0.113.9');
  assert.is(ip({ aip: true }, 'on-request'), '203.0.113.0');
});

test('time: receipt minus qt; qt below 0 or over 4 hours drops the hit with a message', async () => {
  const enrich = await enricher();
  const ok = enrich({ ...base, qt: 90_000 }, facts, property);
  assert.ok(ok.ok && ok.hit.time === NOW - 90_000 && ok.hit.receivedAt === NOW);
  for (const qt of [-1, MAX_QUEUE_TIME_MS + 1]) {
    const dropped = enrich({ ...base, qt }, facts, property);
    assert.not.ok(dropped.ok);
    if (!dropped.ok) assert.equal([dropped.problem.parameter, dropped.problem.code], ['qt', 'VALUE_OUT_OF_BOUNDS']);
  }
});

test('user agent: ua overrides the header; bots flagged; geoid overrides the address', async () => {
  const enrich = await enricher();
  const bot = enrich({ ...base, ua: GOOGLEBOT_UA }, facts, property);
  assert.ok(bot.ok && bot.hit.isBot && bot.hit.userAgent === GOOGLEBOT_UA);
  const person = enrich(base, facts, property);
  assert.ok(person.ok && !person.hit.isBot && person.hit.userAgent === CHROME_UA);
  const placed = enrich({ ...base, uip: '81.2.69.142', geoid: 'DE' }, facts, property);
  assert.ok(placed.ok);
  if (placed.ok) assert.equal(placed.hit.geo, { ...GEO_NOT_SET, country: 'DE' });
  const nowhere = enrich({ ...base, uip: '81.2.69.142', geoid: 'Atlantis' }, facts, property);
  if (nowhere.ok) assert.equal(nowhere.hit.geo, GEO_NOT_SET);
});

test('cookieless: a visitor id derived when _cl is set and no cid or uid is sent', async () => {
  const enrich = await enricher();
  const { cid: _cid, ...noCid } = base;
  const a = enrich({ ...noCid, _cl: true }, facts, property);
  const b = enrich({ ...noCid, _cl: true, dp: '/next' }, { ...facts, receivedAt: NOW + 60_000 }, property);
  assert.ok(a.ok && b.ok);
  if (a.ok && b.ok) {
    assert.match(String(a.hit.params.cid), /^cl\./);
    assert.is(a.hit.params.cid, b.hit.params.cid);
  }
  const withCid = enrich({ ...base, _cl: true }, facts, property);
  assert.ok(withCid.ok && withCid.hit.params.cid === '42', 'a sent cid wins');
});

test.run();
