// The MongoDB read store against a real server, when MONGODB_URL names one (a replica
// set: `docker compose up -d --wait mongodb`, then
// `MONGODB_URL='mongodb://localhost:27017/?directConnection=true' npm run test:mongo`).
// The same suites the mingo executor runs in `npm test`, plus what only a server can
// show: the indexes exist and the report queries use them. Each case works in its own
// throwaway database, dropped afterwards. Without MONGODB_URL this file registers no test.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const url = process.env['MONGODB_URL']?.trim();

if (!url) {
  process.stderr.write("mongodb-server.test.ts: skipped, MONGODB_URL is not set (e.g. 'mongodb://localhost:27017/?directConnection=true')\n");
} else {
  const { randomUUID } = await import('node:crypto');
  const { MongoClient } = await import('mongodb');
  const { silentLogger } = await import('../../platform/logger.ts');
  const { openMongoReadStore } = await import('../../storage/readstore/mongodb.ts');
  const { defineAnalyticsContract } = await import('../analytics/contract.ts');
  const { defineCheckpointBehaviour, defineRegistryBehaviour, defineRunnerBehaviour } = await import('./behaviour.ts');
  const { dataset, defineEquivalence, projectInto } = await import('./equivalence.ts');
  const { defineAdhocEquivalence } = await import('./adhoc-equivalence.ts');
  const { collectionsOf } = await import('./analytics-schema.ts');

  const logger = silentLogger();
  /** A store on a fresh database; closing drops it. */
  const fresh = async () => {
    const database = `webalytic_test_${randomUUID().slice(0, 8)}`;
    const store = await openMongoReadStore({ url, logger, database });
    const others: { close(): Promise<void> }[] = [];
    return {
      store,
      async reopen() {
        const other = await openMongoReadStore({ url, logger, database });
        others.push(other);
        return other;
      },
      /** Every collection of the case's database, as text. */
      async dump() {
        const client = new MongoClient(url);
        try {
          const db = client.db(database);
          const names = (await db.listCollections().toArray()).map((collection) => collection.name);
          return JSON.stringify(await Promise.all(names.map((name) => db.collection(name).find({}).toArray())));
        } finally {
          await client.close();
        }
      },
      async close() {
        for (const other of others) await other.close();
        await store.dropDatabase();
        await store.close();
      },
    };
  };

  defineAnalyticsContract('mongodb server', fresh);
  defineRegistryBehaviour('mongodb server', fresh);
  defineCheckpointBehaviour('mongodb server', fresh);
  defineRunnerBehaviour('mongodb server', fresh);
  defineEquivalence('mongodb server', fresh);
  defineAdhocEquivalence('mongodb server', fresh);

  const indexes = suite('analytics on a MongoDB server: indexes');
  indexes('the sink creates its indexes, and report queries use them', async () => {
    const opened = await fresh();
    const data = await dataset();
    await projectInto(opened.store, data.events, 500);
    const client = new MongoClient(url);
    try {
      const db = client.db(opened.store.databaseName);
      const c = collectionsOf('analytics', 1);
      const names = async (collection: string) => (await db.collection(collection).listIndexes().toArray()).map((index) => String(index['name']));
      assert.ok((await names(c.daily)).includes('property_1_dimension_1_day_1'));
      assert.ok((await names(c.sessions)).includes('property_1_day_1_startedAt_1'));
      assert.ok((await names(c.sessions)).includes('property_1_client_1_id_1'), 'an erasure pages through a visitor by index');
      assert.ok((await names(c.realtime)).includes('minute_1'));
      const range = data.ranges[0]!;
      const plan = await db
        .collection(c.daily)
        .find({ property: range.property, dimension: 'pagePath', day: { $gte: range.from, $lte: range.to } })
        .explain('queryPlanner');
      assert.match(JSON.stringify(plan), 'IXSCAN', 'the rollup range read uses the index');
      const sessionsPlan = await db.collection(c.sessions).find({ property: range.property, day: { $gte: range.from, $lte: range.to } }).explain('queryPlanner');
      assert.match(JSON.stringify(sessionsPlan), 'IXSCAN', 'the session range read uses the index');
    } finally {
      await client.close();
      await opened.close();
    }
  });
  indexes.run();
}
