// Blue/green replay: the new version is built from the log while the active one keeps
// serving; reads switch atomically only once it has caught up; the result equals the live
// read model; an interrupted replay leaves the serving version untouched and resumes later.
import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../platform/logger.ts';
import { readCheckpoint } from '../checkpoints-embedded.ts';
import { startProjections } from '../index.ts';
import { registryFor } from '../registry.ts';
import { replayProjection, type ReplayProgress } from '../replay.ts';
import { startProjection, type ProjectionRunner } from '../runner.ts';
import { countsFromLog, createCountProjection, readCounts, tablesOf } from './count-projection.ts';
import { appendTestEvents, within, openStores, type Stores } from './helpers.ts';

const test = suite('projection replay');
const NAME = 'test-counts';
const logger = silentLogger();
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

/** Version 1 live and active, caught up with `count` events. */
async function serveVersion1(count: number): Promise<ProjectionRunner> {
  const head = await appendTestEvents(stores.eventStore, count, { streams: 40 });
  const registry = registryFor(stores.readStore);
  assert.ok(await registry.setActiveVersion(NAME, 1, undefined));
  const runner = startProjection({
    projection: createCountProjection({ version: 1 }),
    eventStore: stores.eventStore,
    readStore: stores.readStore,
    logger,
    leaseMs: 300, // the superseded runner notices the switch within 100 ms
  });
  runners.push(runner);
  await within(runner.waitForPosition(head), 'version 1 to catch up');
  return runner;
}

const replayV2 = (options: Partial<Parameters<typeof replayProjection>[0]> = {}) =>
  replayProjection({
    projection: createCountProjection({ version: 2 }),
    eventStore: stores.eventStore,
    readStore: stores.readStore,
    logger,
    batchSize: 200,
    progressMs: 0,
    leaseMs: 300,
    ...options,
  });

test('the replayed version equals the live one; reads switch only once it caught up, while the old one kept serving', async () => {
  const v1 = await serveVersion1(4000);
  const registry = registryFor(stores.readStore);
  const progress: ReplayProgress[] = [];
  const activeDuringBuild: Promise<number | undefined>[] = [];
  const v1Batches = v1.snapshot().batches;
  const appended: Promise<string>[] = [];
  const result = await within(
    replayV2({
      dropPrevious: false,
      onProgress: (p) => {
        progress.push(p);
        if (p.state === 'catching-up') activeDuringBuild.push(registry.activeVersion(NAME));
        // Traffic goes on during the replay: the live version takes it, the replay includes it.
        if (progress.length === 2) appended.push(appendTestEvents(stores.eventStore, 300, { seed: 4 }));
      },
    }),
    'the replay',
  );
  const v1BatchesDuringReplay = v1.snapshot().batches - v1Batches;
  assert.is(result.outcome, 'switched');
  assert.is(result.previousVersion, 1);
  assert.is(result.droppedPrevious, false);
  assert.ok(result.eventsApplied >= 4000);
  for (const active of await Promise.all(activeDuringBuild)) assert.is(active, 1, 'reads stay on version 1 while version 2 is built');
  assert.ok(activeDuringBuild.length >= 10, `progress was reported along the way (${activeDuringBuild.length} times)`);
  assert.is(await registry.activeVersion(NAME), 2);
  await Promise.all(appended);
  assert.ok(v1BatchesDuringReplay > 0, 'version 1 kept projecting while version 2 was built');

  // Progress figures are coherent: done grows to the total, with a rate and an ETA on the way.
  const last = progress[progress.length - 1]!;
  assert.is(last.unit, 'events');
  assert.is(last.done, last.total);
  assert.is(last.position, readCheckpoint(stores.readStore.db, NAME, 2));
  assert.ok(progress.some((p) => p.etaSeconds !== undefined && p.etaSeconds > 0 && p.done < p.total));
  assert.ok(last.eventsPerSecond > 0);
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.done >= progress[i - 1]!.done);

  // The superseded live runner stops by itself; both read models then equal the log.
  const stopped = await within(v1.done, 'version 1 to step down');
  assert.is(stopped.reason, 'superseded: version 2 is active');
  const v2Position = readCheckpoint(stores.readStore.db, NAME, 2)!;
  assert.equal(readCounts(stores.readStore.db, NAME, 2), await countsFromLog(stores.eventStore, v2Position));
  assert.equal(readCounts(stores.readStore.db, NAME, 1), await countsFromLog(stores.eventStore, stopped.position));
  if (stopped.position === v2Position) assert.equal(readCounts(stores.readStore.db, NAME, 2), readCounts(stores.readStore.db, NAME, 1));

  // Version 2 resumes live from its checkpoint on the next start.
  const v2 = startProjection({ projection: createCountProjection({ version: 2 }), eventStore: stores.eventStore, readStore: stores.readStore, logger });
  runners.push(v2);
  await within(v2.waitForPosition((await stores.eventStore.headPosition())!), 'version 2 live');
  assert.equal(readCounts(stores.readStore.db, NAME, 2), await countsFromLog(stores.eventStore, 'head'));
  assert.equal(readCounts(stores.readStore.db, NAME, 1), readCounts(stores.readStore.db, NAME, 2), 'replayed equals live');
});

test('an interrupted replay leaves the serving version untouched; the next one resumes, switches and drops the old version', async () => {
  const v1 = await serveVersion1(5000);
  const registry = registryFor(stores.readStore);
  const before = readCounts(stores.readStore.db, NAME, 1);
  const controller = new AbortController();
  const interrupted = await within(
    replayV2({
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done > 0) controller.abort();
      },
    }),
    'the interrupted replay',
  );
  assert.is(interrupted.outcome, 'interrupted');
  assert.is(await registry.activeVersion(NAME), 1);
  assert.equal(readCounts(stores.readStore.db, NAME, 1), before, 'the serving version is untouched');
  const partial = readCheckpoint(stores.readStore.db, NAME, 2)!;
  assert.ok(partial < (await stores.eventStore.headPosition())!, 'version 2 stopped part way');
  assert.equal(readCounts(stores.readStore.db, NAME, 2), await countsFromLog(stores.eventStore, partial), 'what it built is exact');
  assert.equal(await registry.knownVersions(NAME), [1, 2]);
  assert.is(v1.snapshot().state, 'live', 'version 1 still serves');

  const resumed = await within(replayV2(), 'the second replay');
  assert.is(resumed.outcome, 'switched');
  assert.is(resumed.droppedPrevious, true);
  assert.is(resumed.eventsApplied, 5000 - interrupted.eventsApplied, 'it resumed from the checkpoint');
  assert.is(await registry.activeVersion(NAME), 2);
  assert.equal(readCounts(stores.readStore.db, NAME, 2), await countsFromLog(stores.eventStore, 'head'));
  // The old version is gone: tables, checkpoint, registry entry; its runner stepped down first.
  assert.is((await v1.done).state, 'stopped');
  assert.equal(tablesOf(stores.readStore.db, NAME, 1), []);
  assert.equal(tablesOf(stores.readStore.db, NAME, 2), ['test_counts_v2_streams', 'test_counts_v2_types']);
  assert.is(readCheckpoint(stores.readStore.db, NAME, 1), undefined);
  assert.equal(await registry.knownVersions(NAME), [2]);
  assert.equal((await registry.listStatus(NAME)).map((s) => s.version), [2]);

  const again = await replayV2();
  assert.is(again.outcome, 'up-to-date');
});

test('a replay with --fresh starts over; a failing replay leaves the active version in place', async () => {
  await serveVersion1(600);
  const registry = registryFor(stores.readStore);
  const controller = new AbortController();
  await replayV2({ signal: controller.signal, onProgress: (p) => p.done > 0 && controller.abort() });
  const fresh = await replayV2({ fresh: true, dropPrevious: false });
  assert.is(fresh.outcome, 'switched');
  assert.is(fresh.eventsApplied, 600, 'built from the start');
  assert.equal(readCounts(stores.readStore.db, NAME, 2), await countsFromLog(stores.eventStore, 'head'));

  await stores.eventStore.append('test-poison', [{ id: randomUUID(), type: 'Poison', data: {} }]);
  const failed = await replayProjection({ projection: createCountProjection({ version: 3 }), eventStore: stores.eventStore, readStore: stores.readStore, logger });
  assert.is(failed.outcome, 'failed');
  assert.is(failed.status?.error?.eventType, 'Poison');
  assert.is(await registry.activeVersion(NAME), 2);
});

test('a replay of a version another process is building waits for it, and ends once that one switched', async () => {
  await serveVersion1(2000);
  // A server on the new code rebuilds version 2 in the background and holds its lease.
  const server = await startProjections({ projections: [createCountProjection({ version: 2 })], eventStore: stores.eventStore, readStore: stores.readStore, logger, leaseMs: 300, owner: 'server' });
  const progress: ReplayProgress[] = [];
  const result = await within(replayV2({ leaseRetryMs: 10, onProgress: (p) => progress.push(p) }), 'the waiting replay');
  assert.is(result.outcome, 'up-to-date');
  assert.is(result.eventsApplied, 0, 'it never wrote');
  assert.ok(progress.some((p) => p.leaseHolder === 'server'));
  assert.is(await registryFor(stores.readStore).activeVersion(NAME), 2);
  await server.stop();
  assert.equal(readCounts(stores.readStore.db, NAME, 2), await countsFromLog(stores.eventStore, 'head'));
});

test('a replay through the reader thread (extracted events) equals the log, goes on live, and stops at a failing event with its position', async () => {
  // The count projection reads `n`, stream and type: an extract keeping only `n` changes nothing.
  const extractModule = new URL(`data:text/javascript,${encodeURIComponent('export const extract = (e) => ({ ...e, data: { n: e.data.n }, metadata: {} });')}`);
  const projection = { ...createCountProjection({ version: 2 }), extractModule };
  await appendTestEvents(stores.eventStore, 3000, { streams: 30 });
  const result = await within(replayV2({ projection, readerThreadMinEvents: 0 }), 'the replay');
  assert.is(result.outcome, 'switched');
  assert.equal(readCounts(stores.readStore.db, NAME, 2), await countsFromLog(stores.eventStore, readCheckpoint(stores.readStore.db, NAME, 2)));

  // A version behind by more than the threshold catches up through the thread, then live events come through the store.
  const runner = startProjection({ projection: { ...projection, version: 3 }, eventStore: stores.eventStore, readStore: stores.readStore, logger, batchSize: 250, readerThreadMinEvents: 1000 });
  runners.push(runner);
  await within(runner.waitFor((s) => s.state === 'live'), 'version 3 live');
  const head = await appendTestEvents(stores.eventStore, 120, { seed: 5 });
  await within(runner.waitForPosition(head), 'version 3 to take the live events');
  assert.equal(readCounts(stores.readStore.db, NAME, 3), await countsFromLog(stores.eventStore, 'head'));
  await runner.stop();

  const poison = await stores.eventStore.append('test-poison', [{ id: randomUUID(), type: 'Poison', data: { n: 1 } }]);
  await appendTestEvents(stores.eventStore, 50, { seed: 6 });
  const failing = startProjection({ projection: { ...projection, version: 4 }, eventStore: stores.eventStore, readStore: stores.readStore, logger, batchSize: 500, readerThreadMinEvents: 0 });
  const failed = await within(failing.done, 'version 4 to fail');
  assert.is(failed.state, 'failed');
  assert.is(failed.error?.position, poison.position);
  assert.is(failed.error?.eventType, 'Poison');
});

test('a reader thread that cannot start (its extract module fails to load): the runner catches up the ordinary way', async () => {
  const extractModule = new URL(`data:text/javascript,${encodeURIComponent("throw new Error('no extract here');")}`);
  const projection = { ...createCountProjection({ version: 5 }), extractModule };
  const head = await appendTestEvents(stores.eventStore, 600);
  const runner = startProjection({ projection, eventStore: stores.eventStore, readStore: stores.readStore, logger, readerThreadMinEvents: 0, retryBaseMs: 10 });
  runners.push(runner);
  await within(runner.waitForPosition(head), 'the runner to catch up without the thread');
  assert.equal(readCounts(stores.readStore.db, NAME, 5), await countsFromLog(stores.eventStore, 'head'));
});

test.run();
