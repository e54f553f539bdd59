// Exactly-once under injected crashes: a child process runs the runner and SIGKILLs itself
// at a chosen point of a chosen batch; the read model left on disk must equal the log up
// to its checkpoint, and after a restart (taking over the dead child's lease once it has
// expired) it must equal the whole log: nothing lost, nothing counted twice.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../platform/logger.ts';
import { readCheckpoint } from '../checkpoints-embedded.ts';
import { registryFor } from '../registry.ts';
import { startProjection } from '../runner.ts';
import { countsFromLog, createCountProjection, readCounts } from './count-projection.ts';
import { appendTestEvents, within, openStores, spawnChild, tempDir } from './helpers.ts';

const test = suite('projection runner: exactly once under crashes');
const BATCH = 100;
const NAME = 'test-counts';

/** Position of the `n`-th (1-based) test event of the log. */
async function positionOfEvent(stores: ReturnType<typeof openStores>, n: number): Promise<string> {
  let seen = 0;
  for await (const event of stores.eventStore.readAll({ filter: { streamPrefixes: ['test-'] } })) {
    seen += 1;
    if (seen === n) return event.position;
  }
  throw new Error(`the log has fewer than ${n} test events`);
}

async function crashAt(dir: string, point: string, expectedBatchesCommitted: number, stores: ReturnType<typeof openStores>): Promise<void> {
  const child = spawnChild(dir, { WEBALYTIC_TEST_CRASH: point, WEBALYTIC_TEST_BATCH: String(BATCH)});
  const crashed = await child.line((line) => line.type === 'crash', `the crash at ${point}`);
  assert.is(crashed.point, point.split('@')[0]);
  const ended = await within(child.exit, 'the child to die');
  assert.is(ended.signal, 'SIGKILL', `the child was killed, not ended: ${ended.stderr}`);
  // At rest after the crash: exactly the committed batches, and the read model matches them.
  const checkpoint = readCheckpoint(stores.readStore.db, NAME, 1);
  const expectedPosition = expectedBatchesCommitted === 0 ? undefined : await positionOfEvent(stores, expectedBatchesCommitted * BATCH);
  assert.is(checkpoint, expectedPosition, `checkpoint after a crash at ${point}`);
  assert.equal(readCounts(stores.readStore.db, NAME, 1), await countsFromLog(stores.eventStore, checkpoint), `read model at rest after ${point}`);
}

/** Restarts normally, taking over the dead child's lease (a clock past its expiry), until caught up. */
async function restartInProcess(stores: ReturnType<typeof openStores>): Promise<void> {
  const head = await stores.eventStore.headPosition();
  const runner = startProjection({
    projection: createCountProjection(),
    eventStore: stores.eventStore,
    readStore: stores.readStore,
    logger: silentLogger(),
    batchSize: BATCH,
    now: () => Date.now() + 120_000,
  });
  await within(runner.waitForPosition(head!), 'the restarted runner to catch up');
  await runner.stop();
}

const scenarios: { name: string; crashes: { point: string; committed: number }[] }[] = [
  { name: 'between the writes (and checkpoint) and COMMIT', crashes: [{ point: 'before-commit@3', committed: 2 }] },
  { name: 'in the middle of a batch', crashes: [{ point: 'mid-batch@2', committed: 1 }] },
  { name: 'right after a commit', crashes: [{ point: 'after-commit@4', committed: 4 }] },
  { name: 'in the very first batch', crashes: [{ point: 'before-commit@1', committed: 0 }] },
];

for (const scenario of scenarios) {
  test(`a crash ${scenario.name} loses nothing and counts nothing twice`, async () => {
    const dir = tempDir();
    const stores = openStores(dir);
    try {
      await appendTestEvents(stores.eventStore, 1000, { streams: 25 });
      for (const crash of scenario.crashes) await crashAt(dir, crash.point, crash.committed, stores);
      // More events arrive while it is down.
      await appendTestEvents(stores.eventStore, 250, { streams: 25, seed: 7 });
      await restartInProcess(stores);
      assert.equal(readCounts(stores.readStore.db, NAME, 1), await countsFromLog(stores.eventStore, 'head'), 'read model equals the log');
    } finally {
      await stores.close();
    }
  });
}

test('repeated crashes at different points, then a restart in a fresh process, end exact', async () => {
  const dir = tempDir();
  const stores = openStores(dir);
  try {
    await appendTestEvents(stores.eventStore, 1000, { streams: 25 });
    // Each child takes over the previous, dead child's lease: its clock runs past the expiry.
    const spawnAt = (point: string, offsetMinutes: number) =>
      spawnChild(dir, { WEBALYTIC_TEST_CRASH: point, WEBALYTIC_TEST_BATCH: String(BATCH), WEBALYTIC_TEST_CLOCK_OFFSET_MS: String(offsetMinutes * 60_000) });
    const first = spawnAt('after-commit@2', 0);
    await first.line((line) => line.type === 'crash', 'the first crash');
    await within(first.exit, 'the first child to die');
    const second = spawnAt('before-commit@3', 2);
    await second.line((line) => line.type === 'crash', 'the second crash');
    await within(second.exit, 'the second child to die');
    // The second child resumed after batch 2 and committed two more batches before dying in its third.
    assert.is(readCheckpoint(stores.readStore.db, NAME, 1), await positionOfEvent(stores, 4 * BATCH));
    await appendTestEvents(stores.eventStore, 300, { streams: 25, seed: 3 });
    const last = spawnAt('', 4);
    const done = await last.line((line) => line.type === 'done', 'the last child to catch up');
    assert.is(done.position, await stores.eventStore.headPosition());
    assert.is((await within(last.exit, 'the last child to exit')).code, 0);
    assert.equal(readCounts(stores.readStore.db, NAME, 1), await countsFromLog(stores.eventStore, 'head'));
    // It stopped cleanly: the lease is free and its saved status says so.
    assert.is(await registryFor(stores.readStore).leaseHolder(NAME, 1, Date.now() + 4 * 60_000), undefined);
    const [saved] = await registryFor(stores.readStore).listStatus(NAME);
    assert.is(saved?.state, 'stopped');
    assert.is(saved?.position, done.position);
  } finally {
    await stores.close();
  }
});

test.run();
