// Checkpoints of every projection version on MongoDB: one shared collection, written in
// the sink's own transaction, so read-model writes and their checkpoint commit (or
// vanish) together. Same rule as the embedded store: a checkpoint only moves forward.
import type { Position } from '../../storage/eventstore/port.ts';
import { CheckpointConflictError } from '../checkpoints-embedded.ts';
import { isDuplicateKeyError, keyId, type MongoDbLike, type MongoSession } from '../../storage/readstore/mongodb-db.ts';

export { CheckpointConflictError };

export const CHECKPOINTS_COLLECTION = 'projection_checkpoints';

const idOf = (name: string, version: number): string => keyId(name, version);

/**
 * Creates the collection (with an index by name and version) before any transaction
 * writes to it: a sink calls this when it opens, so the first transaction never has to
 * create a collection.
 */
export async function ensureCheckpointCollection(db: MongoDbLike): Promise<void> {
  await db.collection(CHECKPOINTS_COLLECTION).createIndex({ name: 1, version: 1 });
}

export async function readCheckpoint(db: MongoDbLike, name: string, version: number, session?: MongoSession): Promise<Position | undefined> {
  const [doc] = await db
    .collection(CHECKPOINTS_COLLECTION)
    .find({ _id: idOf(name, version) }, { projection: { position: 1 }, ...(session === undefined ? {} : { session }) })
    .toArray();
  return typeof doc?.['position'] === 'string' ? doc['position'] : undefined;
}

/**
 * Call inside the sink's transaction. Throws CheckpointConflictError (the transaction must
 * then abort) unless `position` is after the stored checkpoint.
 */
export async function writeCheckpoint(db: MongoDbLike, name: string, version: number, position: Position, now: number, session: MongoSession): Promise<void> {
  const checkpoints = db.collection(CHECKPOINTS_COLLECTION);
  try {
    // Matches only a checkpoint behind `position`; when one at or past it exists the upsert's
    // insert collides with its _id, so moving backwards (or standing still) cannot succeed.
    await checkpoints.updateOne(
      { _id: idOf(name, version), position: { $lt: position } },
      { $set: { position, updatedAt: now }, $setOnInsert: { name, version } },
      { upsert: true, session },
    );
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    // The failed write aborted the transaction on the server: read the committed value outside it.
    throw new CheckpointConflictError(name, version, position, await readCheckpoint(db, name, version));
  }
}

export async function dropCheckpoint(db: MongoDbLike, name: string, version: number, session?: MongoSession): Promise<void> {
  await db.collection(CHECKPOINTS_COLLECTION).deleteMany({ _id: idOf(name, version) }, session === undefined ? {} : { session });
}
