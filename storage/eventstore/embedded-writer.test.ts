// The embedded store with its writes in the writer thread: the shared contract again, then
// what the thread must keep of the inline writer (call order, exact conflicts, group
// commit, erasure) and durability when the process is killed with writes in flight.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AUTO_THREAD_AFTER_APPENDS, openEmbeddedEventStore, type EmbeddedEventStore } from './embedded.ts';
import { WrongExpectedRevisionError } from './errors.ts';
import { defineEventStoreContract } from './eventstore-contract.ts';
import { killWriterMidStream } from './embedded-kill.ts';
import { comparePositions, type EventToAppend, type RecordedEvent } from './port.ts';

const dir = mkdtempSync(join(tmpdir(), 'webalytic-eventstore-thread-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
const tempFile = (): string => join(dir, `${randomUUID()}.sqlite`);

const newEvent = (data: EventToAppend['data'] = { n: 1 }): EventToAppend => ({ id: randomUUID(), type: 'TestEvent', data });

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.unreachable('expected a rejection'),
    (error: unknown) => error,
  );
}

defineEventStoreContract('embedded (writer thread)', async () => {
  const file = tempFile();
  const store = openEmbeddedEventStore({ file, writer: 'thread' });
  for (let i = 0; i < 5; i++) await store.append(`other-${i}`, [newEvent(), newEvent()]);
  return { store, reopen: async () => openEmbeddedEventStore({ file, writer: 'thread' }) };
});

const test = suite('embedded event store: writer thread');
let store: EmbeddedEventStore;
let file: string;
test.before.each(() => {
  file = tempFile();
  store = openEmbeddedEventStore({ file, writer: 'thread' });
});
test.after.each(async () => {
  await store.close();
});

test('every write is committed by the thread, concurrent appends in one transaction', async () => {
  const results = await Promise.all(Array.from({ length: 500 }, (_, i) => store.append(`client-${i % 50}`, [newEvent({ i })])));
  const stats = store.stats();
  assert.is(stats.transactions, stats.threadTransactions);
  assert.ok(stats.transactions >= 1 && stats.transactions <= 2, `${stats.transactions} transactions for 500 concurrent appends`);
  assert.is(stats.appends, 500);
  assert.is(new Set(results.map((r) => r.position)).size, 500);
  // The caller's connection reads what the thread acknowledged.
  assert.is((await collect(store.readStream('client-7'))).length, 10);
  assert.is(await store.headPosition(), results.map((r) => r.position).sort(comparePositions).at(-1));
});

test('positions follow call order across batches queued while earlier ones commit', async () => {
  const started = newEvent();
  await store.append('s-0', [started]); // the thread is up: the rounds below meet it running
  const calls: Promise<{ position: string }>[] = [];
  const order: string[] = [started.id];
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 50; i++) {
      const event = newEvent({ round, i });
      order.push(event.id);
      calls.push(store.append(`s-${(round * 50 + i + 1) % 7}`, [event]));
    }
    // Let a flush happen: the next round queues while this one is being committed.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const positions = (await Promise.all(calls)).map((r) => r.position);
  for (let i = 1; i < positions.length; i++) assert.ok(comparePositions(positions[i - 1]!, positions[i]!) < 0, `append ${i} is after append ${i - 1}`);
  assert.ok(store.stats().threadTransactions > 1, 'several batches went through the thread');
  const log = await collect(store.readAll());
  assert.equal(
    log.map((e) => e.id),
    order,
  );
  // Each stream's revisions are dense and in call order.
  for (let s = 0; s < 7; s++) {
    const revisions = (await collect(store.readStream(`s-${s}`))).map((e) => e.revision);
    assert.equal(
      revisions,
      revisions.map((_, i) => i),
    );
  }
});

test('conflicts are exact: one winner per expected revision, in one batch or across batches', async () => {
  const first = newEvent();
  // Same batch: the first caller wins, the second sees its event.
  const same = await Promise.allSettled([
    store.append('c', [first], { expectedRevision: 'no_stream' }),
    store.append('c', [newEvent()], { expectedRevision: 'no_stream' }),
    store.append('c', [newEvent()], { expectedRevision: 0 }),
  ]);
  assert.equal(
    same.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  const loser = (same[1] as PromiseRejectedResult).reason as unknown;
  assert.instance(loser, WrongExpectedRevisionError);
  assert.is((loser as WrongExpectedRevisionError).actualRevision, 0);
  assert.is((loser as WrongExpectedRevisionError).stream, 'c');
  assert.is((loser as WrongExpectedRevisionError).expected, 'no_stream');
  // Across batches: the second waits for the thread to answer the first.
  const a = store.append('c', [newEvent()], { expectedRevision: 1 });
  await new Promise((resolve) => setImmediate(resolve));
  const b = store.append('c', [newEvent()], { expectedRevision: 1 });
  assert.is((await a).nextRevision, 2);
  const late = await rejection(b);
  assert.instance(late, WrongExpectedRevisionError);
  assert.is((late as WrongExpectedRevisionError).actualRevision, 2);
  // An idempotent re-append answers the original place, without writing.
  const again = await store.append('c', [first], { expectedRevision: 'no_stream' });
  assert.equal(again, { nextRevision: 0, position: (await collect(store.readStream('c', { maxCount: 1 })))[0]!.position });
  assert.equal(
    (await collect(store.readStream('c'))).map((e) => e.revision),
    [0, 1, 2],
  );
});

test('stream reads are served by the thread, after the writes sent before them', async () => {
  await store.append('r', [newEvent()]); // the thread is up
  const before = store.stats().threadReads;
  const written = [newEvent(), newEvent()];
  const appended = store.append('r', written);
  const read = collect(store.readStream('r', { direction: 'backwards', maxCount: 16 }));
  await appended;
  const late = await collect(store.readStream('r', { direction: 'backwards', maxCount: 16 }));
  assert.equal(
    late.map((e) => e.revision),
    [2, 1, 0],
  );
  assert.equal(
    late.slice(0, 2).map((e) => e.id),
    written.map((e) => e.id).reverse(),
  );
  // A read racing an append sees all of it or none of it.
  assert.ok([1, 3].includes((await read).length), `${(await read).length} events`);
  assert.is(store.stats().threadReads, before + 2);
});

test('a live subscriber is woken by commits made in the thread', async () => {
  const subscription = store.subscribeToAll({ filter: { streamPrefixes: ['live-'] } });
  const iterator = subscription[Symbol.asyncIterator]();
  assert.is((await iterator.next()).value?.type, 'caughtUp');
  const pending = iterator.next();
  const event = newEvent();
  const result = await store.append('live-1', [event]);
  const delivered = (await pending).value;
  assert.ok(delivered?.type === 'event');
  assert.is((delivered as { event: RecordedEvent }).event.id, event.id);
  assert.is((delivered as { event: RecordedEvent }).event.position, result.position);
  await subscription.close();
});

test('deleteStream through the thread erases the rows from the file and the WAL', async () => {
  const marker = `erase-me-${randomUUID()}`;
  await store.append('visitor-1', [newEvent({ ip: marker })]);
  await store.append('visitor-2', [newEvent({ other: 'kept' })]);
  await store.deleteStream('visitor-1');
  assert.is(store.stats().deletes, 1);
  assert.equal(await collect(store.readStream('visitor-1')), []);
  for (const path of [file, `${file}-wal`]) {
    if (existsSync(path)) assert.is(readFileSync(path).indexOf(marker), -1, `${path} holds no trace of the erased data`);
  }
});

test('close() commits what is queued and in the thread, then stops the thread', async () => {
  const queued = Array.from({ length: 300 }, (_, i) => store.append(`q-${i % 3}`, [newEvent({ i })]));
  await store.close();
  assert.is((await Promise.all(queued)).length, 300);
  const reopened = openEmbeddedEventStore({ file, writer: 'inline' });
  assert.is((await collect(reopened.readAll())).length, 300);
  store = reopened; // closed by after.each
});

test("'auto' writes inline, then hands over to the thread without losing order", async () => {
  await store.close();
  store = openEmbeddedEventStore({ file, writer: 'auto' });
  const ids: string[] = [];
  for (let round = 0; round < 20; round++) {
    const events = Array.from({ length: 50 }, () => newEvent());
    ids.push(...events.map((e) => e.id));
    await Promise.all(events.map((event, i) => store.append(`auto-${i}`, [event])));
  }
  assert.ok(store.stats().appends >= AUTO_THREAD_AFTER_APPENDS);
  assert.is(store.stats().threadTransactions, 0, 'inline until the threshold');
  if (availableParallelism() === 1) {
    await store.append('auto-tail', [newEvent()]);
    assert.is(store.stats().threadTransactions, 0, 'one CPU: no thread');
    return;
  }
  // The thread starts now; appends go on (inline) until it is ready, then through it.
  for (let i = 0; store.stats().threadTransactions === 0; i++) {
    if (i > 100_000) assert.unreachable('the writer thread never took over');
    const event = newEvent();
    ids.push(event.id);
    await store.append('auto-tail', [event]);
  }
  const event = newEvent();
  ids.push(event.id);
  await store.append('auto-tail', [event]);
  assert.equal(
    (await collect(store.readAll())).map((e) => e.id),
    ids,
  );
});

async function killMidStream(writer: 'thread' | 'auto'): Promise<void> {
  const target = tempFile();
  const acknowledged = await killWriterMidStream(target, writer);
  const reopened = openEmbeddedEventStore({ file: target, writer: 'inline' });
  try {
    const stored = new Set((await collect(reopened.readAll())).map((e) => e.id));
    const lost = acknowledged.filter((id) => !stored.has(id));
    assert.equal(lost, [], `${lost.length} of ${acknowledged.length} acknowledged appends were lost`);
  } finally {
    await reopened.close();
  }
}

test('kill -9 with writes in the thread loses no acknowledged append', async () => {
  await killMidStream('thread');
});

test('kill -9 after the hand-over to the thread loses no acknowledged append', async () => {
  await killMidStream('auto');
});

test.run();
