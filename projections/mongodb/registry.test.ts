// The projection registry answers alike on the embedded store and on MongoDB (executed
// by mingo); MongoDB checkpoints commit with their transaction and only move forward.
import { join } from 'node:path';
import { openEmbeddedReadStore } from '../../storage/readstore/embedded.ts';
import { openMingoReadStore } from '../../storage/readstore/mongodb.ts';
import { tempDir } from '../test/helpers.ts';
import { defineCheckpointBehaviour, defineRegistryBehaviour } from './behaviour.ts';

defineRegistryBehaviour('embedded', async () => {
  const file = join(tempDir(), 'readmodels.sqlite');
  const store = openEmbeddedReadStore(file);
  const others: { close(): Promise<void> }[] = [];
  return {
    store,
    async reopen() {
      const other = openEmbeddedReadStore(file);
      others.push(other);
      return other;
    },
    async close() {
      for (const other of others) await other.close();
      await store.close();
    },
  };
});

const mingo = async () => {
  const store = openMingoReadStore();
  return { store, reopen: async () => openMingoReadStore({ db: store.db }), close: () => store.close() };
};
defineRegistryBehaviour('mongodb via mingo', mingo);
defineCheckpointBehaviour('mongodb via mingo', mingo);
