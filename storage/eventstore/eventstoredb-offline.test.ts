// The EventStoreDB adapter without a server: it is pointed at a closed port on
// 127.0.0.1, so any call that reached the network would fail with a connection error.
// Input checks must fail first, with the same typed errors as the embedded store, and an
// unreachable server must surface as an error, never as a hang or an empty result.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidAppendError } from './errors.ts';
import { openEventStoreDb } from './eventstoredb.ts';
import type { EventStore, EventToAppend } from './port.ts';

const s = suite('eventstoredb adapter without a server');
const state: { store?: EventStore; url?: string } = {};
const store = (): EventStore => state.store!;

/** A port that was just free: nothing listens there, so connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}

s.before(async () => {
  state.url = `esdb://127.0.0.1:${await closedPort()}?tls=false`;
  state.store = openEventStoreDb({ connectionString: state.url });
});

s.after(async () => {
  await state.store?.close();
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.unreachable('expected a rejection');
  return undefined;
}

const attempt = <T>(call: () => Promise<T>): Promise<T> => Promise.resolve().then(call);
const event = (overrides: Partial<EventToAppend> = {}): EventToAppend => ({ id: randomUUID(), type: 'T', data: { n: 1 }, ...overrides });

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

s('bad appends are refused locally with InvalidAppendError, before any network call', async () => {
  const id = randomUUID();
  const cases: [string, string, unknown[], unknown?][] = [
    ['stream', '$all', [event()]],
    ['stream', 'has space', [event()]],
    ['events', 'ok-1', []],
    ['events[0].id', 'ok-1', [event({ id: 'nope' })]],
    ['events[1].id', 'ok-1', [event({ id }), event({ id })]],
    ['events[0].type', 'ok-1', [event({ type: '' })]],
    ['events[0].data', 'ok-1', [event({ data: Number.NaN as unknown as number })]],
    ['events[0].metadata', 'ok-1', [{ ...event(), metadata: ['x'] }]],
    ['expectedRevision', 'ok-1', [event()], -1],
    ['expectedRevision', 'ok-1', [event()], 'whatever'],
  ];
  for (const [field, stream, events, expectedRevision] of cases) {
    const error = await rejection(
      attempt(() => store().append(stream, events as EventToAppend[], expectedRevision === undefined ? undefined : { expectedRevision: expectedRevision as 'any' })),
    );
    assert.instance(error, InvalidAppendError, field);
    assert.is((error as InvalidAppendError).field, field);
  }
});

s('bad read arguments are refused locally with RangeError', async () => {
  const position = await rejection(collect(store().readAll({ fromPosition: '00000000000000000042' })));
  assert.instance(position, RangeError);
  assert.match((position as Error).message, /^fromPosition:/);
  assert.instance(await rejection(collect(store().readAll({ maxCount: -1 }))), RangeError);
  assert.instance(await rejection(collect(store().readStream('ok-1', { fromRevision: -1 }))), RangeError);
  assert.instance(await rejection(collect(store().readStream('ok-1', { maxCount: 1.5 }))), RangeError);
  assert.throws(() => store().subscribeToAll({ fromPosition: 'not-a-position' }), RangeError);
});

s('reads that can return nothing do not call the server', async () => {
  assert.equal(await collect(store().readAll({ maxCount: 0 })), []);
  assert.equal(await collect(store().readAll({ filter: { streamPrefixes: [] } })), []);
  assert.equal(await collect(store().readAll({ filter: { eventTypes: [] } })), []);
  assert.equal(await collect(store().readStream('ok-1', { maxCount: 0 })), []);
  // Deleting a name no append accepts is a no-op, like on the embedded store.
  await store().deleteStream('$system-stream');
});

s('an unreachable server fails every call with an error instead of hanging or reading as empty', async () => {
  const append = await rejection(store().append('ok-1', [event()]));
  assert.instance(append, Error);
  assert.not.instance(append, InvalidAppendError);
  assert.match((append as Error).message, /UNAVAILABLE|ECONNREFUSED/);
  for (const read of [() => collect(store().readAll()), () => collect(store().readStream('ok-1')), () => store().headPosition(), () => store().deleteStream('ok-1')]) {
    const error = await rejection(read());
    assert.match((error as Error).message, /UNAVAILABLE|ECONNREFUSED/);
  }
  const subscription = store().subscribeToAll();
  const error = await rejection(collect(subscription));
  assert.match((error as Error).message, /UNAVAILABLE|ECONNREFUSED/);
});

s('a closed store refuses calls; close is idempotent and ends open subscriptions', async () => {
  const other = openEventStoreDb({ connectionString: `kurrentdb://127.0.0.1:${await closedPort()}?tls=false` });
  const subscription = other.subscribeToAll({ filter: { eventTypes: [] } });
  const iteration = collect(subscription);
  await other.close();
  await other.close();
  // The subscription was catching up when the store closed: it ends quietly, with nothing.
  assert.equal(await iteration, []);
  const append = await rejection(other.append('ok-1', [event()]));
  assert.match((append as Error).message, /closed/);
  assert.match(((await rejection(collect(other.readAll()))) as Error).message, /closed/);
  assert.throws(() => other.subscribeToAll(), /closed/);
});

s.run();
