// The embedded read store: one SQLite file (WAL) beside the event log.
import Database from 'better-sqlite3';
import type { EmbeddedReadStore } from './port.ts';

export function openEmbeddedReadStore(file: string): EmbeddedReadStore {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // A crash may lose the last commits, never corrupt: the checkpoint commits with the writes, so replaying from it is exact.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return {
    kind: 'embedded',
    db,
    async close() {
      db.close();
    },
  };
}
