// The small part of the MongoDB driver's `Db` / `Collection` the read-store adapters use.
// Two things implement it: the official driver (`client.db(name)` satisfies it as is;
// storage/readstore/mongodb.ts) and the mingo-backed in-memory executor (mingo-db.ts), so
// CI runs the adapters' own update documents and pipelines without a server. Keeping the
// surface this small keeps the executor honest: every method here is one it implements.

/** A BSON document as the adapters see it. */
export type MongoDoc = { [key: string]: unknown };

/**
 * A transaction's session, opaque to the adapters: the driver's `ClientSession`, or the
 * executor's own token. Only ever passed back in `{ session }` options.
 */
export type MongoSession = object;

/** The update operators the adapters use (no replacement-style or pipeline updates). */
export interface MongoUpdate {
  $set?: MongoDoc;
  $setOnInsert?: MongoDoc;
  $inc?: { [path: string]: number };
  $max?: MongoDoc;
  $min?: MongoDoc;
  $unset?: { [path: string]: '' | 1 | true };
}

export type MongoWriteOp =
  | { updateOne: { filter: MongoDoc; update: MongoUpdate; upsert?: boolean } }
  | { replaceOne: { filter: MongoDoc; replacement: MongoDoc; upsert?: boolean } }
  | { deleteMany: { filter: MongoDoc } };

export interface SessionOption {
  session?: MongoSession;
}

export interface MongoBulkResult {
  insertedCount: number;
  matchedCount: number;
  modifiedCount: number;
  deletedCount: number;
  upsertedCount: number;
}

export interface MongoUpdateResult {
  matchedCount: number;
  modifiedCount: number;
  upsertedCount: number;
}

export interface MongoFindOptions extends SessionOption {
  sort?: { [path: string]: 1 | -1 };
  projection?: MongoDoc;
  skip?: number;
  limit?: number;
}

export interface MongoCursorLike {
  toArray(): Promise<MongoDoc[]>;
}

export interface MongoIndexOptions {
  name?: string;
}

/** Declared with method syntax on purpose: the driver's overloads then satisfy these signatures. */
export interface MongoCollectionLike {
  /** Never with an empty list (the driver refuses one). */
  bulkWrite(operations: MongoWriteOp[], options?: SessionOption & { ordered?: boolean }): Promise<MongoBulkResult>;
  updateOne(filter: MongoDoc, update: MongoUpdate, options?: SessionOption & { upsert?: boolean }): Promise<MongoUpdateResult>;
  deleteMany(filter: MongoDoc, options?: SessionOption): Promise<{ deletedCount: number }>;
  find(filter: MongoDoc, options?: MongoFindOptions): MongoCursorLike;
  aggregate(pipeline: MongoDoc[], options?: SessionOption): MongoCursorLike;
  countDocuments(filter?: MongoDoc, options?: SessionOption): Promise<number>;
  createIndex(keys: { [path: string]: 1 | -1 }, options?: MongoIndexOptions): Promise<string>;
  /** Removes the collection and its indexes; true also when it did not exist (driver 6+). */
  drop(): Promise<boolean>;
}

export interface MongoDbLike {
  collection(name: string): MongoCollectionLike;
}

/** A document field read as text (the adapters store their keys and values as strings). */
export const textOf = (value: unknown): string => (typeof value === 'string' ? value : String(value));

/** A document field read as a number (a sum, a count); missing counts as 0. */
export const numberOf = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0));

/** E11000: an insert (or an upsert's insert) hit an existing key. */
export const DUPLICATE_KEY = 11000;

export const errorCode = (error: unknown): unknown => (typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined);

export const isDuplicateKeyError = (error: unknown): boolean => errorCode(error) === DUPLICATE_KEY;

/**
 * A deterministic `_id` from a tuple of key fields. JSON keeps the parts unambiguous
 * whatever they contain, and a string `_id` compares the same way everywhere (an object
 * `_id` would depend on field order).
 */
export const keyId = (...parts: (string | number)[]): string => JSON.stringify(parts);
