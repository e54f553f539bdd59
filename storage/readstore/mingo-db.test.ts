// The mingo executor behaves like a server where the adapters depend on it: upserts,
// update operators, the unique _id, server-side validation of update documents, and
// transactions (snapshot reads, all-or-nothing commits, write conflicts, waiting writers).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { MongoDoc } from './mongodb-db.ts';
import { createMingoDb, MingoServerError } from './mingo-db.ts';

async function failure(run: () => Promise<unknown>): Promise<MingoServerError | Error> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof Error, 'expected a rejection');
  return error;
}

const code = (error: unknown): unknown => (error instanceof MingoServerError ? error.code : undefined);
const all = (docs: MongoDoc[]) => docs.map((doc) => JSON.stringify(doc));

const writes = suite('mingo executor: writes');

writes('an upsert inserts the filter equality fields, $setOnInsert and the update; later ones only update', async () => {
  const rollups = createMingoDb().collection('rollups');
  const update = { $setOnInsert: { property: 'p', day: 'd' }, $inc: { 'm.sessions': 2, 'm.bounces': 1 }, $max: { newUser: 0 } };
  const first = await rollups.updateOne({ _id: 'k', kind: 'daily', n: { $gt: 3 } }, update, { upsert: true });
  assert.equal(first, { matchedCount: 0, modifiedCount: 0, upsertedCount: 1 });
  const second = await rollups.updateOne({ _id: 'k' }, { $setOnInsert: { property: 'other' }, $inc: { 'm.sessions': 3, 'm.bounces': -1 }, $max: { newUser: 1 } }, { upsert: true });
  assert.equal(second, { matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
  assert.equal(await rollups.find({}).toArray(), [{ _id: 'k', kind: 'daily', property: 'p', day: 'd', m: { sessions: 5, bounces: 0 }, newUser: 1 }]);
  const same = await rollups.updateOne({ _id: 'k' }, { $max: { newUser: 0 } });
  assert.equal(same, { matchedCount: 1, modifiedCount: 0, upsertedCount: 0 }, 'no change, not modified');
  const miss = await rollups.updateOne({ _id: 'nope' }, { $inc: { n: 1 } });
  assert.equal(miss, { matchedCount: 0, modifiedCount: 0, upsertedCount: 0 }, 'no upsert without upsert: true');
});

writes('_id is unique: an upsert whose filter misses an existing _id fails with E11000', async () => {
  const leases = createMingoDb().collection('leases');
  await leases.updateOne({ _id: 'x', owner: 'a' }, { $set: { until: 10 } }, { upsert: true });
  const error = await failure(() => leases.updateOne({ _id: 'x', owner: 'b' }, { $set: { until: 20 } }, { upsert: true }));
  assert.is(code(error), 11000);
  assert.equal(await leases.find({}).toArray(), [{ _id: 'x', owner: 'a', until: 10 }]);
  assert.is(code(await failure(() => leases.bulkWrite([{ replaceOne: { filter: { _id: 'x', owner: 'c' }, replacement: { owner: 'c' }, upsert: true } }]))), 11000);
});

writes('update documents are checked like a server: operators only, no conflicting paths, numeric $inc, no _id change', async () => {
  const c = createMingoDb().collection('c');
  await c.updateOne({ _id: 1 }, { $set: { a: { b: 1 }, s: 'text' } }, { upsert: true });
  const bad: [MongoDoc, number][] = [
    [{ $set: { a: 1 }, $inc: { 'a.b': 1 } }, 40],
    [{ $inc: { n: 1 }, $max: { n: 2 } }, 40],
    [{ $inc: { s: 1 } }, 14],
    [{ $inc: { n: 'one' } }, 14],
    [{ $set: { 's.x': 1 } }, 28],
    [{ $set: { _id: 2 } }, 66],
    [{ $push: { list: 1 } }, 9],
    [{ plain: 1 }, 9],
  ];
  for (const [update, expected] of bad) {
    assert.is(code(await failure(() => c.updateOne({ _id: 1 }, update))), expected, JSON.stringify(update));
  }
  assert.equal(await c.find({}).toArray(), [{ _id: 1, a: { b: 1 }, s: 'text' }], 'nothing changed');
  await failure(() => c.bulkWrite([]));
});

writes('stored values: portable field names only, undefined becomes null, documents are copies', async () => {
  const c = createMingoDb().collection('c');
  assert.is(code(await failure(() => c.bulkWrite([{ replaceOne: { filter: { _id: 1 }, replacement: { values: { '/a.b': 1 } }, upsert: true } }]))), 2);
  assert.is(code(await failure(() => c.bulkWrite([{ replaceOne: { filter: { _id: 1 }, replacement: { values: new Map([['a', 1]]) }, upsert: true } }]))), 2);
  const doc = { list: [1, undefined], nested: { gone: undefined } };
  await c.bulkWrite([{ replaceOne: { filter: { _id: 1 }, replacement: doc, upsert: true } }]);
  doc.list.push(3);
  const [read] = await c.find({ _id: 1 }).toArray();
  assert.equal(read, { _id: 1, list: [1, null], nested: { gone: null } });
  (read!['list'] as unknown[]).push(4);
  assert.equal((await c.find({ _id: 1 }).toArray())[0], { _id: 1, list: [1, null], nested: { gone: null } });
});

writes('replaceOne keeps the _id and refuses operators; deleteMany removes every match', async () => {
  const c = createMingoDb().collection('c');
  await c.bulkWrite([
    { replaceOne: { filter: { _id: 'a' }, replacement: { v: 1, group: 'x' }, upsert: true } },
    { replaceOne: { filter: { _id: 'b' }, replacement: { _id: 'b', v: 2, group: 'x' }, upsert: true } },
    { replaceOne: { filter: { _id: 'c' }, replacement: { v: 3, group: 'y' }, upsert: true } },
    { replaceOne: { filter: { _id: 'a' }, replacement: { v: 10, group: 'x' } } },
  ]);
  assert.is(code(await failure(() => c.bulkWrite([{ replaceOne: { filter: { _id: 'a' }, replacement: { _id: 'z', v: 0 } } }]))), 66);
  await failure(() => c.bulkWrite([{ replaceOne: { filter: { _id: 'a' }, replacement: { $set: { v: 0 } } } }]));
  const result = await c.bulkWrite([{ deleteMany: { filter: { group: 'x', v: { $gte: 2 } } } }]);
  assert.is(result.deletedCount, 2);
  assert.equal(await c.find({}).toArray(), [{ _id: 'c', v: 3, group: 'y' }]);
});

writes('find sorts, skips, limits and projects; aggregate runs pipelines; counts and indexes', async () => {
  const db = createMingoDb();
  const c = db.collection('sessions');
  await c.bulkWrite(
    [3, 1, 2, 5, 4].map((n) => ({ replaceOne: { filter: { _id: `s${n}` }, replacement: { n, client: `c${n % 2}`, tags: n % 2 ? ['a', 'b'] : ['b'] }, upsert: true } })),
  );
  assert.equal(await c.find({ n: { $gt: 1 } }, { sort: { n: -1 }, skip: 1, limit: 2, projection: { n: 1, _id: 0 } }).toArray(), [{ n: 4 }, { n: 3 }]);
  assert.equal(await c.find({ _id: { $in: ['s2', 'nope', 's4'] } }, { sort: { n: 1 } }).toArray().then((d) => d.map((x) => x['n'])), [2, 4]);
  assert.equal(await c.find({ tags: 'a' }, { sort: { n: 1 } }).toArray().then((d) => d.map((x) => x['n'])), [1, 3, 5]);
  const users = await c
    .aggregate([{ $unwind: '$tags' }, { $group: { _id: { tag: '$tags', client: '$client' } } }, { $group: { _id: '$_id.tag', users: { $sum: 1 } } }, { $sort: { _id: 1 } }])
    .toArray();
  assert.equal(users, [
    { _id: 'a', users: 1 },
    { _id: 'b', users: 2 },
  ]);
  assert.is(await c.countDocuments({ client: 'c1' }), 3);
  await failure(async () => c.aggregate([{ $out: 'elsewhere' }]).toArray());
  assert.is(await c.createIndex({ client: 1, n: -1 }), 'client_1_n_-1');
  assert.is(await c.createIndex({ client: 1, n: -1 }), 'client_1_n_-1', 'idempotent');
  assert.equal(db.indexes('sessions').map((i) => i.name), ['_id_', 'client_1_n_-1']);
  assert.is(await c.drop(), true);
  assert.equal(db.collectionNames(), []);
  assert.is(await c.countDocuments(), 0);
});

writes.run();

const transactions = suite('mingo executor: transactions');

transactions('a transaction commits all its writes at once, or none when it throws', async () => {
  const db = createMingoDb();
  const a = db.collection('a');
  const b = db.collection('b');
  const refused = await failure(() => db.withTransaction((session) => a.updateOne({ _id: 1 }, { $inc: { n: 1 } }, { session, upsert: true })));
  assert.is(code(refused), 263, 'a transaction does not create collections');
  await a.createIndex({ n: 1 });
  await b.createIndex({ n: 1 });
  await db.withTransaction(async (session) => {
    await a.bulkWrite([{ updateOne: { filter: { _id: 1 }, update: { $inc: { n: 1 } }, upsert: true } }], { session });
    assert.is(await a.countDocuments({}), 0, 'not visible outside before the commit');
    assert.is(await a.countDocuments({}, { session }), 1, 'visible inside');
    await b.bulkWrite([{ updateOne: { filter: { _id: 1 }, update: { $inc: { n: 1 } }, upsert: true } }], { session });
  });
  assert.equal([await a.countDocuments(), await b.countDocuments()], [1, 1]);
  const error = await failure(() =>
    db.withTransaction(async (session) => {
      await a.bulkWrite([{ updateOne: { filter: { _id: 1 }, update: { $inc: { n: 1 } } } }, { updateOne: { filter: { _id: 2 }, update: { $inc: { n: 1 } }, upsert: true } }], { session });
      await b.deleteMany({}, { session });
      throw new Error('crash before the commit');
    }),
  );
  assert.is(error.message, 'crash before the commit');
  assert.equal(all(await a.find({}).toArray()), all([{ _id: 1, n: 1 }]));
  assert.is(await b.countDocuments(), 1);
  assert.is(db.openTransactions(), 0);
});

transactions('reads in a transaction see its snapshot, not later commits', async () => {
  const db = createMingoDb();
  const c = db.collection('c');
  await c.updateOne({ _id: 1 }, { $set: { v: 'old' } }, { upsert: true });
  let release!: () => void;
  const hold = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const inside = new Promise<void>((resolve) => (started = resolve));
  const seen = db.withTransaction(async (session) => {
    const before = await c.find({}, { session }).toArray();
    started();
    await hold;
    return [before, await c.find({}, { session }).toArray(), await c.aggregate([{ $count: 'n' }], { session }).toArray()];
  });
  await inside;
  await c.updateOne({ _id: 2 }, { $set: { v: 'new' } }, { upsert: true });
  release();
  const [before, after, counted] = await seen;
  assert.equal(before, [{ _id: 1, v: 'old' }]);
  assert.equal(after, [{ _id: 1, v: 'old' }], 'a document committed after the start is not seen');
  assert.equal(counted, [{ n: 1 }]);
});

transactions('two transactions writing one document: the second gets a transient WriteConflict, and withTransaction runs it again', async () => {
  const db = createMingoDb();
  const c = db.collection('checkpoints');
  await c.updateOne({ _id: 'cp' }, { $set: { position: 1 } }, { upsert: true });
  let release!: () => void;
  const hold = new Promise<void>((resolve) => (release = resolve));
  let wrote!: () => void;
  const firstWrote = new Promise<void>((resolve) => (wrote = resolve));
  const first = db.withTransaction(async (session) => {
    await c.updateOne({ _id: 'cp' }, { $inc: { position: 1 } }, { session });
    wrote();
    await hold;
  });
  await firstWrote;
  let attempts = 0;
  const second = db.withTransaction(async (session) => {
    attempts += 1;
    if (attempts === 1) {
      const conflict = await failure(() => c.updateOne({ _id: 'cp' }, { $inc: { position: 10 } }, { session }));
      assert.is(code(conflict), 112);
      assert.ok((conflict as MingoServerError).hasErrorLabel('TransientTransactionError'));
      release();
      await first;
      throw conflict;
    }
    await c.updateOne({ _id: 'cp' }, { $inc: { position: 10 } }, { session });
  });
  await second;
  assert.is(attempts, 2);
  assert.equal(await c.find({}).toArray(), [{ _id: 'cp', position: 12 }], 'both applied once, in turn');
});

transactions('a write outside transactions waits for the transaction holding the document; a failed write aborts its transaction', async () => {
  const db = createMingoDb();
  const c = db.collection('c');
  await c.updateOne({ _id: 1 }, { $set: { n: 0 } }, { upsert: true });
  let release!: () => void;
  const hold = new Promise<void>((resolve) => (release = resolve));
  let wrote!: () => void;
  const inside = new Promise<void>((resolve) => (wrote = resolve));
  const order: string[] = [];
  const txn = db.withTransaction(async (session) => {
    await c.updateOne({ _id: 1 }, { $set: { n: 1 } }, { session });
    wrote();
    await hold;
    order.push('commit');
  });
  await inside;
  const outside = c.updateOne({ _id: 1 }, { $inc: { n: 10 } }).then(() => order.push('outside write'));
  const other = c.updateOne({ _id: 2 }, { $set: { n: 5 } }, { upsert: true }).then(() => order.push('other document'));
  await other;
  release();
  await Promise.all([txn, outside]);
  assert.equal(order, ['other document', 'commit', 'outside write']);
  assert.equal((await c.find({ _id: 1 }).toArray())[0], { _id: 1, n: 11 });

  const error = await failure(() =>
    db.withTransaction(async (session) => {
      await c.updateOne({ _id: 1 }, { $set: { n: 99 } }, { session });
      await failure(() => c.updateOne({ _id: 1, n: -1 }, { $set: { n: 0 } }, { session, upsert: true }));
      await c.updateOne({ _id: 3 }, { $set: { n: 3 } }, { session, upsert: true });
    }),
  );
  assert.is(code(error), 251, 'the transaction was aborted by its failed write');
  assert.equal(await c.find({}, { sort: { _id: 1 } }).toArray(), [
    { _id: 1, n: 11 },
    { _id: 2, n: 5 },
  ]);
});

transactions('fault hooks: a write or a commit can be made to fail, and the transaction leaves nothing', async () => {
  let failCommit = true;
  const db = createMingoDb({
    onWrite: ({ collection, inTransaction }) => {
      if (collection === 'boom' && inTransaction) throw new Error('injected write failure');
    },
    beforeCommit: (collections) => {
      if (failCommit && collections.includes('a')) throw new Error('injected crash before commit');
    },
  });
  for (const name of ['a', 'b', 'boom']) await db.collection(name).createIndex({ n: 1 });
  const write = (session: object, name: string) => db.collection(name).updateOne({ _id: 1 }, { $inc: { n: 1 } }, { session, upsert: true });
  assert.is((await failure(() => db.withTransaction(async (s) => (await write(s, 'a'), await write(s, 'b'))))).message, 'injected crash before commit');
  assert.is((await failure(() => db.withTransaction(async (s) => (await write(s, 'b'), await write(s, 'boom'))))).message, 'injected write failure');
  const total = async () => (await Promise.all(['a', 'b', 'boom'].map((name) => db.collection(name).countDocuments()))).reduce((x, y) => x + y);
  assert.is(await total(), 0);
  failCommit = false;
  await db.withTransaction(async (s) => (await write(s, 'a'), await write(s, 'b')));
  assert.is(await total(), 2);
});

transactions.run();
