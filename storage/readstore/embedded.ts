// The embedded read store: one SQLite file (WAL) beside the event log.
import Database from 'better-sqlite3';
import type { EmbeddedReadStore } from './port.ts';

export interface EmbeddedReadStoreOptions {
  /** Bytes of the file the query connection maps into memory; 0 (the default) maps none. */
  queryMmapBytes?: number;
}

export function openEmbeddedReadStore(file: string, options: EmbeddedReadStoreOptions = {}): EmbeddedReadStore {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // A crash may lose the last commits, never corrupt: the checkpoint commits with the writes, so replaying from it is exact.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // Reports read through their own read-only connection, which may map the file: a mapped
  // page is read in place rather than copied through read(2), which halves a scan of the
  // session table here. The projections' connection (and a replay's memory) never maps.
  const queryDb = new Database(file, { readonly: true });
  queryDb.pragma('busy_timeout = 5000');
  const mmap = options.queryMmapBytes ?? 0;
  if (!Number.isSafeInteger(mmap) || mmap < 0) throw new RangeError(`queryMmapBytes: must be a whole number of bytes, 0 or more (got ${mmap})`);
  if (mmap > 0) queryDb.pragma(`mmap_size = ${mmap}`);
  return {
    kind: 'embedded',
    db,
    queryDb,
    async close() {
      queryDb.close();
      db.close();
    },
  };
}

/**
 * Runs `read` in one read transaction of `db`: every statement in it sees the same
 * snapshot, however many commits another connection (the projections thread or process)
 * makes meanwhile. A report that reads in several statements (a page, then its sums, its
 * row count, its totals) thus answers as of one moment.
 */
export function readSnapshot<T>(db: Database.Database, read: () => T): T {
  return db.transaction(read).deferred();
}
