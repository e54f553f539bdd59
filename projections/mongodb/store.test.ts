// Opening the MongoDB read store: the database from the URL, and a clear failure (not a
// hang, not "not implemented") when no server answers. The driver paths that need a
// server run in mongodb-server.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../platform/logger.ts';
import { databaseOfUrl, DEFAULT_MONGO_DATABASE, openMingoReadStore } from '../../storage/readstore/mongodb.ts';
import { openReadStore } from '../../storage/readstore/open.ts';
import { registryFor } from '../registry.ts';

test('the database comes from the URL path, else webalytic', () => {
  assert.is(databaseOfUrl('mongodb://localhost:27017/?directConnection=true'), undefined);
  assert.is(databaseOfUrl('mongodb://localhost:27017'), undefined);
  assert.is(databaseOfUrl('mongodb://a:1,b:2/analytics?replicaSet=rs0'), 'analytics');
  assert.is(databaseOfUrl('mongodb+srv://user:p%40ss@cluster.example.net/my%20db?retryWrites=true'), 'my db');
  assert.is(DEFAULT_MONGO_DATABASE, 'webalytic');
});

test('MONGODB_URL selects the MongoDB read store; with no server it fails with the driver error', async () => {
  const error = await openReadStore({ WEBALYTIC_DATA_DIR: '/nonexistent', MONGODB_URL: 'mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=150&directConnection=true', READ_MODELS_MMAP_MB: 0 }, silentLogger()).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(error, Error);
  assert.is((error as Error).name, 'MongoServerSelectionError');
});

test('the registry of a MongoDB store is the MongoDB registry', async () => {
  const store = openMingoReadStore();
  assert.ok(await registryFor(store).setActiveVersion('x', 3, undefined));
  assert.equal(await store.db.collection('projection_registry').find({}).toArray().then((docs) => docs.map((d) => [d['_id'], d['activeVersion']])), [['x', 3]]);
});

test.run();
