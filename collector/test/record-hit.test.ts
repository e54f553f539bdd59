import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clientStreamName } from '../../domain/client/stream.ts';
import { GEO_NOT_SET, type ReceivedHit } from '../../domain/hit.ts';
import { PROPERTY_DEFAULTS } from '../../domain/property/decider.ts';
import type { PropertySettings } from '../../domain/property/settings.ts';
import { silentLogger } from '../../platform/logger.ts';
import { createHitRecorder, HitRejectedError } from '../record-hit.ts';
import { hitId } from '../enrich.ts';
import { CHROME_UA, GOOGLEBOT_UA, NOW, openTempStore, readStream } from './support.ts';

const property: PropertySettings = {
  ...PROPERTY_DEFAULTS,
  id: 'UA-2000-1',
  name: 'Shop',
  defaultUrl: 'https://shop.example/',
  domains: ['shop.example'],
  active: true,
};

let z = 0;
function hit(params: Record<string, string | number | boolean>, at = NOW, extra: Partial<ReceivedHit> = {}): ReceivedHit {
  const all = { v: '1', tid: property.id, cid: '111.222', t: 'pageview', dl: 'https://shop.example/', z: String(++z), ...params };
  return { id: hitId(property.id, all, at, 0), params: all, time: at, receivedAt: at, ip: '81.2.69.0', geo: GEO_NOT_SET, userAgent: CHROME_UA, isBot: false, ...extra };
}

test('hits of one client land in its stream, in order, the session carried from hit to hit', async () => {
  const store = openTempStore();
  const recorder = createHitRecorder({ store, logger: silentLogger() });
  const first = await recorder.record(hit({ dp: '/a' }), property);
  const second = await recorder.record(hit({ dp: '/b' }, NOW + 60_000), property);
  assert.equal([first.revision, second.revision], [0, 1]);
  assert.is(first.eventType, 'PageviewRecorded.v1');
  const events = await readStream(store, first.stream);
  assert.is(first.stream, 'client-UA-2000-1.c.111.222');
  assert.is(events.length, 2);
  const sessions = events.map((event) => (event.data as { session: { id: string; hitIndex: number } }).session);
  assert.is(sessions[0]!.id, sessions[1]!.id);
  assert.equal(sessions.map((s) => s.hitIndex), [1, 2]);
  await store.close();
});

test('a retried beacon (same id) is stored once: recognised from the cache', async () => {
  const store = openTempStore();
  const recorder = createHitRecorder({ store, logger: silentLogger() });
  const beacon = hit({ dp: '/once' });
  const a = await recorder.record(beacon, property);
  const b = await recorder.record({ ...beacon, receivedAt: NOW + 5000 }, property);
  assert.not.ok(a.duplicate);
  assert.ok(b.duplicate);
  assert.is(b.revision, a.revision);
  assert.is((await readStream(store, a.stream)).length, 1);
  assert.is(recorder.stats().duplicates, 1);
  await store.close();
});

test('a retried beacon after a restart, far back in the stream, is stored once too', async () => {
  const store = openTempStore();
  const beacon = hit({ dp: '/old' });
  const first = createHitRecorder({ store, logger: silentLogger() });
  await first.record(beacon, property);
  for (let i = 1; i <= 40; i++) await first.record(hit({ dp: `/p${i}` }, NOW + i * 1000), property);
  const restarted = createHitRecorder({ store, logger: silentLogger() }); // cold cache
  const again = await restarted.record(beacon, property);
  assert.ok(again.duplicate);
  assert.is((await readStream(store, again.stream)).length, 41);
  await store.close();
});

test('concurrent hits of one client are serialised in call order, without conflicts', async () => {
  const store = openTempStore();
  const recorder = createHitRecorder({ store, logger: silentLogger() });
  const results = await Promise.all(Array.from({ length: 25 }, (_, i) => recorder.record(hit({ dp: `/c${i}` }, NOW + i), property)));
  assert.equal(results.map((r) => r.revision), Array.from({ length: 25 }, (_, i) => i));
  const events = await readStream(store, results[0]!.stream);
  assert.equal(events.map((e) => (e.data as { params: { dp: string } }).params.dp), Array.from({ length: 25 }, (_, i) => `/c${i}`));
  assert.is(recorder.stats().conflicts, 0);
  await store.close();
});

test('many clients at once share group commits', async () => {
  const store = openTempStore();
  const recorder = createHitRecorder({ store, logger: silentLogger() });
  await Promise.all(Array.from({ length: 300 }, (_, i) => recorder.record(hit({ cid: `c${i}` }), property)));
  const stats = store.stats();
  assert.is(stats.events, 300);
  assert.ok(stats.transactions < 30, `${stats.transactions} transactions for 300 hits`);
  await store.close();
});

test('another writer moved the stream: reload, decide again, append (the conflict is counted)', async () => {
  const store = openTempStore();
  const a = createHitRecorder({ store, logger: silentLogger() });
  const b = createHitRecorder({ store, logger: silentLogger() });
  await a.record(hit({ dp: '/1' }), property);
  await b.record(hit({ dp: '/2' }, NOW + 1000), property); // b loads revision 0, appends 1
  const third = await a.record(hit({ dp: '/3' }, NOW + 2000), property); // a still thinks 0
  assert.is(third.revision, 2);
  assert.is(a.stats().conflicts, 1);
  const events = await readStream(store, third.stream);
  assert.equal(events.map((e) => (e.data as { session: { hitIndex: number } }).session.hitIndex), [1, 2, 3]);
  await store.close();
});

test('a bot hit is discarded by a property that filters bots, and kept by one that does not', async () => {
  const store = openTempStore();
  const recorder = createHitRecorder({ store, logger: silentLogger() });
  const filtered = await recorder.record(hit({ cid: 'bot1' }, NOW, { userAgent: GOOGLEBOT_UA, isBot: true }), property);
  assert.is(filtered.eventType, 'HitDiscarded.v1');
  const kept = await recorder.record(hit({ cid: 'bot1', tid: 'UA-2000-2' }, NOW, { userAgent: GOOGLEBOT_UA, isBot: true }), { ...property, id: 'UA-2000-2', botFiltering: false });
  assert.is(kept.eventType, 'PageviewRecorded.v1');
  await store.close();
});

test('a hit the domain cannot take is refused with HitRejectedError, nothing stored', async () => {
  const store = openTempStore();
  const recorder = createHitRecorder({ store, logger: silentLogger() });
  const noClient = hit({});
  const { cid: _cid, ...params } = noClient.params;
  try {
    await recorder.record({ ...noClient, params }, property);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, HitRejectedError);
  }
  try {
    await recorder.record(hit({ t: 'nonsense' }), property);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, HitRejectedError);
  }
  assert.is((await readStream(store, clientStreamName(property.id, { cid: '111.222' }, property))).length, 0);
  await store.close();
});

test.run();
