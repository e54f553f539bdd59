// The analytics contract (same events in, same report numbers out) on the MongoDB
// adapter, executed by mingo: the adapter's own update documents and pipelines run
// against an in-memory database, a fresh one per case.
import { openMingoReadStore } from '../../storage/readstore/mongodb.ts';
import { defineAnalyticsContract } from '../analytics/contract.ts';

defineAnalyticsContract('mongodb via mingo', async () => {
  const store = openMingoReadStore();
  return {
    store,
    async dump() {
      const collections = await Promise.all(store.db.collectionNames().map((name) => store.db.collection(name).find({}).toArray()));
      return JSON.stringify(collections);
    },
    async close() {
      if (store.db.openTransactions() !== 0) throw new Error('a transaction was left open');
      await store.close();
    },
  };
});
