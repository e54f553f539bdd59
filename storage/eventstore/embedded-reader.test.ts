// Catch-up through a reader thread (embedded-reader.ts): the same events, positions and
// `caughtUp` as the ordinary subscription, each passed through the subscriber's extract,
// then live events from the ordinary subscription.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openEmbeddedEventStore, type EmbeddedEventStore } from './embedded.ts';
import type { Subscription, SubscriptionMessage } from './port.ts';

const test = suite('embedded store: catch-up through a reader thread');
const dir = mkdtempSync(join(tmpdir(), 'webalytic-reader-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

// Keeps `n` only and marks the event, so the test sees that the thread ran it.
const EXTRACT = new URL(`data:text/javascript,${encodeURIComponent('export const extract = (e) => ({ ...e, data: { n: e.data.n, extracted: true }, metadata: {} });')}`);
const filter = { streamPrefixes: ['keep-'] };

let store: EmbeddedEventStore;
test.before.each(() => {
  store = openEmbeddedEventStore({ file: join(dir, `${randomUUID()}.sqlite`), writer: 'inline' });
});
test.after.each(async () => {
  await store.close();
});

async function fill(count: number): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    const events = Array.from({ length: Math.min(50, count - i) }, (_, k) => ({ id: randomUUID(), type: 'T', data: { n: i + k, padding: 'x'.repeat(100) }, metadata: { m: 1 } }));
    await store.append(`${i % 200 === 0 ? 'skip' : 'keep'}-${i % 7}`, events);
  }
}

/** Messages up to and including the first caughtUp. */
async function untilCaughtUp(subscription: Subscription): Promise<SubscriptionMessage[]> {
  const messages: SubscriptionMessage[] = [];
  for await (const message of subscription) {
    messages.push(message);
    if (message.type === 'caughtUp') break;
  }
  return messages;
}

test('delivers the same events, positions and caughtUp as subscribeToAll, extracted, from the start or a position', async () => {
  await fill(3000);
  for (const from of [undefined, '00000000000000000123']) {
    const options = { ...(from === undefined ? {} : { fromPosition: from }), filter };
    const plain = store.subscribeToAll(options);
    const threaded = store.subscribeToAllWithReader({ ...options, extractModule: EXTRACT });
    const expected = await untilCaughtUp(plain);
    const got = await untilCaughtUp(threaded);
    await plain.close();
    await threaded.close();
    assert.equal(got.length, expected.length);
    assert.ok(expected.length > 2000);
    for (let i = 0; i < got.length; i++) {
      const a = got[i]!;
      const b = expected[i]!;
      if (a.type === 'caughtUp' || b.type === 'caughtUp') {
        assert.equal(a, b);
        continue;
      }
      const { data: _d, metadata: _m, ...rest } = b.event;
      assert.equal({ ...a.event, data: undefined, metadata: undefined }, { ...rest, data: undefined, metadata: undefined });
      assert.equal(a.event.data, { n: (b.event.data as { n: number }).n, extracted: true });
    }
  }
});

test('goes on live after the catch-up, and close ends it', async () => {
  await fill(1500);
  const subscription = store.subscribeToAllWithReader({ filter, extractModule: EXTRACT });
  const iterator = subscription[Symbol.asyncIterator]();
  let caughtUp = false;
  while (!caughtUp) {
    const next = await iterator.next();
    assert.not.ok(next.done);
    caughtUp = next.value!.type === 'caughtUp';
  }
  const appended = await store.append('keep-live', [{ id: randomUUID(), type: 'T', data: { n: -1 } }]);
  const live = await iterator.next();
  assert.ok(!live.done && live.value.type === 'event');
  if (!live.done && live.value.type === 'event') {
    assert.is(live.value.event.position, appended.position);
    assert.equal(live.value.event.data, { n: -1 }); // live events come from the ordinary subscription, whole
  }
  await subscription.close();
  assert.ok((await iterator.next()).done);
});

test('an empty log is caught up at once', async () => {
  const messages = await untilCaughtUp(store.subscribeToAllWithReader({ filter, extractModule: EXTRACT }));
  assert.equal(messages, [{ type: 'caughtUp', position: undefined }]);
});

test.run();
