// The collector over real HTTP: what an unchanged Measurement Protocol client gets,
// what lands in the store, and what bad or hostile input costs.
import { once } from 'node:events';
import { request } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RecordedEvent } from '../../storage/eventstore/port.ts';
import { pageview, post, startCollector, stopAll, TID } from './harness.ts';
import { CHROME_UA, clientEvents, GOOGLEBOT_UA, readStream } from './support.ts';

const CLIENT_STREAM = `client-${TID}.c.1234567890.1717400000`;
type HitData = { hit: { type: string; ip: string; geo: Record<string, unknown>; isBot: boolean; device: { userAgent: string } }; params: Record<string, unknown>; reason?: string };
const data = (event: RecordedEvent): HitData => event.data as HitData;

test.after.each(stopAll);

test('GET /collect: a pageview, answered with a no-cache 1x1 GIF, is in the client stream', async () => {
  const c = await startCollector();
  const response = await fetch(`${c.url}/collect?${pageview()}`, { headers: { 'user-agent': CHROME_UA } });
  assert.is(response.status, 200);
  assert.is(response.headers.get('content-type'), 'image/gif');
  assert.match(response.headers.get('cache-control') ?? '', /no-cache/);
  assert.is(Buffer.from(await response.arrayBuffer()).toString('latin1', 0, 6), 'GIF89a');
  const events = await readStream(c.store, CLIENT_STREAM);
  assert.is(events.length, 1);
  assert.is(events[0]!.type, 'PageviewRecorded.v1');
  assert.is(data(events[0]!).hit.device.userAgent, CHROME_UA);
  assert.is(data(events[0]!).params.dt, 'Pricing');
  await c.stop();
});

test('POST /collect, /r/collect and /batch: event, transaction and item hits as an MP client sends them', async () => {
  const c = await startCollector();
  const event = pageview({ t: 'event', ec: 'Video', ea: 'play', el: 'Intro', ev: '3', z: '1' });
  const r1 = await post(`${c.url}/collect`, event);
  assert.is(r1.status, 204);
  const r2 = await post(`${c.url}/r/collect`, pageview({ z: '2' }));
  assert.is(r2.status, 204);
  const batch = [
    pageview({ t: 'transaction', ti: 'T-1', ta: 'Shop', tr: '42.50', tt: '3.00', ts: '5.00', cu: 'EUR', z: '3' }),
    pageview({ t: 'item', ti: 'T-1', in: 'T-shirt', ip: '19.99', iq: '2', ic: 'SKU-1', iv: 'Apparel', cu: 'EUR', z: '4' }),
  ].join('\n');
  const r3 = await post(`${c.url}/batch`, batch);
  assert.is(r3.status, 204);
  const events = await readStream(c.store, CLIENT_STREAM);
  assert.equal(events.map((e) => e.type), ['EventRecorded.v1', 'PageviewRecorded.v1', 'TransactionRecorded.v1', 'ItemRecorded.v1']);
  const transaction = (events[2]!.data as { hit: { transaction: { id: string; revenue: number } } }).hit.transaction;
  assert.equal([transaction.id, transaction.revenue], ['T-1', 42.5]);
  await c.stop();
});

test('a retried beacon (the same payload, z included) is stored once', async () => {
  const c = await startCollector();
  const beacon = pageview({ z: '987654321' });
  for (let i = 0; i < 3; i++) {
    c.clock.now += 1500; // the retry arrives later
    assert.is((await post(`${c.url}/collect`, beacon)).status, 204);
  }
  assert.is((await readStream(c.store, CLIENT_STREAM)).length, 1);
  assert.is(c.collector.stats().duplicates, 2);
  await c.stop();
});

test('/debug/collect: GA-shaped JSON for a valid hit, and nothing recorded', async () => {
  const c = await startCollector();
  const response = await fetch(`${c.url}/debug/collect?${pageview()}`);
  assert.is(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  const body = (await response.json()) as { hitParsingResult: { valid: boolean; hit: string; parserMessage: unknown[] }[]; parserMessage: { messageType: string; description: string }[] };
  assert.is(body.hitParsingResult.length, 1);
  assert.is(body.hitParsingResult[0]!.valid, true);
  assert.equal(body.hitParsingResult[0]!.parserMessage, []);
  assert.ok(body.hitParsingResult[0]!.hit.startsWith('/debug/collect?v=1'));
  assert.match(body.parserMessage[0]!.description, /Found 1 hit/);
  assert.is((await clientEvents(c.store)).length, 0);
  await c.stop();
});

type DebugBody = { hitParsingResult: { valid: boolean; hit: string; parserMessage: { messageType: string; parameter?: string; messageCode?: string; description: string }[] }[] };

test('/debug/collect explains: unknown tid, deactivated property, bad qt, missing required fields', async () => {
  const c = await startCollector({ properties: { [TID]: {}, 'UA-1111-2': {} } });
  const { runPropertyCommand } = await import('./support.ts');
  const position = await runPropertyCommand(c.store, 'UA-1111-2', { type: 'DeactivateProperty', data: { propertyId: 'UA-1111-2' }, metadata: { now: c.clock.now } });
  await c.properties.reached(position!);

  const debug = async (payload: string) => ((await (await post(`${c.url}/debug/collect`, payload)).json()) as DebugBody).hitParsingResult[0]!;
  const unknown = await debug(pageview({}, 'UA-9999-1'));
  assert.is(unknown.valid, false);
  const tidMessage = unknown.parserMessage.find((m) => m.parameter === 'tid');
  assert.is(tidMessage?.messageCode, 'VALUE_INVALID');
  assert.match(tidMessage!.description, /No property has the tracking id 'UA-9999-1'/);

  const inactive = await debug(pageview({}, 'UA-1111-2'));
  assert.is(inactive.valid, false);
  assert.match(inactive.parserMessage.find((m) => m.parameter === 'tid')!.description, /deactivated/);

  const badQt = await debug(pageview({ qt: '14400001' }));
  assert.is(badQt.valid, false);
  assert.is(badQt.parserMessage.find((m) => m.parameter === 'qt')?.messageCode, 'VALUE_OUT_OF_BOUNDS');
  const negativeQt = await debug(pageview({ qt: '-5' }));
  assert.is(negativeQt.valid, false);

  const noAction = await debug(pageview({ t: 'event', ec: 'Video' }));
  assert.is(noAction.valid, false);
  assert.ok(noAction.parserMessage.some((m) => m.parameter === 'ea' && m.messageType === 'ERROR'));

  const noTid = await debug('v=1&cid=1&t=pageview&dp=%2F');
  assert.is(noTid.valid, false);
  assert.ok(noTid.parserMessage.some((m) => m.parameter === 'tid'));

  // And /collect drops every one of them.
  for (const payload of [pageview({}, 'UA-9999-1'), pageview({}, 'UA-1111-2'), pageview({ qt: '14400001' }), pageview({ t: 'event', ec: 'Video' })]) {
    assert.is((await post(`${c.url}/collect`, payload)).status, 204);
  }
  assert.is((await clientEvents(c.store)).length, 0);
  await c.stop();
});

test('/debug/batch: one result per line; uip shows the anonymised address', async () => {
  const c = await startCollector();
  const response = await post(`${c.url}/debug/batch`, [pageview({ uip: '81.2.69.142' }), 'garbage', pageview({ t: 'nonsense' })].join('\n'));
  const body = (await response.json()) as DebugBody;
  assert.equal(body.hitParsingResult.map((r) => r.valid), [true, false, false]);
  assert.match(body.hitParsingResult[0]!.hit, /_anon_uip=81\.2\.69\.0$/);
  assert.is((await clientEvents(c.store)).length, 0);
  await c.stop();
});

test('garbage gets a 2xx and stores nothing', async () => {
  const c = await startCollector();
  for (const body of ['garbage', '', '&&&===', 'v=2&tid=nope', '\u0000\u0001\u0002', '{"json":true}']) {
    const response = await post(`${c.url}/collect`, body);
    assert.is(response.status, 204, JSON.stringify(body));
  }
  assert.is((await fetch(`${c.url}/collect?%%%`)).status, 200);
  assert.is((await clientEvents(c.store)).length, 0);
  await c.stop();
});

test('oversized: a hit over 8,192 bytes, a GET URL over 8,000, a batch over 20 hits or 16,384 bytes: 2xx, nothing (not even part) stored', async () => {
  const c = await startCollector();
  const big = pageview({ dt: 'x'.repeat(9000) });
  assert.is((await post(`${c.url}/collect`, big)).status, 204);
  assert.is((await fetch(`${c.url}/collect?${pageview({ dt: 'y'.repeat(8000) })}`)).status, 200);
  const tooMany = Array.from({ length: 21 }, (_, i) => pageview({ z: String(i) })).join('\n');
  assert.is((await post(`${c.url}/batch`, tooMany)).status, 204);
  const tooLarge = Array.from({ length: 5 }, (_, i) => pageview({ z: String(i), dt: 'z'.repeat(3500) })).join('\n');
  assert.ok(Buffer.byteLength(tooLarge) > 16_384);
  assert.is((await post(`${c.url}/batch`, tooLarge)).status, 204);
  const hugeBody = new Uint8Array(200_000).fill(97);
  assert.is((await post(`${c.url}/collect`, hugeBody)).status, 204);
  assert.is((await clientEvents(c.store)).length, 0);
  const debug = (await (await post(`${c.url}/debug/collect`, big)).json()) as DebugBody;
  assert.is(debug.hitParsingResult[0]!.valid, false);
  assert.match(debug.hitParsingResult[0]!.parserMessage[0]!.description, /8192 bytes/);
  assert.is(c.collector.stats().inFlight, 0);
  await c.stop();
});

test('hostile payloads: deep encoding, invalid UTF-8, thousands of parameters, odd keys: never a 5xx', async () => {
  const c = await startCollector();
  const base = (z: string) => pageview({ z }).replace('&dt=Pricing', '');
  const deep = `${base('deep')}&dt=${'%25'.repeat(2000)}41`;
  const invalidUtf8 = Buffer.concat([Buffer.from(`${base('utf8')}&dt=`), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80])]);
  const manyParams = Array.from({ length: 2000 }, (_, i) => `p${i}=1`).join('&').slice(0, 8000);
  const manyIndexed = `${base('indexed')}&${Array.from({ length: 600 }, (_, i) => `cd${i}=x`).join('&')}`.slice(0, 8100);
  const oddKeys = `${base('odd')}&__proto__=1&constructor=2&toString=3&%00=4&=5&${'k'.repeat(3000)}=6`;
  const surrogates = `${base('surrogates')}&dt=${encodeURIComponent('\uD83D\uDE00')}%ED%A0%BD`;
  const bodies: (string | Uint8Array)[] = [deep, invalidUtf8, manyParams, manyIndexed, oddKeys, surrogates, 'a'.repeat(8192), '&'.repeat(8192), '='.repeat(8192)];
  for (const body of bodies) {
    for (const path of ['/collect', '/batch', '/debug/collect', '/debug/batch']) {
      const response = await post(`${c.url}${path}`, body);
      assert.ok(response.status < 500, `${path}: ${response.status}`);
      await response.arrayBuffer();
    }
  }
  // The valid ones among them were recorded (the hostile extras dropped alone), with the replacement character.
  const events = await clientEvents(c.store);
  assert.equal(events.map((e) => data(e).params.z).sort(), ['deep', 'indexed', 'odd', 'surrogates', 'utf8']);
  const titles = events.map((e) => String(data(e).params.dt ?? ''));
  assert.ok(titles.some((t) => t.includes('\uFFFD')), 'invalid UTF-8 became U+FFFD');
  assert.is(c.collector.stats().failed, 0);
  await c.stop();
});

test('geo from the test database with uip; the full address appears nowhere in the stored event', async () => {
  const c = await startCollector();
  assert.is((await post(`${c.url}/collect`, pageview({ uip: '81.2.69.142' }))).status, 204);
  const [event] = await readStream(c.store, CLIENT_STREAM);
  assert.equal(data(event!).hit.geo, { country: 'GB', region: 'England', city: 'London', continent: 'EU', latitude: 51.51, longitude: -0.09 });
  assert.is(data(event!).hit.ip, '81.2.69.0');
  assert.not.ok(JSON.stringify(event).includes('81.2.69.142'), 'the full address is stored somewhere');
  await c.stop();
});

test("aip under the 'on-request' policy: anonymised with aip, kept without; 'always' anonymises every hit", async () => {
  const c = await startCollector({ properties: { [TID]: { ipAnonymization: 'on-request' }, 'UA-1111-3': {} } });
  await post(`${c.url}/collect`, pageview({ cid: 'plain' }));
  await post(`${c.url}/collect`, pageview({ cid: 'aip', aip: '' }));
  await post(`${c.url}/collect`, pageview({ cid: 'always' }, 'UA-1111-3'));
  const ipOf = async (stream: string) => data((await readStream(c.store, stream))[0]!).hit.ip;
  assert.is(await ipOf(`client-${TID}.c.plain`), '127.0.0.1');
  assert.is(await ipOf(`client-${TID}.c.aip`), '127.0.0.0');
  assert.is(await ipOf('client-UA-1111-3.c.always'), '127.0.0.0');
  await c.stop();
});

test('X-Forwarded-For is honoured only with TRUST_PROXY', async () => {
  const headers = { 'x-forwarded-for': '216.160.83.56, 10.0.0.1' };
  const untrusted = await startCollector();
  await post(`${untrusted.url}/collect`, pageview(), headers);
  const [a] = await readStream(untrusted.store, CLIENT_STREAM);
  assert.is(data(a!).hit.ip, '127.0.0.0');
  assert.is(data(a!).hit.geo.country, '(not set)');
  await untrusted.stop();

  const trusted = await startCollector({ trustProxy: true });
  await post(`${trusted.url}/collect`, pageview(), headers);
  const [b] = await readStream(trusted.store, CLIENT_STREAM);
  assert.is(data(b!).hit.ip, '216.160.83.0');
  assert.equal([data(b!).hit.geo.country, data(b!).hit.geo.city], ['US', 'Milton']);
  assert.not.ok(JSON.stringify(b).includes('216.160.83.56'));
  await trusted.stop();
});

test('a bot user agent is flagged, and discarded by a property that filters bots', async () => {
  const c = await startCollector({ properties: { [TID]: { botFiltering: true }, 'UA-1111-4': { botFiltering: false } } });
  await post(`${c.url}/collect`, pageview(), { 'user-agent': GOOGLEBOT_UA });
  await post(`${c.url}/collect`, pageview({ ua: GOOGLEBOT_UA }, 'UA-1111-4'));
  const [filtered] = await readStream(c.store, CLIENT_STREAM);
  assert.is(filtered!.type, 'HitDiscarded.v1');
  assert.is(data(filtered!).reason, 'bot');
  const [kept] = await readStream(c.store, 'client-UA-1111-4.c.1234567890.1717400000');
  assert.is(kept!.type, 'PageviewRecorded.v1');
  assert.is(data(kept!).hit.isBot, true);
  await c.stop();
});

test('rate limit per address: over it, 429 with Retry-After and nothing recorded', async () => {
  const c = await startCollector({ rateLimitPerMinute: 3 });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await post(`${c.url}/collect`, pageview({ z: String(i) }))).status);
  assert.equal(statuses, [204, 204, 204, 429]);
  const limited = await post(`${c.url}/collect`, pageview({ z: 'x' }));
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  assert.is((await readStream(c.store, CLIENT_STREAM)).length, 3);
  c.clock.now += 20_000; // one token every 20 s
  assert.is((await post(`${c.url}/collect`, pageview({ z: 'y' }))).status, 204);
  await c.stop();
});

test('in-flight bound: beyond it, 503 with Retry-After; the held request then completes', async () => {
  const c = await startCollector({ maxInFlight: 1 });
  const arrived = once(c.server, 'request');
  const body = pageview({ z: 'held' });
  const held = request(`${c.url}/collect`, { method: 'POST', headers: { 'content-length': String(Buffer.byteLength(body)) } });
  held.write(body.slice(0, 10));
  await arrived; // the collector admitted it and waits for the rest of its body
  const refused = await post(`${c.url}/collect`, pageview({ z: 'refused' }));
  assert.is(refused.status, 503);
  assert.is(refused.headers.get('retry-after'), '1');
  const answered = once(held, 'response');
  held.end(body.slice(10));
  const [response] = (await answered) as [import('node:http').IncomingMessage];
  assert.is(response.statusCode, 204);
  response.resume();
  const events = await readStream(c.store, CLIENT_STREAM);
  assert.equal(events.map((e) => data(e).params.z), ['held']);
  await c.stop();
});

test('a body that does not arrive in time: 408, nothing recorded', async () => {
  const c = await startCollector({ bodyTimeoutMs: 100 });
  const slow = request(`${c.url}/collect`, { method: 'POST', headers: { 'content-length': '500' } });
  slow.on('error', () => undefined);
  slow.write('v=1&tid=');
  const [response] = (await once(slow, 'response')) as [import('node:http').IncomingMessage];
  assert.is(response.statusCode, 408);
  response.resume();
  assert.is((await clientEvents(c.store)).length, 0);
  await c.stop();
});

test('cookieless hits (_cl=1, no cid): one visitor id all day, another the next day', async () => {
  const c = await startCollector();
  const hit = (z: string) => new URLSearchParams({ v: '1', tid: TID, _cl: '1', t: 'pageview', dl: 'https://www.example.com/', z }).toString();
  const headers = { 'user-agent': CHROME_UA };
  await post(`${c.url}/collect`, hit('1'), headers);
  c.clock.now += 3 * 60 * 60 * 1000;
  await post(`${c.url}/collect`, hit('2'), headers);
  c.clock.now += 24 * 60 * 60 * 1000;
  await post(`${c.url}/collect`, hit('3'), headers);
  const events = await clientEvents(c.store);
  assert.is(events.length, 3);
  assert.is(events[0]!.stream, events[1]!.stream);
  assert.is.not(events[2]!.stream, events[0]!.stream);
  assert.match(events[0]!.stream, /^client-UA-1111-1\.c\.cl\.[0-9a-f]{32}$/);
  await c.stop();
});

test('CORS: any site may send beacons; preflight answered with 204', async () => {
  const c = await startCollector();
  const preflight = await fetch(`${c.url}/collect`, { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
  assert.is(preflight.status, 204);
  assert.is(preflight.headers.get('access-control-allow-origin'), 'https://shop.example');
  assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
  const beacon = await post(`${c.url}/collect`, pageview(), { origin: 'https://shop.example' });
  assert.is(beacon.headers.get('access-control-allow-origin'), 'https://shop.example');
  assert.is(beacon.headers.get('access-control-allow-credentials'), 'true');
  const anonymous = await fetch(`${c.url}/collect?${pageview({ z: '2' })}`);
  assert.is(anonymous.headers.get('access-control-allow-origin'), '*');
  await c.stop();
});

test('a store that fails: 503 (the sender may retry), never a silent 2xx', async () => {
  const c = await startCollector();
  await c.store.close();
  const response = await post(`${c.url}/collect`, pageview());
  assert.is(response.status, 503);
  assert.is(c.collector.stats().failed, 1);
  await c.stop();
});

test('paths that are not the collector are handed on', async () => {
  const c = await startCollector();
  const response = await fetch(`${c.url}/api/v1/anything`);
  assert.is(response.status, 404);
  assert.is(await response.text(), 'not the collector');
  assert.is((await fetch(`${c.url}/wa.js`)).status, 404, '/wa.js is served only with an SDK');
  await c.stop();
});

test.run();
