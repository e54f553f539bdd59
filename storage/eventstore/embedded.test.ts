// The embedded store: the shared contract on a temp file, then what only the embedded
// adapter promises (physical deletion, group commit, survival of kill -9, ...).
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openEmbeddedEventStore, type EmbeddedEventStore } from './embedded.ts';
import { WrongExpectedRevisionError } from './errors.ts';
import { defineEventStoreContract } from './eventstore-contract.ts';
import { killWriterMidStream } from './embedded-kill.ts';
import type { EventToAppend, RecordedEvent, SubscriptionMessage } from './port.ts';
import { within } from '../../platform/test-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'webalytic-eventstore-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
const tempFile = (): string => join(dir, `${randomUUID()}.sqlite`);

const newEvent = (data: EventToAppend['data'] = { n: 1 }, type = 'TestEvent'): EventToAppend => ({ id: randomUUID(), type, data });

/** Fails a test whose condition never comes, instead of hanging. */
/** A live subscription to the streams under `prefix`, once it has caught up (nothing stored there yet). */
async function subscribeLive(source: EmbeddedEventStore, prefix: string) {
  const subscription = source.subscribeToAll({ filter: { streamPrefixes: [prefix] } });
  const iterator = subscription[Symbol.asyncIterator]();
  assert.is(((await iterator.next()).value as SubscriptionMessage).type, 'caughtUp');
  return { subscription, iterator };
}


async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

defineEventStoreContract('embedded', async () => {
  const file = tempFile();
  const store = openEmbeddedEventStore({ file });
  // The contract must not rely on an empty log or on positions starting at 1.
  for (let i = 0; i < 5; i++) await store.append(`other-${i}`, [newEvent(), newEvent()]);
  return { store, reopen: async () => openEmbeddedEventStore({ file }) };
});

const test = suite('embedded event store');
let store: EmbeddedEventStore;
let file: string;
test.before.each(() => {
  file = tempFile();
  store = openEmbeddedEventStore({ file });
});
test.after.each(async () => {
  await store.close();
});

test('group commit: 1000 concurrent appends are written in one transaction', async () => {
  const before = store.stats();
  const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => store.append(`client-${i % 100}`, [newEvent({ i })])));
  const after = store.stats();
  assert.is(after.transactions - before.transactions, 1);
  assert.is(after.appends - before.appends, 1000);
  assert.is(after.events - before.events, 1000);
  assert.is(new Set(results.map((r) => r.position)).size, 1000);
  assert.is((await collect(store.readAll())).length, 1000);
});

test('group commit: each caller of one transaction gets its own result or error, in call order', async () => {
  const winner = newEvent();
  const before = store.stats().transactions;
  const settled = await Promise.allSettled([
    store.append('a', [winner], { expectedRevision: 'no_stream' }),
    store.append('a', [newEvent()], { expectedRevision: 'no_stream' }), // loses to the first
    store.append('b', [newEvent(), newEvent()], { expectedRevision: 'no_stream' }),
    store.append('a', [newEvent()], { expectedRevision: 0 }), // sees the first caller's event
    store.append('b', [newEvent()], { expectedRevision: 5 }),
  ]);
  assert.is(store.stats().transactions - before, 1);
  assert.equal(
    settled.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'rejected'],
  );
  const second = settled[1]!.status === 'rejected' ? (settled[1]!.reason as unknown) : undefined;
  assert.instance(second, WrongExpectedRevisionError);
  assert.is((second as WrongExpectedRevisionError).actualRevision, 0);
  const fifth = settled[4]!.status === 'rejected' ? (settled[4]!.reason as unknown) : undefined;
  assert.is((fifth as WrongExpectedRevisionError).actualRevision, 1);
  assert.equal(
    (await collect(store.readStream('a'))).map((e) => e.revision),
    [0, 1],
  );
  assert.is((await collect(store.readStream('a')))[0]!.id, winner.id);
});

test('positions are 20-digit strings; a malformed fromPosition is refused', async () => {
  const result = await store.append('s', [newEvent()]);
  assert.match(result.position, /^\d{20}$/);
  assert.is(await store.headPosition(), result.position);
  try {
    await collect(store.readAll({ fromPosition: '12' }));
    assert.unreachable('a malformed position must be refused');
  } catch (error) {
    assert.instance(error, RangeError);
  }
});

test('deleteStream removes the rows from the file, not only from view', async () => {
  const marker = `erase-me-${randomUUID()}`;
  await store.append('visitor-1', [newEvent({ ip: marker }), newEvent({ page: marker })]);
  const kept = await store.append('visitor-2', [newEvent({ other: 'kept' })]);
  await store.deleteStream('visitor-1');
  assert.is(store.stats().deletes, 1);

  const other = new Database(file, { readonly: true });
  try {
    assert.is(other.prepare('SELECT count(*) FROM events WHERE stream = ?').pluck().get('visitor-1'), 0);
    assert.is(other.prepare('SELECT count(*) FROM events').pluck().get(), 1);
  } finally {
    other.close();
  }
  // secure_delete zeroed the rows and the WAL was checkpointed and truncated.
  for (const path of [file, `${file}-wal`]) {
    if (existsSync(path)) assert.is(readFileSync(path).indexOf(marker), -1, `${path} holds no trace of the erased data`);
  }
  const all = await collect(store.readAll());
  assert.equal(
    all.map((e) => e.stream),
    ['visitor-2'],
  );
  const subscription = store.subscribeToAll();
  const seen: SubscriptionMessage[] = [];
  for await (const message of subscription) {
    seen.push(message);
    if (message.type === 'caughtUp') break;
  }
  assert.equal(
    seen.map((m) => (m.type === 'event' ? m.event.stream : m.type)),
    ['visitor-2', 'caughtUp'],
  );
  assert.equal(seen[1], { type: 'caughtUp', position: kept.position });
});

test('a deleted stream no longer exists: it is recreated from revision 0', async () => {
  await store.append('s', [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
  await store.deleteStream('s');
  try {
    await store.append('s', [newEvent()], { expectedRevision: 1 });
    assert.unreachable('the old revision no longer exists');
  } catch (error) {
    assert.instance(error, WrongExpectedRevisionError);
    assert.is((error as WrongExpectedRevisionError).actualRevision, -1);
  }
  const again = await store.append('s', [newEvent()], { expectedRevision: 'no_stream' });
  assert.is(again.nextRevision, 0);
  await store.deleteStream('never-written'); // a no-op, not an error
});

test('deleteStream is ordered with appends queued before and after it', async () => {
  const last = newEvent();
  const [, , result] = await Promise.all([store.append('s', [newEvent()]), store.deleteStream('s'), store.append('s', [last])]);
  assert.is(result.nextRevision, 0);
  assert.equal(
    (await collect(store.readStream('s'))).map((e) => e.id),
    [last.id],
  );
});

test('idempotency never writes an id twice into a stream', async () => {
  const batch = [newEvent(), newEvent()];
  const first = await store.append('s', batch, { expectedRevision: 'no_stream' });
  // EventStoreDB would write duplicates when the expected revision is the current one.
  try {
    await store.append('s', batch, { expectedRevision: 1 });
    assert.unreachable('ids already in the stream at another place');
  } catch (error) {
    assert.instance(error, WrongExpectedRevisionError);
  }
  assert.equal(await store.append('s', batch, { expectedRevision: 'stream_exists' }), first);
  // Out of order is not the batch that was written.
  try {
    await store.append('s', [batch[1]!, batch[0]!], { expectedRevision: 'any' });
    assert.unreachable('ids in another order');
  } catch (error) {
    assert.instance(error, WrongExpectedRevisionError);
  }
  // The same id in another stream is another event.
  assert.is((await store.append('t', [batch[0]!], { expectedRevision: 'no_stream' })).nextRevision, 0);
  assert.is((await collect(store.readStream('s'))).length, 2);
});

test('an empty filter list matches nothing; reads and subscriptions page through long logs', async () => {
  for (let b = 0; b < 6; b++) await store.append(`p-${b}`, Array.from({ length: 250 }, (_, i) => newEvent({ i }, b % 2 ? 'Odd' : 'Even')));
  assert.equal(await collect(store.readAll({ filter: { streamPrefixes: [] } })), []);
  assert.is((await collect(store.readAll({ filter: { eventTypes: ['Odd'] } }))).length, 750);
  assert.is((await collect(store.readAll({ maxCount: 1000 }))).length, 1000);
  assert.equal(await collect(store.readAll({ maxCount: 0 })), []);
  const subscription = store.subscribeToAll({ filter: { eventTypes: ['Even'] } });
  const events: RecordedEvent[] = [];
  for await (const message of subscription) {
    if (message.type === 'caughtUp') break;
    events.push(message.event);
  }
  assert.is(events.length, 750);
  assert.ok(events.every((e) => e.type === 'Even'));
});

test('a live subscriber sees appends made through another connection to the file', async () => {
  const watcher = openEmbeddedEventStore({ file, crossProcessPollMs: 10 });
  try {
    const subscription = watcher.subscribeToAll({ filter: { streamPrefixes: ['remote-'] } });
    const iterator = subscription[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value, { type: 'caughtUp', position: undefined });
    const event = newEvent({ from: 'elsewhere' });
    const pending = iterator.next();
    await store.append('remote-1', [event]);
    const delivered = await pending;
    assert.is(delivered.done, false);
    assert.is((delivered.value as SubscriptionMessage).type === 'event' && (delivered.value as { event: RecordedEvent }).event.id, event.id);
    await subscription.close();
    assert.is((await iterator.next()).done, true);
  } finally {
    await watcher.close();
  }
});

test('a store of the same file in another thread of the process hears of each commit at once, not at its next poll', async () => {
  // An hour's poll: only the commit message (a BroadcastChannel, which reaches other
  // instances in this thread as it reaches other threads) can deliver the event in time.
  const watcher = openEmbeddedEventStore({ file, crossProcessPollMs: 3_600_000 });
  try {
    const { subscription, iterator } = await subscribeLive(watcher, 'thread-');
    const event = newEvent({ from: 'the other thread' });
    const pending = iterator.next();
    await store.append('thread-1', [event]);
    const delivered = await within(pending, 'the event, woken by the commit message');
    assert.is((delivered.value as { event: RecordedEvent }).event.id, event.id);
    await subscription.close();
  } finally {
    await watcher.close();
  }
});

test('a live consumer busy when another connection commits gets the event once it asks again', async () => {
  // An hour's poll: only the consumer's own look at the head can find the second event.
  const watcher = openEmbeddedEventStore({ file, crossProcessPollMs: 3_600_000 });
  try {
    const { subscription, iterator } = await subscribeLive(watcher, 'busy-remote-');
    const first = newEvent();
    const pending = iterator.next();
    await store.append('busy-remote-1', [first]);
    assert.is(((await within(pending, 'the first event')).value as { event: RecordedEvent }).event.id, first.id);
    // The consumer is busy: the commit message finds no one waiting, and the poll is not
    // running. Once the consumer asks again, the head in the file must tell it.
    const second = newEvent();
    await store.append('busy-remote-1', [second]);
    await new Promise((resolve) => setImmediate(resolve)); // the commit message is handled before the consumer asks
    const next = await within(iterator.next(), 'the event committed by the other connection while the consumer was busy');
    assert.is((next.value as { event: RecordedEvent }).event.id, second.id);
    await subscription.close();
  } finally {
    await watcher.close();
  }
});

test('a consumer busy between messages misses no commit made meanwhile', async () => {
  const { subscription, iterator } = await subscribeLive(store, 'slow-');
  const first = newEvent();
  await store.append('slow-1', [first]);
  assert.is(((await iterator.next()).value as { event: RecordedEvent }).event.id, first.id);
  // Committed while the subscription is suspended after delivering `first`: no later
  // commit will come to wake it, so it must notice this one by itself.
  const second = newEvent();
  await store.append('slow-1', [second]);
  const next = await within(iterator.next(), 'the event committed while the consumer was busy');
  assert.is((next.value as { event: RecordedEvent }).event.id, second.id);
  await subscription.close();
});

test('close() commits queued appends, ends subscriptions and refuses further use', async () => {
  const queued = store.append('s', [newEvent()]);
  const subscription = store.subscribeToAll();
  const iterator = subscription[Symbol.asyncIterator]();
  assert.is(((await iterator.next()).value as SubscriptionMessage).type, 'caughtUp');
  const waiting = iterator.next();
  await store.close();
  assert.is((await queued).nextRevision, 0);
  // The subscriber either got the committed event or ended; it never hangs.
  const next = await waiting;
  if (!next.done) assert.is((next.value as SubscriptionMessage).type, 'event');
  assert.is((await iterator.next()).done, true);
  try {
    await store.append('s', [newEvent()]);
    assert.unreachable('closed');
  } catch (error) {
    assert.match((error as Error).message, /closed/);
  }
  const reopened = openEmbeddedEventStore({ file });
  assert.is((await collect(reopened.readStream('s'))).length, 1);
  store = reopened; // closed by after.each
});

test('kill -9 right after acknowledged appends loses none of them', async () => {
  const acknowledged = await killWriterMidStream(file);
  await store.close();
  store = openEmbeddedEventStore({ file });
  const stored = new Set((await collect(store.readAll())).map((e) => e.id));
  const lost = acknowledged.filter((id) => !stored.has(id));
  assert.equal(lost, [], `${lost.length} of ${acknowledged.length} acknowledged appends were lost`);
  assert.ok(stored.size >= acknowledged.length);
});

test('truncateBefore (retention) deletes the old events of the streams under a prefix, nothing else', async () => {
  await store.close();
  let clock = Date.UTC(2025, 0, 1);
  const DAY = 86_400_000;
  store = openEmbeddedEventStore({ file, now: () => clock });
  // Day 1: two visitors of UA-1-1, one of UA-1-10 (a tid the prefix must not catch), a property event.
  await store.append('client-UA-1-1.c.a', [newEvent(), newEvent()]);
  await store.append('client-UA-1-1.c.b', [newEvent()]);
  await store.append('client-UA-1-10.c.a', [newEvent()]);
  await store.append('property-UA-1-1', [newEvent()]);
  clock += 10 * DAY;
  // Day 11: visitor a comes back; b does not.
  const back = await store.append('client-UA-1-1.c.a', [newEvent()]);
  assert.is(back.nextRevision, 2);

  assert.is(await store.truncateBefore('client-UA-1-1.', clock - 5 * DAY), 3);
  const streamOf = async (stream: string) => (await collect(store.readStream(stream))).map((e) => e.revision);
  assert.equal(await streamOf('client-UA-1-1.c.a'), [2], 'the recent event stays, at its revision');
  assert.equal(await streamOf('client-UA-1-1.c.b'), []);
  assert.equal(await streamOf('client-UA-1-10.c.a'), [0]);
  assert.equal(await streamOf('property-UA-1-1'), [0]);
  assert.is(store.stats().truncated, 3);
  // Revisions go on after the kept event; a stream emptied by retention starts again at 0.
  assert.is((await store.append('client-UA-1-1.c.a', [newEvent()], { expectedRevision: 2 })).nextRevision, 3);
  assert.is((await store.append('client-UA-1-1.c.b', [newEvent()], { expectedRevision: 'no_stream' })).nextRevision, 0);
  // Nothing older is left: a second pass deletes nothing; a later cut-off takes the rest.
  assert.is(await store.truncateBefore('client-UA-1-1.', clock - 5 * DAY), 0);
  clock += 1;
  assert.is(await store.truncateBefore('client-UA-1-1.', clock), 3);
  assert.equal(await streamOf('client-UA-1-1.c.a'), []);
  // Positions are never reused, so subscribers' checkpoints stay valid.
  const head = await store.headPosition();
  const next = await store.append('client-UA-1-1.c.c', [newEvent()]);
  assert.ok(head === undefined || next.position > head);
  const refused = await store.truncateBefore('', clock).then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.match(String(refused), /streamPrefix/);
});

test.run();
