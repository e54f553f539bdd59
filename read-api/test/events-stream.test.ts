// GET /events/stream over real HTTP: live events, filters, resume with Last-Event-ID
// across a disconnect (no gap, no duplicate), heartbeats, auth, and clean-up.
import { randomUUID } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RecordedEvent } from '../../storage/eventstore/port.ts';
import { bearer, NOW, openSse, readAllEvents, startHarness, type SseConnection } from './raw-harness.ts';

const TID = 'UA-1111-1';
/** Its stream names start like UA-1111-1's: the property filter must be exact. */
const LOOKALIKE = 'UA-1111-10';
const MINUTE = 60_000;

interface Streamed {
  stream: string;
  revision: number;
  position: string;
  type: string;
  data: unknown;
  created: number;
}

const parsed = (connection: SseConnection): Streamed[] => connection.events.map((event) => JSON.parse(event.data) as Streamed);
const connected = (connection: SseConnection): Promise<void> => connection.until((c) => c.comments.includes('webalytic events'), 'the stream to open');

async function newEventsSince(store: Parameters<typeof readAllEvents>[0], position: string | undefined): Promise<RecordedEvent[]> {
  return (await readAllEvents(store)).filter((event) => position === undefined || event.position > position);
}

test('live events arrive as SSE messages with id = position, event = type, data = the event', async () => {
  const h = await startHarness();
  try {
    const before = await h.store.headPosition();
    const sse = await openSse(`${h.url}/api/v1/events/stream`, bearer(h.adminKey));
    assert.is(sse.status, 200);
    assert.ok(sse.headers.get('content-type')?.startsWith('text/event-stream'));
    await connected(sse);
    await h.hit(TID, { cid: '1.1', dp: '/a' }, NOW);
    await h.hit(TID, { cid: '1.1', t: 'event', ec: 'c', ea: 'a' }, NOW + 1000);
    await sse.until((c) => c.events.length >= 2, 'two events');
    const expected = (await newEventsSince(h.store, before)).filter((e) => !e.stream.startsWith('apikey-'));
    assert.equal(sse.events.map((e) => e.id), expected.map((e) => e.position), 'nothing from before the connection (from now)');
    assert.equal(sse.events.map((e) => e.event), ['PageviewRecorded.v1', 'EventRecorded.v1']);
    const first = parsed(sse)[0]!;
    assert.equal(Object.keys(first).sort(), ['created', 'data', 'position', 'revision', 'stream', 'type']);
    assert.is(first.stream, 'client-UA-1111-1.c.1.1');
    assert.is(first.revision, 0);
    assert.equal(first.data, expected[0]!.data);
    sse.close();
    await h.subscriptions.allClosed(); // the server let go of the subscription when the client left
    assert.is(h.subscriptions.open(), 0);
  } finally {
    await h.stop();
  }
});

test('from= replays history after a position; property= and type= filter exactly; apikey streams never appear', async () => {
  const h = await startHarness({ properties: [TID, LOOKALIKE] });
  try {
    await h.hit(TID, { cid: '1.1', dp: '/a' }, NOW);
    await h.hit(LOOKALIKE, { cid: '1.1', dp: '/a' }, NOW);
    await h.hit(TID, { cid: '2.2', t: 'event', ec: 'c', ea: 'a' }, NOW);
    const all = await readAllEvents(h.store);
    const start = all[0]!.position; // after the first property's creation

    const everything = await openSse(`${h.url}/api/v1/events/stream?from=${start}`, bearer(h.adminKey));
    const expectedAll = all.slice(1).filter((e) => !e.stream.startsWith('apikey-'));
    await everything.until((c) => c.events.length >= expectedAll.length, 'the whole history');
    assert.equal(everything.events.map((e) => e.id), expectedAll.map((e) => e.position));
    assert.ok(parsed(everything).some((e) => e.stream === `property-${LOOKALIKE}`));
    assert.not.ok(parsed(everything).some((e) => e.stream.startsWith('apikey-')));
    everything.close();

    const mine = await openSse(`${h.url}/api/v1/events/stream?from=${'0'.repeat(20)}&property=${TID}`, bearer(h.readKey));
    const expectedMine = all.filter((e) => e.stream === `property-${TID}` || e.stream.startsWith(`client-${TID}.`));
    await mine.until((c) => c.events.length >= expectedMine.length, 'the property history');
    await h.hit(LOOKALIKE, { cid: '9.9' }, NOW + MINUTE);
    await h.hit(TID, { cid: '3.3', dp: '/live' }, NOW + MINUTE);
    await mine.until((c) => c.events.length >= expectedMine.length + 1, 'the live event');
    assert.equal(parsed(mine).map((e) => e.stream), [...expectedMine.map((e) => e.stream), `client-${TID}.c.3.3`]);
    mine.close();

    const events = await openSse(`${h.url}/api/v1/events/stream?from=${'0'.repeat(20)}&property=${TID}&type=EventRecorded.v1,PropertyCreated.v1`, bearer(h.readKey));
    await events.until((c) => c.events.length >= 2, 'the filtered history');
    assert.equal(events.events.map((e) => e.event), ['PropertyCreated.v1', 'EventRecorded.v1']);
    assert.is(parsed(events)[1]!.stream, `client-${TID}.c.2.2`);
    events.close();
    await h.subscriptions.allClosed();
  } finally {
    await h.stop();
  }
});

test('resume with Last-Event-ID across a disconnect: no gap, no duplicate', async () => {
  const h = await startHarness();
  try {
    const sse = await openSse(`${h.url}/api/v1/events/stream?property=${TID}`, bearer(h.readKey));
    await connected(sse);
    for (let i = 0; i < 3; i++) await h.hit(TID, { cid: '1.1', dp: `/before${i}` }, NOW + i * 1000);
    await sse.until((c) => c.events.length >= 3, 'three events');
    const lastSeen = sse.events[2]!.id!;
    sse.close();
    await h.subscriptions.allClosed();

    // While the client is away: more hits, from several clients.
    for (let i = 0; i < 4; i++) await h.hit(TID, { cid: `${i % 2}.9`, dp: `/away${i}` }, NOW + 10_000 + i * 1000);
    const missed = (await newEventsSince(h.store, lastSeen)).filter((e) => e.stream.startsWith('client-'));
    assert.is(missed.length, 4);

    // `from=` names an older position: the header wins, as for a reconnecting EventSource.
    const resumed = await openSse(`${h.url}/api/v1/events/stream?property=${TID}&from=${'0'.repeat(20)}`, { ...bearer(h.readKey), 'last-event-id': lastSeen });
    await resumed.until((c) => c.events.length >= 4, 'the missed events');
    await h.hit(TID, { cid: '1.1', dp: '/after' }, NOW + 60_000);
    await resumed.until((c) => c.events.length >= 5, 'the next live event');
    const ids = [...sse.events.slice(0, 3), ...resumed.events].map((e) => e.id!);
    const log = (await readAllEvents(h.store)).filter((e) => e.stream.startsWith(`client-${TID}.`));
    assert.equal(ids, log.map((e) => e.position), 'every client event exactly once, in order');
    assert.is(new Set(ids).size, ids.length);
    resumed.close();
  } finally {
    await h.stop();
  }
});

test('heartbeats: a `: ping` comment every interval', async () => {
  const h = await startHarness({ stream: { heartbeatMs: 20 } });
  try {
    const sse = await openSse(`${h.url}/api/v1/events/stream`, bearer(h.adminKey));
    await sse.until((c) => c.comments.filter((comment) => comment === 'ping').length >= 2, 'two heartbeats');
    assert.is(sse.events.length, 0, 'heartbeats are comments, not events');
    sse.close();
  } finally {
    await h.stop();
  }
});

test('401 without a key, 403 for a read key without property= or with another property, 400 for bad positions and types', async () => {
  const h = await startHarness({ properties: [TID, LOOKALIKE] });
  try {
    const base = `${h.url}/api/v1/events/stream`;
    const expectProblem = async (url: string, headers: Record<string, string>, status: number, field?: string): Promise<void> => {
      const res = await fetch(url, { headers });
      assert.is(res.status, status, url);
      assert.ok(res.headers.get('content-type')?.startsWith('application/problem+json'));
      const body = (await res.json()) as { field?: string };
      if (field !== undefined) assert.is(body.field, field);
    };
    await expectProblem(base, {}, 401);
    await expectProblem(base, bearer('wa_0000000000000000_nope'), 401);
    await expectProblem(base, bearer(h.readKey), 403, 'property');
    await expectProblem(`${base}?property=${LOOKALIKE}`, bearer(h.readKey), 403, 'property');
    await expectProblem(`${base}?property=${TID},${LOOKALIKE}`, bearer(h.readKey), 403, 'property');
    await expectProblem(`${base}?from=yesterday`, bearer(h.adminKey), 400, 'from');
    await expectProblem(`${base}?type=PageviewRecorded.v1,NoSuchThing.v1`, bearer(h.adminKey), 400, 'type[1]');
    await expectProblem(base, { ...bearer(h.adminKey), 'last-event-id': 'abc' }, 400, 'Last-Event-ID');
    await expectProblem(`${base}?from=0`, bearer(h.adminKey), 400, 'from'); // not this store's format (20 digits)
    await expectProblem(`${base}?from=${'9'.repeat(20)}`, bearer(h.adminKey), 400, 'from'); // past the end: would wait forever
    await expectProblem(base, { ...bearer(h.adminKey), 'last-event-id': '9'.repeat(20) }, 400, 'Last-Event-ID');
    // EventSource cannot send headers: the key may come as access_token.
    const sse = await openSse(`${base}?property=${TID}&access_token=${encodeURIComponent(h.readKey)}`);
    assert.is(sse.status, 200);
    sse.close();
    await h.subscriptions.allClosed();
  } finally {
    await h.stop();
  }
});

test('a slow reader: the server stops pulling events while the socket is full, then delivers them all', async () => {
  let backpressured!: () => void;
  const waiting = new Promise<void>((resolve) => {
    backpressured = resolve;
  });
  const h = await startHarness({ stream: { onBackpressure: () => backpressured() } });
  try {
    // 150 events of 128 KiB: about 19 MiB, far beyond what the socket buffers hold.
    const big = 'x'.repeat(128 * 1024);
    const count = 150;
    const before = await h.store.headPosition();
    for (let i = 0; i < count; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          h.store.append(`property-${TID}`, [{ id: randomUUID(), type: 'PropertySettingsChanged.v1', data: { propertyId: TID, filler: big, n: i + j } }]),
        ),
      );
    }
    const res = await fetch(`${h.url}/api/v1/events/stream?from=${before}`, { headers: bearer(h.adminKey) });
    const reader = res.body!.getReader();
    await waiting; // the client reads nothing: the server waits for 'drain'
    const pulledWhileStalled = h.subscriptions.pulled();
    assert.ok(pulledWhileStalled < count, `the server read ${pulledWhileStalled} of ${count} events ahead of a stalled client`);
    const decoder = new TextDecoder();
    let tail = '';
    let seen = 0;
    while (seen < count) {
      const next = await reader.read();
      if (next.done) break;
      const text = tail + decoder.decode(next.value, { stream: true });
      seen += (text.match(/\nevent: /g) ?? []).length - (tail.match(/\nevent: /g) ?? []).length;
      tail = text.slice(-16);
    }
    assert.is(seen, count);
    await reader.cancel();
    await h.subscriptions.allClosed();
  } finally {
    await h.stop();
  }
});

test('shutdown: aborting the signal ends every open stream, so the server can close', async () => {
  const h = await startHarness();
  const sse = await openSse(`${h.url}/api/v1/events/stream`, bearer(h.adminKey));
  await connected(sse);
  h.shutdown.abort();
  await sse.ended;
  await h.subscriptions.allClosed();
  await h.stop();
});

test.run();
