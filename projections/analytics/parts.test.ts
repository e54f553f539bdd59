// The small parts of the analytics projection: local hours, device parsing, property info.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clientErased, erasureStreamName } from '../../domain/erasure/events.ts';
import { DEFAULT_SOCIAL_NETWORKS } from '../../domain/traffic-source/index.ts';
import { ERASURE_STREAM, isSystemRecord, matchesFilter, planServerFilter } from '../../storage/eventstore/eventstoredb-mapping.ts';
import { extract } from './extract.ts';
import { analyticsProjection } from './index.ts';
import { daysBetween, localHour } from './local-time.ts';
import { processBatch } from './process-batch.ts';
import { defaultPropertyInfo, evolvePropertyInfo } from './property-info.ts';
import { createEventLog, fixtureSettings, variedHits, variedSettings } from './test-support.ts';
import { createDeviceParser, parseDevice } from './user-agent.ts';

test('localHour: the hour in the zone, DST and quarter-hour offsets included', () => {
  assert.is(localHour(Date.parse('2024-05-06T22:30:00Z'), 'UTC'), '2024-05-06T22');
  assert.is(localHour(Date.parse('2024-05-06T22:30:00Z'), 'Europe/Berlin'), '2024-05-07T00'); // CEST, UTC+2
  assert.is(localHour(Date.parse('2024-01-06T22:30:00Z'), 'Europe/Berlin'), '2024-01-06T23'); // CET, UTC+1
  assert.is(localHour(Date.parse('2024-05-06T18:14:59Z'), 'Asia/Kathmandu'), '2024-05-06T23'); // UTC+5:45
  assert.is(localHour(Date.parse('2024-05-06T18:15:00Z'), 'Asia/Kathmandu'), '2024-05-07T00');
  // The per-zone memo must not leak an answer across quarter hours.
  assert.is(localHour(Date.parse('2024-05-06T18:14:59Z'), 'Asia/Kathmandu'), '2024-05-06T23');
});

test("the projection's filter takes erasure events, and EventStoreDB's own erasure records stay out", () => {
  const { filter } = analyticsProjection;
  assert.equal(planServerFilter(filter), { kind: 'streamPrefixes', prefixes: ['client-', 'property-', 'erasure-'] });
  const erased = clientErased('UA-1-1', 'client-UA-1-1.c.1.2', 0);
  assert.ok(matchesFilter(filter, erasureStreamName('UA-1-1'), erased.type));
  assert.ok(matchesFilter(filter, 'client-UA-1-1.c.1.2', 'PageviewRecorded.v1'));
  // The adapter's hidden-stream records ($webalytic-erasures) are a system stream: never delivered, and not under the prefix.
  assert.not.ok(matchesFilter(filter, ERASURE_STREAM, 'StreamErased'));
  assert.ok(isSystemRecord(ERASURE_STREAM, 'StreamErased'));
});

test('daysBetween lists the days inclusive', () => {
  assert.equal(daysBetween('2024-02-28', '2024-03-01'), ['2024-02-28', '2024-02-29', '2024-03-01']);
  assert.equal(daysBetween('2024-03-02', '2024-03-01'), []);
});

test('parseDevice: GA device categories, browser and OS with versions', () => {
  const iphone = parseDevice('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1');
  assert.equal(iphone, { deviceCategory: 'mobile', browser: 'Mobile Safari', browserVersion: '17.0', os: 'iOS', osVersion: '17.0' });
  const ipad = parseDevice('Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1');
  assert.is(ipad.deviceCategory, 'tablet');
  const chrome = parseDevice('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36');
  assert.equal(chrome, { deviceCategory: 'desktop', browser: 'Chrome', browserVersion: '120.0.0.0', os: 'Windows', osVersion: '10' });
  assert.equal(parseDevice(''), { deviceCategory: 'desktop', browser: '(not set)', browserVersion: '(not set)', os: '(not set)', osVersion: '(not set)' });
});

test('the device cache is a bounded LRU: same answers, least recently used evicted', () => {
  const parse = createDeviceParser(2);
  const a = parse('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36');
  const b = parse('Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1');
  assert.is(parse('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'), a, 'a cache hit returns the same object');
  parse('Mozilla/5.0 (X11; Linux x86_64) test');
  // b was the least recently used: parsed again (a new, equal object); a is still cached.
  const again = parse('Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1');
  assert.is.not(again, b);
  assert.equal(again, b);
});

const created = (changes: Record<string, unknown> = {}) => ({
  propertyId: 'UA-1-1',
  at: 0,
  settings: {
    name: 'Site',
    defaultUrl: 'https://site.example/',
    domains: ['site.example'],
    timeZone: 'Europe/Paris',
    currency: 'EUR',
    sessionTimeoutMinutes: 30,
    campaignTimeoutDays: 183,
    referralExclusions: [],
    organicSearchEngines: [],
    socialNetworks: ['facebook.com'],
    manualTagsOverrideAutoTagging: false,
    botFiltering: true,
    ipAnonymization: 'always',
    userIdIdentity: false,
    respectDoNotTrack: false,
    customDimensions: [
      { index: 1, name: 'A', scope: 'session', active: true },
      { index: 2, name: 'B', scope: 'user', active: true },
      { index: 3, name: 'C', scope: 'hit', active: true },
      { index: 4, name: 'D', scope: 'product', active: true },
      { index: 5, name: 'E', scope: 'hit', active: false },
    ],
    customMetrics: [],
    ...changes,
  },
});

test('property info from the property events: zone, social networks, custom dimension treatment', () => {
  const info = evolvePropertyInfo(undefined, 'PropertyCreated.v1', created());
  assert.equal(info, {
    id: 'UA-1-1',
    timeZone: 'Europe/Paris',
    socialNetworks: ['facebook.com'],
    customDimensions: { '1': 'session', '2': 'session', '3': 'hit', '4': 'ignore', '5': 'ignore' },
  });
  const changed = evolvePropertyInfo(info, 'PropertySettingsChanged.v1', { propertyId: 'UA-1-1', at: 1, changes: { timeZone: 'Asia/Tokyo' } });
  assert.is(changed?.timeZone, 'Asia/Tokyo');
  assert.equal(changed?.socialNetworks, ['facebook.com']);
  const defined = evolvePropertyInfo(changed, 'CustomDimensionDefined.v1', { propertyId: 'UA-1-1', at: 2, index: 3, name: 'C', scope: 'session', active: true });
  assert.is(defined?.customDimensions['3'], 'session');
  assert.is(evolvePropertyInfo(defined, 'PropertyDeactivated.v1', { propertyId: 'UA-1-1', at: 3 }), defined, 'other events change nothing');
  assert.is(evolvePropertyInfo(undefined, 'PropertyCreated.v1', created({ timeZone: 'Mars/Olympus' }))?.timeZone, 'UTC', 'an unknown zone falls back to UTC');
  assert.equal(defaultPropertyInfo('UA-9-9'), { id: 'UA-9-9', timeZone: 'UTC', socialNetworks: DEFAULT_SOCIAL_NETWORKS, customDimensions: {} });
  assert.throws(() => evolvePropertyInfo(undefined, 'PropertyCreated.v1', { propertyId: 'nope' }));
});

test.run();

test('extract: a batch of extracted events gives the same output as the whole events; what the model would reject goes through whole', async () => {
  const log = createEventLog().property(fixtureSettings).property(variedSettings);
  log.hits(variedSettings, variedHits(variedSettings, ['1.1', '2.2', '3.3', '4.4'], Date.parse('2024-05-06T12:00:00Z')));
  log.erase(variedSettings, '2.2');
  const run = (events: typeof log.events) =>
    processBatch({ events, loadSessions: async () => new Map(), properties: new Map(), device: createDeviceParser(), realtimeFrom: 0 }).then((out) => ({
      daily: [...out.accumulator.dailyRows()],
      hourly: [...out.accumulator.hourlyRows.values()],
      userDays: [...out.accumulator.userDays.values()],
      realtime: [...out.accumulator.realtimeRows.values()],
      sessions: out.sessions,
      properties: [...out.properties.values()],
      erasures: out.erasures,
    }));
  const extracted = log.events.map(extract);
  assert.ok(JSON.stringify(extracted).length < JSON.stringify(log.events).length / 1.5);
  assert.equal(await run(extracted), await run(log.events));
  const broken = { ...log.events[2]!, data: { hit: {} } };
  assert.is(extract(broken), broken);
});
