// The runner on real SQLite files: exact read models, batching, graceful stop, failure
// with the event's position, and the lag figures.
import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../platform/logger.ts';
import type { EventStore } from '../../storage/eventstore/port.ts';
import { readCheckpoint } from '../checkpoints-embedded.ts';
import { projectionsOverview } from '../overview.ts';
import { registryFor } from '../registry.ts';
import { startProjection, type BatchCommitted, type ProjectionRunner } from '../runner.ts';
import { countsFromLog, createCountProjection, readCounts } from './count-projection.ts';
import { appendTestEvents, within, openStores, type Stores } from './helpers.ts';

const test = suite('projection runner');
const NAME = 'test-counts';
let stores: Stores;
let runners: ProjectionRunner[];

test.before.each(() => {
  stores = openStores();
  runners = [];
});
test.after.each(async () => {
  for (const runner of runners) await runner.stop();
  await stores.close();
});

function run(options: { batchSize?: number; onBatch?: (batch: BatchCommitted) => void; statusSaveMs?: number } = {}): ProjectionRunner {
  const runner = startProjection({
    projection: createCountProjection(),
    eventStore: stores.eventStore,
    readStore: stores.readStore,
    logger: silentLogger(),
    ...options,
  });
  runners.push(runner);
  return runner;
}

test('catches up in full batches, then follows live appends; the read model equals the log', async () => {
  const head = await appendTestEvents(stores.eventStore, 2500, { streams: 30 });
  const batches: BatchCommitted[] = [];
  const runner = run({ batchSize: 500, onBatch: (batch) => batches.push(batch) });
  await within(runner.waitForPosition(head), 'catch-up');
  assert.equal(
    batches.map((batch) => batch.events),
    [500, 500, 500, 500, 500],
  );
  assert.equal(readCounts(stores.readStore.db, NAME, 1), await countsFromLog(stores.eventStore, 'head'));
  await within(runner.waitFor((s) => s.state === 'live'), 'live');

  // Live: 200 appends in the same turn are group-committed by the store and reach the runner together.
  const appends = Array.from({ length: 200 }, (_, i) => stores.eventStore.append(`test-live-${i % 7}`, [{ id: randomUUID(), type: 'Viewed', data: { n: i } }]));
  const positions = (await Promise.all(appends)).map((result) => result.position).sort();
  await within(runner.waitForPosition(positions[positions.length - 1]!), 'live events');
  const liveBatches = batches.slice(5);
  assert.is(
    liveBatches.reduce((sum, batch) => sum + batch.events, 0),
    200,
  );
  assert.ok(liveBatches.length <= 4, `live events arriving together are committed together (${liveBatches.length} batches)`);
  assert.equal(readCounts(stores.readStore.db, NAME, 1), await countsFromLog(stores.eventStore, 'head'));
});

test('a graceful stop in the middle of catching up commits the batch in hand, and a restart resumes exactly', async () => {
  const head = await appendTestEvents(stores.eventStore, 3000);
  let runner: ProjectionRunner | undefined;
  runner = run({
    batchSize: 100,
    onBatch: (batch) => {
      if (batch.index === 3) void runner!.stop('test');
    },
  });
  const stopped = await within(runner.done, 'the stop');
  assert.is(stopped.state, 'stopped');
  assert.is(stopped.reason, 'test');
  assert.is(stopped.eventsApplied, 300);
  const checkpoint = readCheckpoint(stores.readStore.db, NAME, 1);
  assert.is(checkpoint, stopped.position);
  assert.equal(readCounts(stores.readStore.db, NAME, 1), await countsFromLog(stores.eventStore, checkpoint));
  const registry = registryFor(stores.readStore);
  assert.is(await registry.leaseHolder(NAME, 1, Date.now()), undefined, 'the lease is released');

  const again = run({ batchSize: 100 });
  await within(again.waitForPosition(head), 'the restart to catch up');
  assert.is(again.snapshot().eventsApplied, 2700);
  assert.equal(readCounts(stores.readStore.db, NAME, 1), await countsFromLog(stores.eventStore, 'head'));
});

test('an event the projection cannot handle: failed at its position, nothing of its batch committed, nothing after it applied', async () => {
  const runner = run({ batchSize: 50 });
  const first = await appendTestEvents(stores.eventStore, 10);
  await within(runner.waitForPosition(first), 'the first events');
  await within(runner.waitFor((s) => s.state === 'live'), 'live');
  const before = readCounts(stores.readStore.db, NAME, 1);

  // One append: five good events, the poison, five more, all delivered in one live batch.
  const good = () => ({ id: randomUUID(), type: 'Viewed', data: { n: 1 } });
  const poisonId = randomUUID();
  const result = await stores.eventStore.append('test-poison', [good(), good(), good(), good(), good(), { id: poisonId, type: 'Poison', data: {} }, good(), good(), good(), good(), good()]);
  const events = [];
  for await (const event of stores.eventStore.readStream('test-poison')) events.push(event);
  const poison = events.find((event) => event.id === poisonId)!;
  assert.is(result.position, events[events.length - 1]!.position);

  const failed = await within(runner.done, 'the failure');
  assert.is(failed.state, 'failed');
  assert.is(failed.error?.position, poison.position);
  assert.is(failed.error?.eventId, poisonId);
  assert.is(failed.error?.eventType, 'Poison');
  assert.match(failed.error?.message ?? '', /poison event/);
  assert.is(failed.position, first, 'the checkpoint stays before the failed batch');
  assert.is(readCheckpoint(stores.readStore.db, NAME, 1), first);
  assert.equal(readCounts(stores.readStore.db, NAME, 1), before, 'nothing of the failed batch is in the read model');

  // The failure is saved for other processes, and a restart stops at the same event: no silent skip.
  const [saved] = await registryFor(stores.readStore).listStatus(NAME);
  assert.is(saved?.state, 'failed');
  assert.is(saved?.error?.position, poison.position);
  const again = await within(run().done, 'the restart to fail again');
  assert.is(again.state, 'failed');
  assert.is(again.error?.position, poison.position);
  assert.equal(readCounts(stores.readStore.db, NAME, 1), before);
});

test('lag: position behind the head and append-to-commit latency', async () => {
  await appendTestEvents(stores.eventStore, 400);
  const runner = run({ batchSize: 100, statusSaveMs: 0 });
  await within(runner.waitFor((s) => s.state === 'live'), 'live');
  let last = '';
  for (let i = 0; i < 5; i++) last = await appendTestEvents(stores.eventStore, 20, { seed: i });
  await within(runner.waitForPosition(last), 'live events');
  const status = await runner.status();
  assert.is(status.position, last);
  assert.is(status.headPosition, last);
  assert.is(status.eventsBehind, 0);
  assert.is(status.eventsApplied, 500);
  assert.ok(status.batches >= 5);
  assert.ok(status.lastBatch && status.lastBatch.events > 0 && status.lastBatch.ms >= 0);
  const latency = status.latencyMs!;
  assert.is(latency.samples, 500);
  assert.ok(latency.p50 >= 0 && latency.p50 <= latency.p95, `p50 ${latency.p50} <= p95 ${latency.p95}`);
  assert.ok(latency.p95 < 10_000, `p95 ${latency.p95} ms is plausible`);
  assert.ok((status.eventsPerSecond ?? 0) > 0);
  // Saved for other processes (statusSaveMs 0: every change is saved).
  const [saved] = await registryFor(stores.readStore).listStatus(NAME);
  assert.is(saved?.state, 'live');
  assert.is(saved?.position, last);
  assert.is(saved?.latencyMs?.samples, 500);

  // Stopped, then 30 more events: another process sees it 30 behind, and not running.
  await runner.stop();
  const head = await appendTestEvents(stores.eventStore, 30, { seed: 9 });
  const [overview] = await projectionsOverview({ projections: [createCountProjection()], eventStore: stores.eventStore, readStore: stores.readStore });
  assert.is(overview?.name, NAME);
  assert.is(overview?.codeVersion, 1);
  const version = overview?.versions[0];
  assert.is(version?.state, 'stopped');
  assert.is(version?.running, false);
  assert.is(version?.position, last);
  assert.is(version?.headPosition, head);
  assert.is(version?.eventsBehind, 30);
});

test('a subscription that breaks is resumed from the checkpoint, without loss or double count', async () => {
  const head = await appendTestEvents(stores.eventStore, 1500);
  // The real store, with its first subscription breaking after 450 messages (a dropped connection).
  let subscriptions = 0;
  const flaky: EventStore = {
    ...stores.eventStore,
    headPosition: () => stores.eventStore.headPosition(),
    readAll: (options) => stores.eventStore.readAll(options),
    subscribeToAll(options) {
      const inner = stores.eventStore.subscribeToAll(options);
      if ((subscriptions += 1) > 1) return inner;
      return {
        close: () => inner.close(),
        async *[Symbol.asyncIterator]() {
          let delivered = 0;
          for await (const message of inner) {
            if ((delivered += 1) > 450) throw new Error('connection reset');
            yield message;
          }
        },
      };
    },
  };
  const runner = startProjection({ projection: createCountProjection(), eventStore: flaky, readStore: stores.readStore, logger: silentLogger(), batchSize: 100, retryBaseMs: 5 });
  runners.push(runner);
  await within(runner.waitForPosition(head), 'the resubscribed runner to catch up');
  assert.is(subscriptions, 2);
  assert.is(runner.snapshot().eventsApplied, 1500);
  assert.equal(readCounts(stores.readStore.db, NAME, 1), await countsFromLog(stores.eventStore, 'head'));
});

test.run();
