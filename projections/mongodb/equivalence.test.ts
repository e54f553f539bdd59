// The analytics projection on MongoDB (executed by mingo) against the embedded store:
// the same events give the same answer to every query; a failure inside the MongoDB
// sink's transaction leaves nothing; and run by the projection runner, it serves the
// numbers the embedded store serves.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../platform/logger.ts';
import { openEmbeddedEventStore } from '../../storage/eventstore/embedded.ts';
import { openEmbeddedReadStore } from '../../storage/readstore/embedded.ts';
import { openMingoReadStore } from '../../storage/readstore/mongodb.ts';
import type { ReadStore } from '../../storage/readstore/port.ts';
import { ANALYTICS_PROJECTION_VERSION, createAnalyticsProjection } from '../analytics/index.ts';
import { createAnalyticsQueries } from '../analytics/queries.ts';
import { startProjection } from '../runner.ts';
import { within, tempDir } from '../test/helpers.ts';
import { dropCheckpoint, readCheckpoint } from './checkpoints.ts';
import { askEverything, dataset as loadDataset, defineEquivalence, embeddedAnswers, EQUIVALENCE_NOW, type Dataset } from './equivalence.ts';

defineEquivalence('mongodb via mingo', async () => {
  const store = openMingoReadStore();
  return { store, close: () => store.close() };
});

const logger = silentLogger();
const faults = suite('analytics sink on MongoDB (mingo): all or nothing');
let dataset: Dataset;
faults.before(async () => {
  dataset = await loadDataset();
});

faults('a write failing inside the transaction, or a crash just before its commit, leaves nothing; the batch then commits whole', async () => {
  let fail: 'sessions' | 'commit' | undefined;
  const store = openMingoReadStore({
    options: {
      onWrite: ({ collection, inTransaction }) => {
        if (fail === 'sessions' && inTransaction && collection.endsWith('_sessions')) throw new Error('injected: sessions write failed');
      },
      beforeCommit: (collections) => {
        if (fail === 'commit' && collections.some((c) => c.startsWith('analytics_'))) throw new Error('injected: crash before commit');
      },
    },
  });
  const sink = await createAnalyticsProjection({ clock: () => EQUIVALENCE_NOW }).openSink(store, 1, logger);
  const events = dataset.events;
  const cut = Math.floor(events.length / 2);
  await sink.applyBatch(events.slice(0, cut), events[cut - 1]!.position);
  const range = dataset.ranges[0]!;
  const queries = createAnalyticsQueries(store, 1);
  const before = await queries.report({ ...range, dimension: 'pagePath', metrics: ['pageviews', 'sessions', 'users', 'timeOnPage'] });
  const counts = async () => Promise.all(store.db.collectionNames().map(async (name) => [name, await store.db.collection(name).countDocuments()]));
  const stored = await counts();
  for (const mode of ['sessions', 'commit'] as const) {
    fail = mode;
    const error = await sink.applyBatch(events.slice(cut), events[events.length - 1]!.position).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.match(String(error), 'injected');
    assert.is(await readCheckpoint(store.db, 'analytics', 1), events[cut - 1]!.position, `${mode}: checkpoint unchanged`);
    assert.equal(await queries.report({ ...range, dimension: 'pagePath', metrics: ['pageviews', 'sessions', 'users', 'timeOnPage'] }), before, `${mode}: reports unchanged`);
    assert.equal(await counts(), stored, `${mode}: no document added or removed`);
    assert.is(store.db.openTransactions(), 0);
  }
  fail = undefined;
  await sink.applyBatch(events.slice(cut), events[events.length - 1]!.position);
  assert.equal(await askEverything(createAnalyticsQueries(store, 1), dataset), await embeddedAnswers());
});

faults('indexes are created on open; drop removes the collections and the checkpoint; leftovers without a checkpoint are cleared on open', async () => {
  const store = openMingoReadStore();
  const projection = createAnalyticsProjection({ clock: () => EQUIVALENCE_NOW });
  const sink = await projection.openSink(store, 1, logger);
  assert.equal(
    store.db.indexes('analytics_v1_daily').map((index) => index.name),
    ['_id_', 'property_1_dimension_1_day_1'],
  );
  assert.ok(store.db.indexes('analytics_v1_realtime').some((index) => index.name === 'minute_1'));
  const events = dataset.events.slice(0, 300);
  await sink.applyBatch(events, events[events.length - 1]!.position);
  const range = dataset.ranges[0]!;
  const report = () => createAnalyticsQueries(store, 1).report({ ...range, dimension: 'source', metrics: ['sessions', 'pageviews', 'users'] });
  const once = await report();
  assert.ok(once.totals['pageviews']! > 0);

  // A drop interrupted after removing the checkpoint leaves documents behind: the next open clears them.
  await dropCheckpoint(store.db, 'analytics', 1);
  const reopened = await projection.openSink(store, 1, logger);
  assert.is(await store.db.collection('analytics_v1_daily').countDocuments(), 0);
  await reopened.applyBatch(events, events[events.length - 1]!.position);
  assert.equal(await report(), once, 'built again from the start: nothing counted twice');

  await reopened.drop();
  assert.equal(
    store.db.collectionNames().filter((name) => name.startsWith('analytics_v1_')),
    [],
  );
  assert.is(await readCheckpoint(store.db, 'analytics', 1), undefined);
});

faults('run by the projection runner from an event log, MongoDB serves the numbers the embedded store serves', async () => {
  const eventStore = openEmbeddedEventStore({ file: join(tempDir(), 'events.sqlite') });
  // The dataset's events appended to their streams again, in log order.
  let head = '';
  for (const e of dataset.events) head = (await eventStore.append(e.stream, [{ id: e.id, type: e.type, data: e.data, metadata: e.metadata }])).position;
  const run = async (store: ReadStore) => {
    const runner = startProjection({ projection: createAnalyticsProjection({ clock: () => EQUIVALENCE_NOW }), eventStore, readStore: store, logger, batchSize: 400 });
    await within(runner.waitForPosition(head), 'the analytics projection to catch up', 30_000);
    await runner.stop();
    // The runner builds the projection's own version.
    return askEverything(createAnalyticsQueries(store, ANALYTICS_PROJECTION_VERSION), dataset, [undefined, 'source', 'pagePath', 'eventLabel', 'cd1', 'cd2']);
  };
  const embedded = openEmbeddedReadStore(join(tempDir(), 'readmodels.sqlite'));
  const fromEmbedded = await run(embedded);
  assert.equal(await run(openMingoReadStore()), fromEmbedded);
  await embedded.close();
  await eventStore.close();
});

faults.run();
