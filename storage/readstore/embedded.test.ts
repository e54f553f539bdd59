// The embedded read store's report connection: one snapshot per readSnapshot, whatever
// the projections' connection commits meanwhile.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openEmbeddedReadStore, readSnapshot } from './embedded.ts';

test('statements inside readSnapshot see one snapshot; a commit made meanwhile shows after it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'webalytic-readstore-'));
  const store = openEmbeddedReadStore(join(dir, 'readmodels.sqlite'), { queryMmapBytes: 1 << 20 });
  try {
    store.db.exec('CREATE TABLE facts (n INTEGER NOT NULL)');
    store.db.prepare('INSERT INTO facts (n) VALUES (1)').run();
    const count = store.queryDb.prepare('SELECT COUNT(*) FROM facts').pluck();
    const seen = readSnapshot(store.queryDb, () => {
      const first = count.get();
      // The projections' connection commits between two statements of the report.
      store.db.prepare('INSERT INTO facts (n) VALUES (2)').run();
      return [first, count.get()];
    });
    assert.equal(seen, [1, 1]);
    assert.is(count.get(), 2);
    // Without a snapshot each statement reads the latest commit.
    store.db.prepare('INSERT INTO facts (n) VALUES (3)').run();
    assert.is(count.get(), 3);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
