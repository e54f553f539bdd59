// One writer per projection version: a second runner, in the same process or another,
// waits and never writes; it takes over when the first releases its lease (stop) or
// when the lease expires (clocks passed in), and a runner whose lease was taken over
// commits nothing more.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../platform/logger.ts';
import { registryFor } from '../registry.ts';
import { startProjection, type ProjectionRunner } from '../runner.ts';
import { countsFromLog, createCountProjection, readCounts } from './count-projection.ts';
import { appendTestEvents, within, openStores, spawnChild, type Stores } from './helpers.ts';

const test = suite('projection lease');
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

/** A runner on its own connection to the read models file, as a second process would have. */
function run(owner: string, now: () => number = Date.now, leaseMs = 60_000): ProjectionRunner {
  const runner = startProjection({
    projection: createCountProjection(),
    eventStore: stores.eventStore,
    readStore: stores.openReadStore(),
    logger: silentLogger(),
    owner,
    now,
    leaseMs,
    leaseRetryMs: 10,
    batchSize: 100,
  });
  runners.push(runner);
  return runner;
}

test('two runners in one process: one writes, the other waits, and takes over when the first stops', async () => {
  const a = run('a');
  await within(a.waitFor((s) => s.state === 'live'), 'a live');
  const b = run('b');
  const waiting = await within(b.waitFor((s) => s.state === 'waiting'), 'b waiting');
  assert.is(waiting.leaseHolder, 'a');
  const head = await appendTestEvents(stores.eventStore, 1000);
  await within(a.waitForPosition(head), 'a to project');
  assert.is(b.snapshot().eventsApplied, 0);
  assert.is(b.snapshot().state, 'waiting');

  await a.stop();
  await within(b.waitFor((s) => s.state === 'live'), 'b to take over');
  const more = await appendTestEvents(stores.eventStore, 300, { seed: 5 });
  await within(b.waitForPosition(more), 'b to project');
  assert.is(b.snapshot().eventsApplied, 300, 'b resumed from the checkpoint a left');
  assert.equal(readCounts(stores.readStore.db, NAME, 1), await countsFromLog(stores.eventStore, 'head'));
});

test('an expired lease is taken over, and the runner that lost it commits nothing more', async () => {
  const start = Date.now();
  let clockB = start;
  const a = run('a', () => start, 1000); // a's clock stands still: it never notices its lease running out
  await within(a.waitFor((s) => s.state === 'live'), 'a live');
  const b = run('b', () => clockB, 1000);
  await within(b.waitFor((s) => s.state === 'waiting'), 'b waiting');
  const head = await appendTestEvents(stores.eventStore, 500);
  await within(a.waitForPosition(head), 'a to project');

  clockB = start + 1001; // past a's lease expiry, by b's clock
  await within(b.waitFor((s) => s.state === 'live'), 'b to take over the expired lease');
  const appliedByA = a.snapshot().eventsApplied;
  const more = await appendTestEvents(stores.eventStore, 400, { seed: 3 });
  await within(b.waitForPosition(more), 'b to project');
  // a saw the same events, but its commit-time renewal failed: it went back to waiting.
  const lost = await within(a.waitFor((s) => s.state === 'waiting'), 'a to notice');
  assert.is(lost.leaseHolder, 'b');
  assert.is(a.snapshot().eventsApplied, appliedByA);
  assert.is(b.snapshot().eventsApplied, 400);
  assert.equal(readCounts(stores.readStore.db, NAME, 1), await countsFromLog(stores.eventStore, 'head'));
});

test('two processes: the second waits while the first runs, and takes over once the killed first one’s lease expires', async () => {
  const child = spawnChild(stores.dir, { WEBALYTIC_TEST_MODE: 'serve', WEBALYTIC_TEST_LEASE_MS: '60000' });
  const started = await child.line((line) => line.type === 'started', 'the child to start');
  await child.line((line) => line.type === 'live', 'the child to be live');
  let offset = 0;
  const b = run('parent', () => Date.now() + offset, 60_000);
  const waiting = await within(b.waitFor((s) => s.state === 'waiting'), 'the parent runner to wait');
  assert.is(waiting.leaseHolder, started.owner);

  const head = await appendTestEvents(stores.eventStore, 800);
  await child.line((line) => line.type === 'committed' && line.position === head, 'the child to project');
  assert.is(b.snapshot().eventsApplied, 0, 'the waiting runner never writes');
  assert.equal(readCounts(stores.readStore.db, NAME, 1), await countsFromLog(stores.eventStore, 'head'));

  child.process.kill('SIGKILL');
  await within(child.exit, 'the child to die');
  const registry = registryFor(stores.readStore);
  assert.is((await registry.leaseHolder(NAME, 1, Date.now()))?.owner, started.owner, 'a dead holder keeps its lease until it expires');

  offset = 61_000;
  await within(b.waitFor((s) => s.state === 'live'), 'the parent to take over');
  const more = await appendTestEvents(stores.eventStore, 200, { seed: 2 });
  await within(b.waitForPosition(more), 'the parent to project');
  assert.is(b.snapshot().eventsApplied, 200);
  assert.equal(readCounts(stores.readStore.db, NAME, 1), await countsFromLog(stores.eventStore, 'head'));
});

test.run();
