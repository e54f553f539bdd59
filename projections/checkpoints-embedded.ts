// Checkpoints of every projection version on the embedded read store: one shared table
// in the same SQLite file as the read models, written inside the sink's own transaction,
// so read-model writes and their checkpoint commit (or vanish) together.
import type Database from 'better-sqlite3';
import type { Position } from '../storage/eventstore/port.ts';

type Db = Database.Database;

/** Another writer moved this version's checkpoint to or past the batch's: committing would count events twice. */
export class CheckpointConflictError extends Error {
  override readonly name = 'CheckpointConflictError';

  constructor(
    readonly projection: string,
    readonly version: number,
    readonly attempted: Position,
    readonly stored: Position | undefined,
  ) {
    super(`checkpoint of ${projection} v${version} is already at ${stored ?? 'nothing'}; refusing to move it to ${attempted} (another writer?)`);
  }
}

interface Statements {
  read: Database.Statement<[string, number], Position>;
  write: Database.Statement<[string, number, Position, number]>;
  drop: Database.Statement<[string, number]>;
}

const statements = new WeakMap<Db, Statements>();

export function ensureCheckpointTable(db: Db): void {
  db.exec(`CREATE TABLE IF NOT EXISTS projection_checkpoints (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    position TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (name, version)
  )`);
}

function prepared(db: Db): Statements {
  let cached = statements.get(db);
  if (!cached) {
    ensureCheckpointTable(db);
    cached = {
      read: db.prepare<[string, number], Position>('SELECT position FROM projection_checkpoints WHERE name = ? AND version = ?').pluck(),
      // Only forwards: a checkpoint that does not advance means someone else already
      // committed these events, and the surrounding transaction must roll back.
      write: db.prepare<[string, number, Position, number]>(
        `INSERT INTO projection_checkpoints (name, version, position, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (name, version) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at
         WHERE projection_checkpoints.position < excluded.position`,
      ),
      drop: db.prepare<[string, number]>('DELETE FROM projection_checkpoints WHERE name = ? AND version = ?'),
    };
    statements.set(db, cached);
  }
  return cached;
}

export function readCheckpoint(db: Db, name: string, version: number): Position | undefined {
  return prepared(db).read.get(name, version);
}

/**
 * Call inside the sink's `db.transaction`. Throws CheckpointConflictError (rolling the
 * transaction back) unless `position` is after the stored checkpoint.
 */
export function writeCheckpoint(db: Db, name: string, version: number, position: Position, now: number): void {
  const sql = prepared(db);
  if (sql.write.run(name, version, position, now).changes !== 1) {
    throw new CheckpointConflictError(name, version, position, sql.read.get(name, version));
  }
}

export function dropCheckpoint(db: Db, name: string, version: number): void {
  prepared(db).drop.run(name, version);
}
