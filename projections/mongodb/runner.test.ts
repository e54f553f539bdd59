// The projection runner on the MongoDB read store, executed by mingo: exactly once under
// failures injected inside the sink's transaction, one writer per version (leases held in
// MongoDB), checkpoint conflicts, and a blue/green replay.
import { openMingoReadStore } from '../../storage/readstore/mongodb.ts';
import { defineRunnerBehaviour } from './behaviour.ts';

defineRunnerBehaviour('mongodb via mingo', async () => {
  const store = openMingoReadStore();
  return {
    store,
    // A second store object on the same data, as a second process would have.
    reopen: async () => openMingoReadStore({ db: store.db }),
    async close() {
      if (store.db.openTransactions() !== 0) throw new Error('a transaction was left open');
      await store.close();
    },
  };
});
