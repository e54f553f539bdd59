// startProjections, as `webalytic start` uses it: the first start makes the code version
// active at once; a start with a changed version rebuilds it in the background while the
// old version keeps answering reads, switches once caught up, and drops the old one.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../platform/logger.ts';
import { startProjections } from '../index.ts';
import { registryFor } from '../registry.ts';
import { countsFromLog, createCountProjection, readCounts, tablesOf } from './count-projection.ts';
import { appendTestEvents, within, openStores, type Stores } from './helpers.ts';

const test = suite('startProjections');
const NAME = 'test-counts';
let stores: Stores;

test.before.each(() => {
  stores = openStores();
});
test.after.each(async () => {
  await stores.close();
});

const start = (version: number) =>
  startProjections({ projections: [createCountProjection({ version })], eventStore: stores.eventStore, readStore: stores.readStore, logger: silentLogger(), batchSize: 250 });

test('first start: the code version is active at once and follows the log; stop releases everything', async () => {
  await appendTestEvents(stores.eventStore, 700);
  const running = await start(1);
  const registry = registryFor(stores.readStore);
  assert.is(await registry.activeVersion(NAME), 1, 'active immediately, while it catches up');
  const head = await appendTestEvents(stores.eventStore, 100, { seed: 2 });
  await within(running.waitForPosition(head), 'the projection to reach the head');
  const [status] = await running.status();
  assert.is(status?.name, NAME);
  assert.is(status?.version, 1);
  assert.is(status?.role, 'live');
  assert.is(status?.eventsBehind, 0);
  assert.equal(readCounts(stores.readStore.db, NAME, 1), await countsFromLog(stores.eventStore, 'head'));
  await running.stop();
  assert.is(await registry.leaseHolder(NAME, 1, Date.now()), undefined);
  assert.is((await registry.listStatus(NAME))[0]?.state, 'stopped');
});

test('a changed version is rebuilt in the background, reads switch when it caught up, the old version is dropped', async () => {
  const first = await start(1);
  const head1 = await appendTestEvents(stores.eventStore, 3000);
  await within(first.waitForPosition(head1), 'version 1');
  await first.stop();
  const servedBefore = readCounts(stores.readStore.db, NAME, 1);
  const registry = registryFor(stores.readStore);

  const second = await start(2);
  const [rebuilding] = await second.status();
  assert.is(rebuilding?.version, 2);
  assert.is(rebuilding?.role, 'rebuild', 'version 2 starts as a rebuild');
  assert.is(await registry.activeVersion(NAME), 1, 'reads stay on version 1 meanwhile');
  assert.equal(readCounts(stores.readStore.db, NAME, 1), servedBefore, 'version 1 still answers, unchanged');

  const head2 = await appendTestEvents(stores.eventStore, 200, { seed: 6 });
  await within(second.waitForPosition(head2), 'version 2 to serve the head');
  assert.is(await registry.activeVersion(NAME), 2);
  const [live] = await second.status();
  assert.is(live?.role, 'live');
  assert.is(live?.state, 'live');
  assert.equal(readCounts(stores.readStore.db, NAME, 2), await countsFromLog(stores.eventStore, 'head'));
  await second.stop(); // waits for the background drop
  assert.equal(tablesOf(stores.readStore.db, NAME, 1), []);
  assert.equal(await registry.knownVersions(NAME), [2]);
});

test.run();
