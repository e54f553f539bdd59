// The simulator end to end: history into a real temp store through the import core,
// live against a real collector on 127.0.0.1, and NDJSON that `import` reads back.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openGeoLookup } from '../../collector/geo.ts';
import { linesOfText } from '../../collector/import/lines.ts';
import { openImportPipeline } from '../../collector/import/open.ts';
import { startCollector, stopAll } from '../../collector/test/harness.ts';
import { clientEvents, createProperty, GEOIP_TEST_DB, NOW, openTempStore, tempDir } from '../../collector/test/support.ts';
import { silentLogger } from '../../platform/logger.ts';
import { writeNdjson } from '../file.ts';
import { generateTraffic } from '../generate.ts';
import { simulateHistory } from '../history.ts';
import { sendLive } from '../live.ts';
import { loadGeoNetworks } from '../networks.ts';

const TID = 'UA-5150-1';
const networks = loadGeoNetworks();

test.after.each(stopAll);

test('simulateHistory: every simulated hit is an event in the store, countries resolved; a re-run adds nothing', async () => {
  const store = openTempStore();
  await createProperty(store, TID, { defaultUrl: 'https://shop.example/', domains: ['shop.example'], timeZone: 'America/New_York' });
  const geo = await openGeoLookup(GEOIP_TEST_DB, silentLogger());
  const summary = await simulateHistory({ store, property: TID, visitors: 60, days: 7, seed: 42, now: NOW, geo, networks });
  const events = await clientEvents(store);
  assert.ok(summary.hits > 60 * 2, `hits: ${summary.hits}`);
  assert.is(events.length, summary.hits, 'one event per simulated hit');
  assert.equal(summary.import, { lines: summary.hits, valid: summary.hits, invalid: 0, recorded: summary.hits - summary.import.discarded, discarded: summary.import.discarded, duplicates: 0, late: 0 });
  assert.is(summary.import.discarded, events.filter((event) => event.type === 'HitDiscarded.v1').length);
  assert.is(summary.import.discarded, summary.botHits, 'bots are filtered by the property');
  assert.is(summary.visitors, 60);
  assert.ok(summary.sessions >= 60 && summary.returningVisitors > 0);
  const countries = new Set(events.map((event) => (event.data as { hit: { geo: { country: string } } }).hit.geo.country));
  assert.ok(countries.size >= 5, `countries: ${[...countries].join(', ')}`);
  const streams = new Set(events.map((event) => event.stream));
  assert.is(streams.size, 60, 'one stream per visitor');

  const again = await simulateHistory({ store, property: TID, visitors: 60, days: 7, seed: 42, now: NOW, geo, networks });
  assert.equal([again.import.recorded, again.import.discarded, again.import.duplicates], [0, 0, summary.hits]);
  assert.is((await clientEvents(store)).length, summary.hits);
  await store.close();
});

test('simulateHistory names a missing property', async () => {
  const store = openTempStore();
  try {
    await simulateHistory({ store, property: 'UA-404-1', visitors: 1, days: 1, seed: 1, now: NOW, networks });
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.match((error as Error).message, /UA-404-1 does not exist/);
  }
  await store.close();
});

test('--out NDJSON: the file imports to the same events as the history run', async () => {
  const file = join(tempDir(), 'hits.ndjson');
  const options = { tid: TID, siteUrl: 'https://shop.example/', timeZone: 'UTC', visitors: 25, days: 3, seed: 'file', now: NOW, networks };
  const summary = await writeNdjson(generateTraffic(options), file);
  const text = readFileSync(file, 'utf8');
  assert.is(text.trim().split('\n').length, summary.hits);
  const first = JSON.parse(text.slice(0, text.indexOf('\n'))) as Record<string, unknown>;
  assert.match(String(first.timestamp), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.is(first.tid, TID);

  const store = openTempStore();
  await createProperty(store, TID, { defaultUrl: 'https://shop.example/' });
  const pipeline = await openImportPipeline({ store, logger: silentLogger(), geo: { GEOIP_DB: GEOIP_TEST_DB }, now: () => NOW });
  const report = await pipeline.importer.run(linesOfText(text));
  assert.equal([report.totals.invalid, report.totals.recorded + report.totals.discarded], [0, summary.hits]);
  assert.is((await clientEvents(store)).length, summary.hits);
  await pipeline.close();
  await store.close();
});

test('--live: hits over real HTTP /collect and /batch land in the collector\'s store; the run stops by itself', async () => {
  const collector = await startCollector({ properties: { [TID]: { defaultUrl: 'https://shop.example/' } } });
  const hits = generateTraffic({ tid: TID, siteUrl: 'https://shop.example/', timeZone: 'UTC', visitors: 15, days: 1, seed: 'live', now: NOW, networks });
  const summary = await sendLive({ url: collector.url, hits, rate: 5000, durationMs: 20_000, batchShare: 0.5, seed: 'live' });
  assert.ok(summary.hits > 15, `hits: ${summary.hits}`);
  assert.is(summary.http.accepted, summary.hits, 'every hit accepted');
  assert.equal([summary.http.failed, summary.http.rateLimited, summary.http.overloaded], [0, 0, 0]);
  assert.ok(summary.http.batches > 0, 'some hits went through /batch');
  assert.ok(summary.http.requests < summary.hits, 'batches carry several hits');
  // The collector answers once the events are durable: they are all there now.
  const events = await clientEvents(collector.store);
  assert.is(events.length, summary.hits);
  const queued = events.filter((event) => (event.data as { params: { qt?: number } }).params.qt !== undefined);
  assert.ok(queued.length > 0, 'some hits carry a queue time');
  assert.ok(events.every((event) => (event.data as { hit?: { sentTime: number }; reason?: string }).hit!.sentTime <= NOW));
  await collector.stop();
});

test('--live stops at the duration when visitors remain', async () => {
  const collector = await startCollector({ properties: { [TID]: {} } });
  const hits = generateTraffic({ tid: TID, siteUrl: 'https://shop.example/', timeZone: 'UTC', visitors: 2000, days: 1, seed: 'bounded', now: NOW, networks });
  const started = performance.now();
  const summary = await sendLive({ url: collector.url, hits, rate: 100, durationMs: 300 });
  const elapsed = performance.now() - started;
  // Paced at the rate, never past it (a loaded machine may send fewer), and cut off with
  // most of the 2,000 visitors' hits still unsent.
  assert.ok(summary.hits >= 1 && summary.hits <= 40, `at most rate x duration hits: ${summary.hits}`);
  assert.ok(elapsed < 5000, `stopped by itself (${Math.round(elapsed)} ms)`);
  assert.is((await clientEvents(collector.store)).length, summary.http.accepted);
  await collector.stop();
});

test.run();
