// Test support (not used in production): suites that pin the MongoDB read store's
// behaviour, run on the mingo executor in `npm test` and on a real server by
// `npm run test:mongo`. The registry suite also runs on the embedded store: both
// registries must answer alike.
import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../platform/logger.ts';
import type { RecordedEvent } from '../../storage/eventstore/port.ts';
import type { MongoReadStore, ReadStore } from '../../storage/readstore/port.ts';
import { CheckpointConflictError } from '../checkpoints-embedded.ts';
import { registryFor } from '../registry.ts';
import { replayProjection } from '../replay.ts';
import { startProjection, type ProjectionRunner } from '../runner.ts';
import type { ProjectionStatus } from '../status.ts';
import { countsFromLog } from '../test/count-projection.ts';
import { appendTestEvents, within, openStores, type Stores } from '../test/helpers.ts';
import { dropCheckpoint, ensureCheckpointCollection, readCheckpoint, writeCheckpoint } from './checkpoints.ts';
import { createMongoCountProjection, readMongoCounts, type MongoCountHooks } from './count-projection.ts';

export interface OpenedStore<S extends ReadStore = ReadStore> {
  store: S;
  /** Another store object on the same data, as a second process would have. */
  reopen(): Promise<S>;
  close(): Promise<void>;
}

const logger = silentLogger();
const NAME = 'test-counts';

async function rejection(run: () => Promise<unknown>): Promise<unknown> {
  return run().then(
    () => assert.unreachable('expected a rejection'),
    (e: unknown) => e,
  );
}

const status = (name: string, version: number, extra: Partial<ProjectionStatus> = {}): ProjectionStatus => ({
  name,
  version,
  role: 'live',
  state: 'live',
  owner: 'host:1:abc',
  eventsApplied: 10,
  batches: 2,
  startedAt: 1000,
  updatedAt: 2000,
  ...extra,
});

export function defineRegistryBehaviour(adapterName: string, open: () => Promise<OpenedStore>): void {
  const test = suite(`projection registry (${adapterName})`);
  let opened: OpenedStore;
  test.before.each(async () => {
    opened = await open();
  });
  test.after.each(() => opened.close());

  test('a lease: free → taken; held → refused; ours → extended; expired → taken over; renew and release only by the holder', async () => {
    const r = registryFor(opened.store);
    assert.is(await r.leaseHolder('p', 1, 0), undefined);
    assert.ok(await r.tryAcquireLease('p', 1, 'a', 1000, 500));
    assert.not.ok(await r.tryAcquireLease('p', 1, 'b', 1100, 500), 'held by a');
    assert.ok(await r.tryAcquireLease('p', 2, 'b', 1100, 500), 'another version is another lease');
    assert.equal(await r.leaseHolder('p', 1, 1200), { owner: 'a', expiresAt: 1500 });
    assert.ok(await r.tryAcquireLease('p', 1, 'a', 1300, 500), 'ours: extended');
    assert.equal(await r.leaseHolder('p', 1, 1300), { owner: 'a', expiresAt: 1800 });
    assert.not.ok(await r.tryAcquireLease('p', 1, 'b', 1799, 500));
    assert.ok(await r.tryAcquireLease('p', 1, 'b', 1800, 500), 'expired: taken over');
    assert.not.ok(await r.renewLease('p', 1, 'a', 1900, 500), 'a lost it');
    assert.ok(await r.renewLease('p', 1, 'b', 1900, 500));
    assert.equal(await r.leaseHolder('p', 1, 2000), { owner: 'b', expiresAt: 2400 });
    assert.is(await r.leaseHolder('p', 1, 2400), undefined, 'expired leases have no holder');
    await r.releaseLease('p', 1, 'a');
    assert.equal(await r.leaseHolder('p', 1, 2000), { owner: 'b', expiresAt: 2400 }, 'only the holder releases');
    await r.releaseLease('p', 1, 'b');
    assert.is(await r.leaseHolder('p', 1, 2000), undefined);
    assert.ok(await r.tryAcquireLease('p', 1, 'c', 2000, 500), 'free again');
  });

  test('a lease is taken by one of many contenders at once, also from other store objects', async () => {
    const stores = [opened.store, await opened.reopen(), await opened.reopen()];
    const results = await Promise.all(stores.flatMap((store, i) => [0, 1, 2].map((j) => registryFor(store).tryAcquireLease('race', 1, `o${i}${j}`, 5000, 1000))));
    assert.is(results.filter(Boolean).length, 1);
  });

  test('the active version moves only from the expected one', async () => {
    const r = registryFor(opened.store);
    assert.is(await r.activeVersion('p'), undefined);
    assert.not.ok(await r.setActiveVersion('p', 2, 1), 'nothing active yet');
    assert.ok(await r.setActiveVersion('p', 1, undefined));
    assert.not.ok(await r.setActiveVersion('p', 5, undefined), 'the first activation happens once');
    assert.is(await r.activeVersion('p'), 1);
    assert.ok(await r.setActiveVersion('p', 2, 1));
    assert.not.ok(await r.setActiveVersion('p', 3, 1), 'someone else moved it');
    assert.is(await r.activeVersion('p'), 2);
    assert.is(await r.activeVersion('q'), undefined);
  });

  test('versions, names and statuses: recorded, listed in order, forgotten together', async () => {
    const r = registryFor(opened.store);
    await r.recordVersion('p', 3, 1);
    await r.recordVersion('p', 1, 2);
    await r.recordVersion('p', 3, 3);
    await r.recordVersion('b', 1, 4);
    await r.setActiveVersion('a', 1, undefined);
    assert.equal(await r.knownVersions('p'), [1, 3]);
    assert.equal(await r.knownNames(), ['a', 'b', 'p']);
    const withError = status('p', 3, { state: 'failed', error: { message: 'boom', position: '00000000000000000007', eventId: 'e', eventType: 'T' }, latencyMs: { last: 1, p50: 2, p95: 3, samples: 4 } });
    await r.saveStatus(status('p', 1));
    await r.saveStatus(status('p', 3));
    await r.saveStatus(withError);
    await r.saveStatus(status('b', 1, { reason: 'stopped' }));
    assert.equal(await r.listStatus('p'), [status('p', 1), withError]);
    assert.equal(
      (await r.listStatus()).map((s) => [s.name, s.version]),
      [
        ['b', 1],
        ['p', 1],
        ['p', 3],
      ],
    );
    await r.forgetVersion('p', 3);
    assert.equal(await r.knownVersions('p'), [1]);
    assert.equal(await r.listStatus('p'), [status('p', 1)]);
  });

  test.run();
}

export function defineCheckpointBehaviour(adapterName: string, open: () => Promise<OpenedStore<MongoReadStore>>): void {
  const test = suite(`projection checkpoints on MongoDB (${adapterName})`);
  let opened: OpenedStore<MongoReadStore>;
  test.before.each(async () => {
    opened = await open();
  });
  test.after.each(() => opened.close());

  test('a checkpoint commits with the writes of its transaction and only moves forward', async () => {
    const { store } = opened;
    const db = store.db;
    const p = (n: number) => String(n).padStart(20, '0');
    const commit = (position: string, n: number) =>
      store.withTransaction(async (session) => {
        await db.collection('cp_test_rows').updateOne({ _id: 'row' }, { $inc: { n } }, { session, upsert: true });
        await writeCheckpoint(db, 'cp', 1, position, 1, session);
      });
    await ensureCheckpointCollection(db);
    await db.collection('cp_test_rows').createIndex({ n: 1 });
    assert.is(await readCheckpoint(db, 'cp', 1), undefined);
    await commit(p(5), 1);
    await commit(p(9), 1);
    for (const [position, expected] of [
      [p(9), p(9)],
      [p(7), p(9)],
    ] as const) {
      const error = await rejection(() => commit(position, 100));
      assert.instance(error, CheckpointConflictError);
      assert.is((error as CheckpointConflictError).stored, expected);
    }
    assert.equal(await db.collection('cp_test_rows').find({}).toArray(), [{ _id: 'row', n: 2 }], 'the refused transactions left nothing');
    assert.is(await readCheckpoint(db, 'cp', 1), p(9));
    assert.is(await readCheckpoint(db, 'cp', 2), undefined, 'each version has its own');
    await dropCheckpoint(db, 'cp', 1);
    assert.is(await readCheckpoint(db, 'cp', 1), undefined);
    await db.collection('cp_test_rows').drop();
  });

  test.run();
}

export function defineRunnerBehaviour(adapterName: string, open: () => Promise<OpenedStore<MongoReadStore>>): void {
  const test = suite(`projection runner on MongoDB (${adapterName})`);
  let opened: OpenedStore<MongoReadStore>;
  let events: Stores;
  let runners: ProjectionRunner[];
  test.before.each(async () => {
    opened = await open();
    events = openStores();
    runners = [];
  });
  test.after.each(async () => {
    for (const runner of runners) await runner.stop();
    await events.close();
    await opened.close();
  });

  const run = (options: { store?: MongoReadStore; owner?: string; hooks?: MongoCountHooks; now?: () => number; leaseMs?: number; version?: number } = {}): ProjectionRunner => {
    const runner = startProjection({
      projection: createMongoCountProjection({ ...(options.hooks ? { hooks: options.hooks } : {}), ...(options.version ? { version: options.version } : {}) }),
      eventStore: events.eventStore,
      readStore: options.store ?? opened.store,
      logger,
      batchSize: 100,
      leaseRetryMs: 10,
      ...(options.owner ? { owner: options.owner } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
    });
    runners.push(runner);
    return runner;
  };
  const counts = (version = 1) => readMongoCounts(opened.store.db, NAME, version);

  test('exactly once: failures inside the transaction leave nothing of their batch; each restart resumes from the checkpoint', async () => {
    const head = await appendTestEvents(events.eventStore, 1500, { streams: 30 });
    // A failure after the batch's first writes, inside its transaction, at these batches of successive runs.
    for (const failAt of [4, 1, 3]) {
      const runner = run({
        hooks: {
          midTransaction(batch) {
            if (batch === failAt) throw new Error(`injected failure in batch ${batch}`);
          },
        },
      });
      const final = await within(runner.done, 'the runner to fail');
      assert.is(final.state, 'failed');
      assert.match(final.error?.message ?? '', `injected failure in batch ${failAt}`);
      const checkpoint = await readCheckpoint(opened.store.db, NAME, 1);
      assert.is(final.position, checkpoint);
      assert.equal(await counts(), await countsFromLog(events.eventStore, checkpoint), `after the failure in batch ${failAt}: exactly the committed events`);
    }
    const last = run();
    await within(last.waitForPosition(head), 'the last runner to catch up');
    assert.equal(await counts(), await countsFromLog(events.eventStore, 'head'));
    const more = await appendTestEvents(events.eventStore, 250, { seed: 7 });
    await within(last.waitForPosition(more), 'live events');
    assert.equal(await counts(), await countsFromLog(events.eventStore, 'head'));
  });

  test('a poison event stops the runner with its position; nothing of its batch is kept', async () => {
    await appendTestEvents(events.eventStore, 230);
    const poison = await events.eventStore.append('test-poison', [{ id: randomUUID(), type: 'Poison', data: { n: 1 } }]);
    await appendTestEvents(events.eventStore, 50, { seed: 9 });
    const final = await within(run().done, 'the runner to fail');
    assert.is(final.state, 'failed');
    assert.is(final.error?.position, poison.position);
    assert.is(final.error?.eventType, 'Poison');
    const checkpoint = await readCheckpoint(opened.store.db, NAME, 1);
    assert.ok(checkpoint !== undefined && checkpoint < poison.position);
    assert.equal(await counts(), await countsFromLog(events.eventStore, checkpoint));
    const saved = await registryFor(opened.store).listStatus(NAME);
    assert.is(saved[0]?.error?.position, poison.position, 'the failure is in the saved status');
  });

  test('one writer: a second runner (another store object) waits, and takes over when the first stops', async () => {
    const a = run({ owner: 'a' });
    await within(a.waitFor((s) => s.state === 'live'), 'a live');
    const b = run({ owner: 'b', store: await opened.reopen() });
    const waiting = await within(b.waitFor((s) => s.state === 'waiting'), 'b waiting');
    assert.is(waiting.leaseHolder, 'a');
    const head = await appendTestEvents(events.eventStore, 600);
    await within(a.waitForPosition(head), 'a to project');
    assert.is(b.snapshot().eventsApplied, 0);
    await a.stop();
    await within(b.waitFor((s) => s.state === 'live'), 'b to take over');
    const more = await appendTestEvents(events.eventStore, 200, { seed: 5 });
    await within(b.waitForPosition(more), 'b to project');
    assert.is(b.snapshot().eventsApplied, 200, 'b resumed from the checkpoint a left');
    assert.equal(await counts(), await countsFromLog(events.eventStore, 'head'));
  });

  test('an expired lease is taken over, and the runner that lost it commits nothing more', async () => {
    const start = Date.now();
    let clockB = start;
    const a = run({ owner: 'a', now: () => start, leaseMs: 1000 });
    await within(a.waitFor((s) => s.state === 'live'), 'a live');
    const b = run({ owner: 'b', store: await opened.reopen(), now: () => clockB, leaseMs: 1000 });
    await within(b.waitFor((s) => s.state === 'waiting'), 'b waiting');
    const head = await appendTestEvents(events.eventStore, 300);
    await within(a.waitForPosition(head), 'a to project');
    clockB = start + 1001;
    await within(b.waitFor((s) => s.state === 'live'), 'b to take over');
    const appliedByA = a.snapshot().eventsApplied;
    const more = await appendTestEvents(events.eventStore, 300, { seed: 3 });
    await within(b.waitForPosition(more), 'b to project');
    const lost = await within(a.waitFor((s) => s.state === 'waiting'), 'a to notice');
    assert.is(lost.leaseHolder, 'b');
    assert.is(a.snapshot().eventsApplied, appliedByA);
    assert.equal(await counts(), await countsFromLog(events.eventStore, 'head'));
  });

  test('two sinks of one version: the one whose checkpoint moved under it is refused and counts nothing twice', async () => {
    const projection = createMongoCountProjection();
    const first = await projection.openSink(opened.store, 1, logger);
    const second = await projection.openSink(await opened.reopen(), 1, logger);
    await appendTestEvents(events.eventStore, 40);
    const log: RecordedEvent[] = [];
    for await (const event of events.eventStore.readAll()) log.push(event);
    await first.applyBatch(log.slice(0, 30), log[29]!.position);
    const error = await rejection(() => second.applyBatch(log.slice(0, 20), log[19]!.position));
    assert.instance(error, CheckpointConflictError);
    await second.applyBatch(log.slice(30), log[39]!.position);
    assert.equal(await counts(), await countsFromLog(events.eventStore, 'head'));
  });

  test('blue/green replay on MongoDB: version 2 is built beside version 1, reads switch, version 1 is dropped', async () => {
    const head = await appendTestEvents(events.eventStore, 800);
    const registry = registryFor(opened.store);
    assert.ok(await registry.setActiveVersion(NAME, 1, undefined));
    const v1 = run({ leaseMs: 300 });
    await within(v1.waitForPosition(head), 'version 1');
    const result = await within(
      replayProjection({ projection: createMongoCountProjection({ version: 2 }), eventStore: events.eventStore, readStore: opened.store, logger, batchSize: 150, leaseMs: 300 }),
      'the replay',
    );
    assert.is(result.outcome, 'switched');
    assert.ok(result.droppedPrevious);
    assert.is(await registry.activeVersion(NAME), 2);
    assert.equal(await registry.knownVersions(NAME), [2]);
    assert.equal(await counts(2), await countsFromLog(events.eventStore, 'head'));
    assert.equal(await counts(1), { streams: {}, types: {} }, 'version 1 dropped');
    assert.is(await readCheckpoint(opened.store.db, NAME, 1), undefined);
  });

  test.run();
}
