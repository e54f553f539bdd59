// Benchmark of the embedded event store, with a bare better-sqlite3 baseline in the same run.
//   npm run bench:eventstore
// Sizes: BENCH_APPENDS (single-event appends, default 200000), BENCH_STREAMS (100000),
// BENCH_EVENTS (events written as 50-event appends and read back, default 1000000),
// BENCH_LATENCY (latency samples, default 5000), BENCH_SYNCHRONOUS (full, the store's default, or normal).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../storage/eventstore/embedded-sql.ts';
import { openEmbeddedEventStore, type SynchronousMode } from '../storage/eventstore/embedded.ts';
import type { EventToAppend, Position } from '../storage/eventstore/port.ts';

const size = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};
const APPENDS = size('BENCH_APPENDS', 200_000);
const STREAMS = size('BENCH_STREAMS', 100_000);
const EVENTS = size('BENCH_EVENTS', 1_000_000);
const LATENCY_SAMPLES = size('BENCH_LATENCY', 5_000);
const SYNCHRONOUS: SynchronousMode = process.env.BENCH_SYNCHRONOUS === 'normal' ? 'normal' : 'full';
const CONCURRENCY = 256;
const BATCH = 50;
const BATCH_CONCURRENCY = 16;

const dir = mkdtempSync(join(tmpdir(), 'webalytic-bench-eventstore-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

/** A pageview-like payload of about 300 bytes of JSON, different for every event. */
function hit(i: number): EventToAppend {
  return {
    id: randomUUID(),
    type: 'HitRecorded',
    data: {
      hitType: 'pageview',
      clientId: `${1_000_000_000 + (i % STREAMS)}.1700000000`,
      page: { location: `https://www.example.com/articles/${i % 5000}?utm_source=news`, title: `Article number ${i % 5000}` },
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
      ip: '81.2.69.0',
      screen: '1920x1080',
      language: 'en-gb',
      receivedAt: 1_700_000_000_000 + i,
    },
    metadata: { schema: 1 },
  };
}

const rate = (count: number, ms: number): number => Math.round((count / ms) * 1000);
const fmt = (n: number): string => n.toLocaleString('en-US');
const ratio = (ours: number, base: number): string => `${((ours / base) * 100).toFixed(0)}% of baseline`;
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** The bare floor: the same rows inserted with prepared statements, one transaction per batch, no checks. */
function baselineInserts(file: string, total: number, rowsPerTransaction: number, eventsPerStream: number): number {
  const db = openDatabase(file, SYNCHRONOUS);
  const insert = db.prepare('INSERT INTO events (stream, revision, id, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const revisions = new Int32Array(STREAMS).fill(-1);
  const writeRows = db.transaction((from: number, to: number) => {
    const created = Date.now();
    for (let i = from; i < to; i++) {
      const s = Math.floor(i / eventsPerStream) % STREAMS;
      const event = hit(i);
      const revision = (revisions[s] = revisions[s]! + 1);
      insert.run(`client-${s}`, revision, event.id, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata), created);
    }
  });
  const started = performance.now();
  for (let from = 0; from < total; from += rowsPerTransaction) writeRows.immediate(from, Math.min(total, from + rowsPerTransaction));
  const ms = performance.now() - started;
  db.close();
  return ms;
}

function baselineRead(file: string, total: number): number {
  const db = openDatabase(file, SYNCHRONOUS);
  const read = db.prepare('SELECT position, stream, revision, id, type, data, metadata, created FROM events WHERE position > ? ORDER BY position LIMIT ?').raw();
  const started = performance.now();
  let count = 0;
  let after = 0;
  while (count < total) {
    const rows = read.all(after, 512) as [number, string, number, string, string, string, string, number][];
    if (rows.length === 0) break;
    for (const row of rows) {
      JSON.parse(row[5]);
      JSON.parse(row[6]);
      count++;
    }
    after = rows[rows.length - 1]![0];
  }
  const ms = performance.now() - started;
  db.close();
  if (count !== total) throw new Error(`baseline read ${count} of ${total}`);
  return ms;
}

async function main(): Promise<void> {
  console.log(`event store benchmark: ${fmt(APPENDS)} single appends over ${fmt(STREAMS)} streams, ${fmt(EVENTS)} events in ${BATCH}-event appends, synchronous=${SYNCHRONOUS}, temp dir ${dir}`);
  const store = openEmbeddedEventStore({ file: join(dir, 'events.sqlite'), synchronous: SYNCHRONOUS });

  // 1. Single-event appends, 256 concurrent callers, each with the stream's expected revision.
  {
    const revisions = new Int32Array(STREAMS).fill(-1);
    let next = 0;
    const before = store.stats();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < APPENDS; i = next++) {
          const s = i % STREAMS;
          const revision = revisions[s]!;
          const result = await store.append(`client-${s}`, [hit(i)], { expectedRevision: revision === -1 ? 'no_stream' : revision });
          revisions[s] = result.nextRevision;
        }
      }),
    );
    const ms = performance.now() - started;
    const transactions = store.stats().transactions - before.transactions;
    const baseMs = baselineInserts(join(dir, 'baseline-single.sqlite'), APPENDS, CONCURRENCY, 1);
    console.log(
      `single-event appends: ${fmt(rate(APPENDS, ms))} appends/s (${fmt(transactions)} transactions, ${(APPENDS / transactions).toFixed(0)} appends each); ` +
        `baseline raw inserts ${fmt(rate(APPENDS, baseMs))} rows/s; ${ratio(rate(APPENDS, ms), rate(APPENDS, baseMs))}`,
    );
  }

  // 2. 50-event appends, 16 concurrent callers; these events are read back in step 3.
  const readFrom: Position | undefined = await store.headPosition();
  {
    const appends = Math.ceil(EVENTS / BATCH);
    const streams = Math.max(1, Math.min(STREAMS, Math.floor(appends / 2)));
    const revisions = new Int32Array(streams).fill(-1);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: BATCH_CONCURRENCY }, async () => {
        for (let a = next++; a < appends; a = next++) {
          const s = a % streams;
          const events = Array.from({ length: BATCH }, (_, k) => hit(a * BATCH + k));
          const revision = revisions[s]!;
          const result = await store.append(`batch-${s}`, events, { expectedRevision: revision === -1 ? 'no_stream' : revision });
          revisions[s] = result.nextRevision;
        }
      }),
    );
    const ms = performance.now() - started;
    const baseMs = baselineInserts(join(dir, 'baseline-batch.sqlite'), appends * BATCH, BATCH * BATCH_CONCURRENCY, BATCH);
    console.log(
      `${BATCH}-event appends: ${fmt(rate(appends * BATCH, ms))} events/s, ${fmt(rate(appends, ms))} appends/s; ` +
        `baseline raw inserts ${fmt(rate(appends * BATCH, baseMs))} rows/s; ${ratio(rate(appends * BATCH, ms), rate(appends * BATCH, baseMs))}`,
    );
  }

  // 3. readAll over the events of step 2.
  {
    const total = Math.ceil(EVENTS / BATCH) * BATCH;
    const started = performance.now();
    let count = 0;
    for await (const event of store.readAll({ fromPosition: readFrom, maxCount: total })) {
      if (event.revision >= 0) count++;
    }
    const ms = performance.now() - started;
    if (count !== total) throw new Error(`readAll returned ${count} of ${total}`);
    const baseMs = baselineRead(join(dir, 'baseline-batch.sqlite'), total);
    console.log(
      `readAll: ${fmt(rate(count, ms))} events/s over ${fmt(count)} events; baseline raw paged SELECT + JSON.parse ${fmt(rate(count, baseMs))} rows/s; ${ratio(rate(count, ms), rate(count, baseMs))}`,
    );
  }

  // 4. Subscription latency: append call -> event delivered to a live subscriber.
  {
    const sent = new Map<string, number>();
    const latencies: number[] = [];
    let expected = 0;
    let reached: (() => void) | undefined;
    const subscription = store.subscribeToAll({ fromPosition: await store.headPosition(), filter: { streamPrefixes: ['latency-'] } });
    let caughtUp!: () => void;
    const isCaughtUp = new Promise<void>((resolve) => (caughtUp = resolve));
    const consumer = (async () => {
      for await (const message of subscription) {
        if (message.type === 'caughtUp') {
          caughtUp();
          continue;
        }
        const at = sent.get(message.event.id);
        if (at !== undefined) latencies.push(performance.now() - at);
        if (latencies.length >= expected) reached?.();
      }
    })();
    await isCaughtUp;
    const measure = async (label: string, count: number, concurrency: number): Promise<void> => {
      latencies.length = 0;
      sent.clear();
      expected = count;
      const done = new Promise<void>((resolve) => (reached = resolve));
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (let i = next++; i < count; i = next++) {
            const event = hit(i);
            sent.set(event.id, performance.now());
            await store.append(`latency-${i % 1000}`, [event]);
          }
        }),
      );
      await done;
      const ms = performance.now() - started;
      const sorted = [...latencies].sort((a, b) => a - b);
      console.log(
        `subscription latency, ${label}: p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms, max ${sorted[sorted.length - 1]!.toFixed(2)} ms (${fmt(count)} events, ${fmt(rate(count, ms))} appends/s)`,
      );
    };
    await measure('one append at a time', Math.min(LATENCY_SAMPLES, 2000), 1);
    await measure(`${CONCURRENCY} concurrent appenders`, LATENCY_SAMPLES * 4, CONCURRENCY);
    await subscription.close();
    await consumer;
  }

  const stats = store.stats();
  await store.close();
  const mb = (statSync(join(dir, 'events.sqlite')).size / 1024 / 1024).toFixed(0);
  console.log(`store: ${fmt(stats.events)} events, ${fmt(stats.transactions)} transactions, file ${mb} MiB, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

await main();
