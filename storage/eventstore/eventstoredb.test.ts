// The shared event store contract against a real EventStoreDB, when EVENTSTORE_URL
// names one (see docs/deploy.md: `docker compose up -d eventstore`, then
// `EVENTSTORE_URL=esdb://localhost:2113?tls=false npm run test:esdb`). Without it this
// file registers no test and says so on stderr, so `npm test` stays green offline.
// The contract never assumes an empty log, so a shared, long-lived server is fine.
const url = process.env.EVENTSTORE_URL?.trim();

if (!url) {
  process.stderr.write('eventstoredb.test.ts: skipped, EVENTSTORE_URL is not set (e.g. esdb://localhost:2113?tls=false)\n');
} else {
  // Imported only here: without a server the gRPC client is not even loaded.
  const { defineEventStoreContract } = await import('./eventstore-contract.ts');
  const { openEventStoreDb } = await import('./eventstoredb.ts');
  const open = () => openEventStoreDb({ connectionString: url });
  // reopen: a new client on the same server, after the contract closed the first one.
  defineEventStoreContract('eventstoredb', async () => ({ store: open(), reopen: async () => open() }));
}
