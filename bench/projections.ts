// Projections benchmark (`npm run bench:projections`): the analytics projection on the
// embedded stores.
//
//   1. fill: a temp event store with the simulator's history (simulator/, through the
//      import core: validation, enrichment, the real client decider), about BENCH_EVENTS
//      events (default 300,000; the issue's full size is 10,000,000) over BENCH_DAYS days.
//   2. replay (a child process, so its peak RSS is its own): replayProjection builds the
//      analytics read model from the start of the log; events/s and peak RSS. Twice: with
//      V8's default heap, then with --max-old-space-size=BENCH_HEAP_CAP_MB (256).
//   3. lag (a child process): a live runner while hits are recorded through the
//      collector's hit recorder (decide + append to the event store) at a steady
//      BENCH_RATE hits/s (default 2,000) for BENCH_LAG_SECONDS (default 20); append
//      (event.created) → commit latency of every event, p50/p95. Three times: the runner
//      in a worker thread of the recording process (`webalytic start`), on its event loop
//      (PROJECTIONS_THREAD=inline), then in another process than the recording (the split
//      deployment: a collector process beside a projections process).
//
// BENCH_BATCH sets the replay batch size (default 5,000). BENCH_DIR reuses (or keeps) a
// filled store in that directory instead of a temp one. Figures go to stdout;
// docs/benchmarks.md "## Projections" records a run.
//
// Phases alone, on a kept directory: `fill DIR`, `replay DIR`, `lag DIR`, `lag-thread DIR`,
// `lag-split DIR`, and `clone SRC K DEST` (a store K times the size of SRC's, for the
// 10M-event size the simulator would take hours to fill; see cloneStore).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { settings as fixtureSettings } from '../domain/client/fixtures.ts';
import type { PropertySettings } from '../domain/property/settings.ts';
import { loadConfig } from '../platform/config.ts';
import { silentLogger } from '../platform/logger.ts';
import { createAnalyticsProjection } from '../projections/analytics/index.ts';
import type { Projection } from '../projections/projection.ts';
import { replayProjection } from '../projections/replay.ts';
import { startProjection } from '../projections/runner.ts';
import { openEmbeddedEventStore } from '../storage/eventstore/embedded.ts';
import type { EventStore } from '../storage/eventstore/port.ts';
import type { JsonValue, Position } from '../storage/eventstore/port.ts';
import { openEmbeddedReadStore } from '../storage/readstore/embedded.ts';
import { openGeoLookup } from '../collector/geo.ts';
import { createHitRecorder } from '../collector/record-hit.ts';
import { simulateHistory } from '../simulator/index.ts';
import { spawnThread } from '../storage/eventstore/thread.ts';
import { generateHits } from './projections-traffic.ts';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 300_000);
const DAYS = Number(process.env['BENCH_DAYS'] ?? 30);
const BATCH = Number(process.env['BENCH_BATCH'] ?? 5_000);
const RATE = Number(process.env['BENCH_RATE'] ?? 2_000);
const LAG_SECONDS = Number(process.env['BENCH_LAG_SECONDS'] ?? 20);
const HEAP_CAP_MB = Number(process.env['BENCH_HEAP_CAP_MB'] ?? 256);
const GEOIP_DB = fileURLToPath(new URL('../../shared/geoip/GeoIP2-City-Test.mmdb', import.meta.url));

const property: PropertySettings = { ...fixtureSettings, id: 'UA-1000-1', timeZone: 'Europe/Berlin' };
const rss = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

/** Events per simulated visitor (the simulator's figure: about 65,000 hits for 10,000 visitors), to size a run by events. */
const EVENTS_PER_VISITOR = 6.5;

async function fill(dir: string): Promise<{ events: number; seconds: number }> {
  const store = openEmbeddedEventStore({ file: join(dir, 'events.sqlite'), synchronous: 'normal' });
  const { id: _id, active: _active, ...snapshot } = property;
  await store.append(`property-${property.id}`, [
    { id: '00000000-0000-4000-9000-000000000001', type: 'PropertyCreated.v1', data: JSON.parse(JSON.stringify({ propertyId: property.id, at: 0, settings: snapshot })) as JsonValue },
  ]);
  const started = performance.now();
  const visitors = Math.ceil(EVENTS / EVENTS_PER_VISITOR);
  let lastReport = 0;
  // Countries from the GeoIP2 test database, as the simulator's addresses are drawn from its networks.
  const geo = await openGeoLookup(GEOIP_DB, silentLogger());
  await simulateHistory({
    store,
    geo,
    property,
    visitors,
    days: DAYS,
    seed: 1,
    now: Date.parse('2026-01-31T00:00:00Z'),
    onProgress: ({ hits }) => {
      if (hits - lastReport >= 500_000) {
        lastReport = hits;
        console.log(`  ${hits.toLocaleString('en-US')} hits ...`);
      }
    },
  });
  const head = await store.headPosition();
  await store.close();
  return { events: Number(head ?? 0), seconds: (performance.now() - started) / 1000 };
}

async function replay(dir: string): Promise<Record<string, number>> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `readmodels.sqlite${suffix}`), { force: true });
  const eventStore = openEmbeddedEventStore({ file: join(dir, 'events.sqlite') });
  const readStore = openEmbeddedReadStore(join(dir, 'readmodels.sqlite'));
  const projection = createAnalyticsProjection();
  // Baseline: reading the same events with the same filter and doing nothing with them.
  const readStarted = performance.now();
  let read = 0;
  for await (const _ of eventStore.readAll({ filter: projection.filter })) read += 1;
  const readSeconds = (performance.now() - readStarted) / 1000;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = await replayProjection({ projection, eventStore, readStore, logger: silentLogger(), batchSize: BATCH });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  await eventStore.close();
  await readStore.close();
  if (result.outcome !== 'switched') throw new Error(`replay ended ${result.outcome}`);
  return { events: result.eventsApplied, seconds, eventsPerSecond: Math.round(result.eventsApplied / seconds), readPerSecond: Math.round(read / readSeconds), cpuSeconds, eventsPerCpuSecond: Math.round(result.eventsApplied / cpuSeconds), peakRssMb: rss() };
}

/** The analytics projection, recording append (event.created) → commit for every event. */
function timed(projection: Projection, samples: number[]): Projection {
  return {
    ...projection,
    async openSink(store, version, logger) {
      const sink = await projection.openSink(store, version, logger);
      return {
        ...sink,
        async applyBatch(events, position) {
          await sink.applyBatch(events, position);
          const committed = Date.now();
          for (const e of events) if (e.stream.startsWith('client-')) samples.push(committed - e.created);
        },
      };
    },
  };
}

/** Records RATE hits/s for LAG_SECONDS through the collector's hit recorder (decide + append), as a collector does. */
/** What a paced load did: hits sent, and the seconds from the first hit sent to the last one recorded. */
interface LoadResult {
  sent: number;
  seconds: number;
}

async function recordLoad(eventStore: EventStore): Promise<LoadResult> {
  const total = RATE * LAG_SECONDS;
  const live = { ...property, id: 'UA-2000-1' };
  const recorder = createHitRecorder({ store: eventStore, logger: silentLogger() });
  // Generated before the clock starts: the load generator is not part of what is measured.
  const hits = [...generateHits({ property: live, visitors: Math.ceil(total / 5) + 100, days: LAG_SECONDS / 86_400, start: Date.now(), seed: 7 })].slice(0, total).values();
  const started = performance.now();
  let sent = 0;
  const inFlight = new Set<Promise<unknown>>();
  // Steady pace: every 10 ms, catch up with RATE × elapsed. Hit times are the wall clock.
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE));
    while (sent < due) {
      const next = hits.next();
      if (next.done) break;
      const now = Date.now();
      // A fresh id per run: a second run on a kept store must not be taken for retried beacons.
      const p: Promise<unknown> = recorder.record({ ...next.value, id: randomUUID(), time: now, receivedAt: now }, live).finally(() => inFlight.delete(p));
      inFlight.add(p);
      sent += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await Promise.all(inFlight);
  // Timed from the pace's start: generating the hits beforehand is not part of the load.
  return { sent, seconds: (performance.now() - started) / 1000 };
}

/** Where the live runner of a lag phase runs, relative to the recording. */
type LagMode = 'inline' | 'thread' | 'split';

/** A live analytics runner collecting its append → commit samples; resolves once live. */
async function liveRunner(dir: string, samples: number[]) {
  const eventStore = openEmbeddedEventStore({ file: join(dir, 'events.sqlite') });
  const readStore = openEmbeddedReadStore(join(dir, 'readmodels.sqlite'));
  const runner = startProjection({ projection: timed(createAnalyticsProjection(), samples), eventStore, readStore, logger: silentLogger() });
  await runner.waitFor((s) => s.state === 'live', 'live');
  samples.length = 0;
  return {
    eventStore,
    async finish(last: Position | undefined): Promise<void> {
      if (last !== undefined) await runner.waitForPosition(last);
      await runner.stop();
      await eventStore.close();
      await readStore.close();
    },
  };
}

/** The runner in a worker thread of this process (as `webalytic start` runs it): answers 'live', then its samples once it committed the given position. */
async function runnerThread(dir: string): Promise<void> {
  const port = parentPort!;
  const samples: number[] = [];
  const live = await liveRunner(dir, samples);
  port.postMessage({ type: 'live' });
  const [last] = (await once(port, 'message')) as [Position | undefined];
  await live.finish(last);
  port.postMessage({ type: 'samples', samples });
}

/**
 * A live runner while RATE hits/s are recorded: `inline`, on this process's event loop
 * (PROJECTIONS_THREAD=inline); `thread`, in a worker thread of this process (`webalytic
 * start` on more than one core); `split`, the hits recorded by a child process (a
 * collector process beside a projections process; the embedded store notices another
 * process's commits by a poll every 50 ms).
 */
async function lag(dir: string, mode: LagMode): Promise<Record<string, number>> {
  let samples: number[] = [];
  let loaded: LoadResult;
  if (mode === 'thread') {
    // The heap `webalytic start` gives its projections thread (PROJECTIONS_HEAP_MB, default 256).
    const thread = spawnThread(new URL(import.meta.url), { dir }, { maxOldGenerationSizeMb: loadConfig({}).PROJECTIONS_HEAP_MB });
    const replies: { type: string; samples?: number[] }[] = [];
    const next = async () => replies.shift() ?? ((await once(thread, 'message')) as [{ type: string; samples?: number[] }])[0];
    thread.on('error', (error) => console.error(error));
    if ((await next()).type !== 'live') throw new Error('the runner thread did not go live');
    const eventStore = openEmbeddedEventStore({ file: join(dir, 'events.sqlite') });
    loaded = await recordLoad(eventStore);
    thread.postMessage(await eventStore.headPosition());
    samples = (await next()).samples ?? [];
    await eventStore.close();
    await thread.terminate();
  } else {
    const live = await liveRunner(dir, samples);
    if (mode === 'split') {
      const figures = await child('load', dir);
      loaded = { sent: figures['hits']!, seconds: figures['seconds']! };
    } else {
      loaded = await recordLoad(live.eventStore);
    }
    await live.finish(await live.eventStore.headPosition());
  }
  if (samples.length === 0) throw new Error('no events were committed during the lag run');
  const sorted = samples.slice().sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  return { hits: loaded.sent, seconds: loaded.seconds, hitsPerSecond: Math.round(loaded.sent / loaded.seconds), p50Ms: at(0.5), p95Ms: at(0.95), p99Ms: at(0.99), maxMs: sorted[sorted.length - 1] ?? 0, peakRssMb: rss() };
}

/**
 * A store K times the size of a filled one, for sizes the simulator takes hours to fill:
 * every client stream copied K times, copy k under the client id `<cid>.<k>` (in its
 * stream name and wherever the id appears in its events, session ids included), the copies
 * of an event next to each other so the log keeps its time order. K sites' worth of the
 * same visitors' behaviour: the same days, K times the traffic.
 */
async function cloneStore(source: string, dest: string, copies: number): Promise<Record<string, number>> {
  mkdirSync(dest, { recursive: true });
  const target = join(dest, 'events.sqlite');
  if (existsSync(target)) throw new Error(`${target} exists`);
  await openEmbeddedEventStore({ file: target, synchronous: 'normal' }).close();
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(target);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  // Read through a connection of its own: one connection cannot iterate and write at once.
  const from = new Database(join(source, 'events.sqlite'), { readonly: true });
  const insert = db.prepare('INSERT INTO main.events (stream, revision, id, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const rows = from.prepare<[], [string, number, string, string, string, string, number]>('SELECT stream, revision, id, type, data, metadata, created FROM events ORDER BY position').raw(true);
  const started = performance.now();
  let written = 0;
  const CLIENT = '.c.';
  const copy = db.transaction((batch: [string, number, string, string, string, string, number][]) => {
    for (const [stream, revision, id, type, data, metadata, created] of batch) {
      const at = stream.startsWith('client-') ? stream.indexOf(CLIENT) : -1;
      if (at < 0) {
        insert.run(stream, revision, id, type, data, metadata, created);
        written += 1;
        continue;
      }
      const cid = stream.slice(at + CLIENT.length);
      for (let k = 0; k < copies; k++) {
        const clone = `${cid}.${k}`;
        insert.run(`${stream.slice(0, at + CLIENT.length)}${clone}`, revision, id, type, data.replaceAll(cid, clone), metadata, created);
        written += 1;
      }
    }
  });
  let batch: [string, number, string, string, string, string, number][] = [];
  for (const row of rows.iterate()) {
    batch.push(row);
    if (batch.length === 2_000) {
      copy(batch);
      batch = [];
      if (written % 1_000_000 < 2_000 * copies) console.log(`  ${written.toLocaleString('en-US')} events ...`);
    }
  }
  copy(batch);
  from.close();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { events: written, seconds: (performance.now() - started) / 1000 };
}

async function load(dir: string): Promise<Record<string, number>> {
  const eventStore = openEmbeddedEventStore({ file: join(dir, 'events.sqlite') });
  const { sent, seconds } = await recordLoad(eventStore);
  await eventStore.close();
  return { hits: sent, seconds, hitsPerSecond: Math.round(sent / seconds) };
}

/** Runs a phase in a child process (own heap, own peak RSS) and returns its JSON line. */
function child(phase: string, dir: string, nodeFlags: string[] = []): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', fileURLToPath(import.meta.url), phase, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.on('error', reject);
    proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, number>) : reject(new Error(`${phase} exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  if (!isMainThread) return runnerThread((workerData as { dir: string }).dir);
  const [phase, dir] = process.argv.slice(2);
  if (phase === 'replay' && dir) return void console.log(JSON.stringify(await replay(dir)));
  if (phase === 'lag' && dir) return void console.log(JSON.stringify(await lag(dir, 'inline')));
  if (phase === 'lag-thread' && dir) return void console.log(JSON.stringify(await lag(dir, 'thread')));
  if (phase === 'lag-split' && dir) return void console.log(JSON.stringify(await lag(dir, 'split')));
  if (phase === 'load' && dir) return void console.log(JSON.stringify(await load(dir)));
  const copies = process.argv[4];
  if (phase === 'clone' && dir && copies) return void console.log(JSON.stringify(await cloneStore(dir, process.argv[5] ?? '', Number(copies))));
  // The fill alone, into a kept directory (a 10M-event store takes the better part of an hour).
  if (phase === 'fill' && dir) {
    mkdirSync(dir, { recursive: true });
    return void console.log(JSON.stringify(await fill(dir)));
  }

  const kept = process.env['BENCH_DIR'];
  const work = kept ?? mkdtempSync(join(tmpdir(), 'webalytic-bench-projections-'));
  try {
    if (kept !== undefined && existsSync(join(kept, 'events.sqlite'))) console.log(`reusing the store in ${kept}`);
    else {
      mkdirSync(work, { recursive: true });
      console.log(`filling ${EVENTS.toLocaleString('en-US')} events over ${DAYS} days ...`);
      const filled = await fill(work);
      console.log(`fill: ${filled.events.toLocaleString('en-US')} events in ${filled.seconds.toFixed(1)} s`);
    }
    // Twice: with V8's default heap sizing, which grows the heap lazily far past what is
    // live, and with the old generation capped as docs/deploy.md recommends for a
    // projections process.
    for (const flags of [[], [`--max-old-space-size=${HEAP_CAP_MB}`]]) {
      const replayed = await child('replay', work, flags);
      console.log(
        `replay (analytics, batch ${BATCH}${flags.length ? `, node ${flags.join(' ')}` : ', default heap'}): ${replayed['events']!.toLocaleString('en-US')} events in ${replayed['seconds']!.toFixed(1)} s = ${replayed['eventsPerSecond']!.toLocaleString('en-US')} events/s wall (bar 50,000/s), ${replayed['eventsPerCpuSecond']!.toLocaleString('en-US')} events per CPU-second (all threads, GC included), peak RSS ${replayed['peakRssMb']} MB (bar < 512); baseline: reading the log alone ${replayed['readPerSecond']!.toLocaleString('en-US')} events/s (replay at ${Math.round((100 * replayed['eventsPerSecond']!) / replayed['readPerSecond']!)}% of it)`,
      );
    }
    for (const [phase, where] of [
      ['lag-thread', 'hits recorded in the process whose worker thread projects them, as in webalytic start (PROJECTIONS_THREAD=auto)'],
      ['lag', 'hits recorded on the projection\'s own event loop (PROJECTIONS_THREAD=inline)'],
      ['lag-split', 'hits recorded by a separate process, as a collector beside a projections process'],
    ] as const) {
      const lagged = await child(phase, work);
      console.log(
        `lag at ${RATE} hits/s for ${LAG_SECONDS} s, ${where} (${lagged['hitsPerSecond']} hits/s achieved): p50 ${lagged['p50Ms']} ms, p95 ${lagged['p95Ms']} ms (bar < 1000), p99 ${lagged['p99Ms']} ms, max ${lagged['maxMs']} ms; peak RSS ${lagged['peakRssMb']} MB`,
      );
    }
  } finally {
    if (kept === undefined) rmSync(work, { recursive: true, force: true });
  }
}

await main();
