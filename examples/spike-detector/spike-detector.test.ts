// End to end: the spike detector against a real read API server (the events-stream
// route on a real HTTP server over a real embedded store, hits recorded through the
// collector's recorder, real API keys).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NOW, readAllEvents, startHarness, within } from '../../read-api/test/raw-harness.ts';
import type { SseEvent } from './sse-parser.ts';
import { subscribe, SubscriptionRefused } from './subscribe.ts';
import { watchForSpikes, type SpikeReport } from './spike-watch.ts';

const TID = 'UA-1111-1';
const SECOND = 1000;

/** A promise and its resolver. */
function signal<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

test('flags the client sending more hits per minute than the threshold, and only it', async () => {
  const h = await startHarness();
  const stop = new AbortController();
  const connected = signal();
  const spiked = signal<SpikeReport>();
  const spikes: SpikeReport[] = [];
  const watching = watchForSpikes({
    url: h.url,
    key: h.readKey,
    properties: [TID],
    threshold: 5,
    signal: stop.signal,
    reconnectDelayMs: 10,
    onConnected: () => connected.resolve(),
    onSpike: (spike) => {
      spikes.push(spike);
      spiked.resolve(spike);
    },
  });
  try {
    await within(connected.promise, 'the subscriber to connect');
    // A calm visitor: 5 hits in a minute (the threshold), then a bursty one: 8 hits in 14 s.
    for (let i = 0; i < 5; i++) await h.hit(TID, { cid: 'calm.1', dp: `/c${i}` }, NOW + i * 10 * SECOND);
    for (let i = 0; i < 8; i++) await h.hit(TID, { cid: 'bursty.1', dp: `/b${i}` }, NOW + i * 2 * SECOND);
    const spike = await within(spiked.promise, 'a spike');
    assert.is(spike.client, 'client-UA-1111-1.c.bursty.1');
    assert.is(spike.property, TID);
    assert.is(spike.hits, 6);
    assert.equal([spike.from, spike.to], [NOW, NOW + 10 * SECOND], 'the 6th hit, 10 s after the first, crossed the threshold');
    const sixth = (await readAllEvents(h.store)).filter((e) => e.stream === spike.client)[5]!;
    assert.is(spike.position, sixth.position);
    // Log order: the calm visitor's hits were all seen before the burst, and none flagged it.
    assert.equal(spikes.map((s) => s.client), ['client-UA-1111-1.c.bursty.1']);
  } finally {
    stop.abort();
    await watching;
    await h.stop();
  }
});

test('the subscriber resumes with Last-Event-ID after a dropped connection: every event once, in order', async () => {
  const h = await startHarness();
  const stop = new AbortController();
  const received: SseEvent[] = [];
  let connections = 0;
  let drops = 0;
  const waiters: { check: () => boolean; resolve: () => void }[] = [];
  const progress = (): void => {
    for (const waiter of [...waiters]) if (waiter.check()) waiters.splice(waiters.indexOf(waiter), 1)[0]!.resolve();
  };
  const until = (check: () => boolean, what: string): Promise<void> =>
    check() ? Promise.resolve() : within(new Promise<void>((resolve) => waiters.push({ check, resolve })), what);
  const running = subscribe({
    url: h.url,
    key: h.readKey,
    properties: [TID],
    signal: stop.signal,
    reconnectDelayMs: 10,
    onEvent: (event) => {
      received.push(event);
      progress();
    },
    onConnected: () => {
      connections += 1;
      progress();
    },
    onDisconnected: () => {
      drops += 1;
      progress();
    },
  });
  try {
    await until(() => connections === 1, 'the first connection');
    for (let i = 0; i < 3; i++) await h.hit(TID, { cid: `${i}.1`, dp: '/before' }, NOW + i * SECOND);
    await until(() => received.length === 3, 'three events');
    h.dropConnections();
    await until(() => drops === 1, 'the drop to be noticed');
    for (let i = 0; i < 3; i++) await h.hit(TID, { cid: `${i}.1`, dp: '/while-away' }, NOW + 10 * SECOND + i * SECOND);
    await until(() => connections === 2 && received.length === 6, 'the events sent while away');
    await h.hit(TID, { cid: '9.1', dp: '/after' }, NOW + 20 * SECOND);
    await until(() => received.length === 7, 'the next live event');
    const log = (await readAllEvents(h.store)).filter((e) => e.stream.startsWith(`client-${TID}.`));
    assert.equal(received.map((e) => e.id), log.map((e) => e.position));
    assert.equal(received.map((e) => (JSON.parse(e.data) as { data: { hit: { page: { path: string } } } }).data.hit.page.path), [
      '/before', '/before', '/before', '/while-away', '/while-away', '/while-away', '/after',
    ]);
  } finally {
    stop.abort();
    await running;
    await h.stop();
  }
});

test('a refused subscription (wrong key, or a read key without --property) ends with SubscriptionRefused', async () => {
  const h = await startHarness();
  try {
    const base = { url: h.url, signal: new AbortController().signal, onEvent: () => undefined };
    const wrong = await subscribe({ ...base, key: 'wa_0000000000000000_wrong' }).then(() => undefined, (error: unknown) => error);
    assert.instance(wrong, SubscriptionRefused);
    assert.is((wrong as SubscriptionRefused).status, 401);
    const unscoped = await subscribe({ ...base, key: h.readKey }).then(() => undefined, (error: unknown) => error);
    assert.is((unscoped as SubscriptionRefused).status, 403);
  } finally {
    await h.stop();
  }
});

test('the command line: `tsx examples/spike-detector/index.ts --url … --key … --threshold N` prints one JSON line per spike', async () => {
  const h = await startHarness();
  const script = fileURLToPath(new URL('./index.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--url', h.url, '--key', h.adminKey, '--threshold', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let stderr = '';
    let stdout = '';
    const connected = signal();
    const line = signal<string>();
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      if (stderr.includes('connected to')) connected.resolve();
    });
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      if (stdout.includes('\n')) line.resolve(stdout.slice(0, stdout.indexOf('\n')));
    });
    await within(Promise.race([connected.promise, once(child, 'exit').then(() => Promise.reject(new Error(`the detector exited: ${stderr}`)))]), 'the detector to connect', 20_000);
    for (let i = 0; i < 4; i++) await h.hit(TID, { cid: 'cli.1', dp: `/x${i}` }, NOW + i * SECOND);
    const report = JSON.parse(await within(line.promise, 'a spike line')) as Record<string, unknown>;
    assert.equal(
      { spike: report['spike'], property: report['property'], hits: report['hits'], from: report['from'] },
      { spike: 'client-UA-1111-1.c.cli.1', property: TID, hits: 4, from: new Date(NOW).toISOString() },
    );
  } finally {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
    await h.stop();
  }
});

test.run();
