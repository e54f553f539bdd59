// The ad hoc read port on MongoDB, run by the in-memory executor (mingo), against the
// embedded store's SQL (adhoc-equivalence.ts).
import { openMingoReadStore } from '../../storage/readstore/mongodb.ts';
import { defineAdhocEquivalence } from './adhoc-equivalence.ts';

defineAdhocEquivalence('mongodb via mingo', async () => {
  const store = openMingoReadStore();
  return { store, close: () => store.close() };
});
