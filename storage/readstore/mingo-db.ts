// An in-memory MongoDB for CI: the `MongoDbLike` surface (mongodb-db.ts) executed by mingo, so the
// adapters' own filters, update documents and aggregation pipelines run as written,
// without a server. Queries and pipelines go to mingo's Query and Aggregator, updates to
// mingo's update operators; what mingo leaves to the server is done here the way MongoDB
// does it: upserts (seeded from the filter's equality fields, `$setOnInsert`), the unique
// `_id`, and transactions.
//
// Transactions are snapshot isolated, copy on write: a transaction reads the collections
// as they were when it started plus its own writes, keeps its writes in an overlay, and
// a commit applies the overlay at once (an abort drops it). A document written by an
// open transaction is locked: another transaction writing it fails with a WriteConflict
// (labelled TransientTransactionError, which `withTransaction` retries, as the driver
// does), and a write outside transactions waits until the transaction ends. A failed
// write aborts its transaction, as on a server.
//
// Deliberately stricter than a server where adapters must stay portable: field names may
// not start with `$` or contain `.`, only plain objects/arrays/Dates/primitives are
// stored (`undefined` becomes null, as the driver serialises it), a transaction may not
// create a collection, `$out`/`$merge`/`$lookup` and server-side JavaScript are refused.
// Not modelled: secondary-index uniqueness and use (indexes are recorded, queries scan),
// the 16 MB document limit, numeric BSON types, timeouts.
import { Aggregator, ProcessingMode, Query, update as applyModifier } from 'mingo';
import { DUPLICATE_KEY, type MongoBulkResult, type MongoCollectionLike, type MongoCursorLike, type MongoDbLike, type MongoDoc, type MongoFindOptions, type MongoSession, type MongoUpdate, type MongoWriteOp } from './mongodb-db.ts';

type Doc = MongoDoc;

/** A server error as the driver reports one: a numeric code, a code name and labels. */
export class MingoServerError extends Error {
  override readonly name = 'MongoServerError';

  constructor(
    message: string,
    readonly code: number,
    readonly codeName: string,
    readonly errorLabels: readonly string[] = [],
  ) {
    super(message);
  }

  hasErrorLabel(label: string): boolean {
    return this.errorLabels.includes(label);
  }
}

export const TRANSIENT_TRANSACTION_ERROR = 'TransientTransactionError';

const writeConflict = (collection: string): MingoServerError =>
  new MingoServerError(`WriteConflict on ${collection}: a document was changed by another operation since this transaction started`, 112, 'WriteConflict', [TRANSIENT_TRANSACTION_ERROR]);

export interface IndexInfo {
  name: string;
  keys: { [path: string]: 1 | -1 };
}

export interface WriteInfo {
  collection: string;
  op: 'updateOne' | 'replaceOne' | 'deleteMany';
  inTransaction: boolean;
}

export interface MingoDbOptions {
  /** Called before every write operation; a throw fails that operation (fault injection). */
  onWrite?(info: WriteInfo): void;
  /** Called when a transaction is about to commit, after all its writes; a throw aborts it (a crash before the commit). */
  beforeCommit?(collections: string[]): void;
  /** Attempts `withTransaction` makes while the callback fails with a TransientTransactionError. Default 5. */
  transactionAttempts?: number;
}

export interface MingoDb extends MongoDbLike {
  /** Runs `work` in a transaction, committing when it resolves, aborting when it throws; retried on transient errors (like `ClientSession.withTransaction`). */
  withTransaction<T>(work: (session: MongoSession) => Promise<T>): Promise<T>;
  /** Collections that exist, sorted. */
  collectionNames(): string[];
  indexes(collection: string): IndexInfo[];
  /** Transactions started and not yet committed or aborted. */
  openTransactions(): number;
}

// ---- documents as BSON would keep them -------------------------------------------------

const isPlainObject = (value: unknown): value is Doc => {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/** A deep copy as stored: checks field names and value types; `undefined` → null (the driver's default). */
function toStored(value: unknown, path: string): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return value;
  if (value instanceof Date) return new Date(value.getTime());
  // Frozen: stored documents are shared by snapshots and handed to mingo uncloned, so nothing may change them in place.
  if (Array.isArray(value)) return Object.freeze(value.map((item, i) => toStored(item, `${path}.${i}`)));
  if (isPlainObject(value)) {
    const out: Doc = {};
    for (const key of Object.keys(value)) {
      if (key.startsWith('$') || key.includes('.') || key.includes('\u0000')) {
        throw new MingoServerError(`field name ${JSON.stringify(key)} at ${path || '(root)'} must not start with $ or contain . or NUL (portable field names only)`, 2, 'BadValue');
      }
      const v = value[key];
      if (typeof v === 'function' || typeof v === 'symbol') continue;
      out[key] = toStored(v, path ? `${path}.${key}` : key);
    }
    return Object.freeze(out);
  }
  throw new MingoServerError(`value at ${path || '(root)'} is not storable as BSON here (only plain objects, arrays, Dates and primitives)`, 2, 'BadValue');
}

const storedDoc = (doc: Doc): Doc => toStored(doc, '') as Doc;

/** The map key of an `_id`. */
function keyOf(id: unknown): string {
  if (typeof id === 'string') return `s${id}`;
  if (typeof id === 'number') return `n${id}`;
  return `j${canonical(id)}`;
}

function canonical(value: unknown): string {
  if (value instanceof Date) return `{"$date":${value.getTime()}}`;
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isPlainObject(value)) return `{${Object.keys(value).map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** Deep equality of stored values (field order included, as BSON compares documents). */
function sameStored(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameStored(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameStored(a[k], b[k]));
  }
  return false;
}

const isOperatorObject = (value: unknown): boolean => isPlainObject(value) && Object.keys(value).some((k) => k.startsWith('$'));

function setPath(doc: Doc, path: string, value: unknown): void {
  const parts = path.split('.');
  let target = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = target[parts[i]!];
    if (isPlainObject(next)) target = next;
    else {
      const created: Doc = {};
      target[parts[i]!] = created;
      target = created;
    }
  }
  target[parts[parts.length - 1]!] = value;
}

function getPath(doc: Doc, path: string): { parent: unknown; value: unknown } {
  let parent: unknown = doc;
  let value: unknown = doc;
  for (const part of path.split('.')) {
    parent = value;
    if (isPlainObject(value)) value = value[part];
    else if (Array.isArray(value) && /^\d+$/.test(part)) value = value[Number(part)];
    else return { parent, value: undefined };
  }
  return { parent, value };
}

/** What an upsert inserts before applying the update: the filter's equality fields (top level, as MongoDB). */
function seedOf(filter: Doc): Doc {
  const seed: Doc = {};
  for (const [key, value] of Object.entries(filter)) {
    if (key.startsWith('$') || isOperatorObject(value)) continue;
    setPath(seed, key, value);
  }
  return seed;
}

// ---- update documents -------------------------------------------------------------------

const UPDATE_OPERATORS = new Set(['$set', '$setOnInsert', '$inc', '$max', '$min', '$unset']);

/** Checks an update document the way the server does (operators only, no conflicting paths, numeric $inc). */
function checkUpdate(update: MongoUpdate): void {
  if (!isPlainObject(update) || Object.keys(update).length === 0) throw new MingoServerError('update document must hold update operators', 9, 'FailedToParse');
  const paths: string[] = [];
  for (const [operator, operand] of Object.entries(update)) {
    if (!operator.startsWith('$')) throw new MingoServerError(`update document must hold only update operators (found ${operator})`, 9, 'FailedToParse');
    if (!UPDATE_OPERATORS.has(operator)) throw new MingoServerError(`update operator ${operator} is not supported by the mingo executor`, 9, 'FailedToParse');
    if (!isPlainObject(operand)) throw new MingoServerError(`${operator} must be given a document`, 9, 'FailedToParse');
    for (const [path, value] of Object.entries(operand)) {
      if (path === '' || path.startsWith('$') || path.split('.').some((p) => p === '')) throw new MingoServerError(`${operator}: bad field path ${JSON.stringify(path)}`, 2, 'BadValue');
      if (operator === '$inc' && typeof value !== 'number') throw new MingoServerError(`Cannot increment with non-numeric argument: {${path}: ${JSON.stringify(value)}}`, 14, 'TypeMismatch');
      for (const other of paths) {
        if (other === path || other.startsWith(`${path}.`) || path.startsWith(`${other}.`)) {
          throw new MingoServerError(`Updating the path '${path}' would create a conflict at '${other}'`, 40, 'ConflictingUpdateOperators');
        }
      }
      paths.push(path);
    }
  }
}

/** Applies a checked update to a copy of `doc` (an upsert's seed when inserting). */
function updated(doc: Doc, update: MongoUpdate, inserting: boolean): Doc {
  const next = structuredClone(doc);
  const modifier: Doc = {};
  const set: Doc = { ...(update.$set ?? {}), ...(inserting ? (update.$setOnInsert ?? {}) : {}) };
  // _id may be set when inserting, or set to the value it has; never changed.
  if ('_id' in set) {
    if (next['_id'] === undefined && inserting) next['_id'] = set['_id'];
    else if (keyOf(next['_id']) !== keyOf(set['_id'])) throw new MingoServerError("Performing an update on the path '_id' would modify the immutable field '_id'", 66, 'ImmutableField');
    delete set['_id'];
  }
  for (const [op, operand] of Object.entries(update)) {
    if (op === '$set' || op === '$setOnInsert') continue;
    if (Object.keys(operand as Doc).some((path) => path === '_id' || path.startsWith('_id.'))) {
      throw new MingoServerError("Performing an update on the path '_id' would modify the immutable field '_id'", 66, 'ImmutableField');
    }
  }
  if (Object.keys(set).length > 0) modifier['$set'] = set;
  for (const op of ['$inc', '$max', '$min', '$unset'] as const) {
    const operand = update[op];
    if (operand !== undefined && Object.keys(operand).length > 0) modifier[op] = operand;
  }
  for (const [op, operand] of Object.entries(modifier)) {
    for (const path of Object.keys(operand as Doc)) {
      const { parent, value } = getPath(next, path);
      if (parent !== undefined && parent !== null && !isPlainObject(parent) && !Array.isArray(parent)) {
        throw new MingoServerError(`Cannot create field in element of a non-document at ${path}`, 28, 'PathNotViable');
      }
      if (op === '$inc' && value !== undefined && value !== null && typeof value !== 'number') {
        throw new MingoServerError(`Cannot apply $inc to a value of non-numeric type at ${path}`, 14, 'TypeMismatch');
      }
    }
  }
  if (Object.keys(modifier).length > 0) applyModifier(next, modifier, undefined, undefined, { cloneMode: 'deep', queryOptions: QUERY_OPTIONS });
  return next;
}

// ---- views over collections ---------------------------------------------------------------

interface DocView {
  get(key: string): Doc | undefined;
  entries(): Iterable<[string, Doc]>;
}

const EMPTY_VIEW: DocView = { get: () => undefined, entries: () => [] };

const mapView = (map: ReadonlyMap<string, Doc> | undefined): DocView => (map === undefined ? EMPTY_VIEW : { get: (key) => map.get(key), entries: () => map.entries() });

/** `base` with `changes` on top (null: deleted). */
function overlay(base: DocView, changes: ReadonlyMap<string, Doc | null>): DocView {
  return {
    get(key) {
      if (changes.has(key)) return changes.get(key) ?? undefined;
      return base.get(key);
    },
    *entries() {
      for (const entry of base.entries()) if (!changes.has(entry[0])) yield entry;
      for (const [key, doc] of changes) if (doc !== null) yield [key, doc];
    },
  };
}

const QUERY_OPTIONS = { scriptEnabled: false, useStrictMode: true } as const;

/** The documents `filter` matches, with their keys; `_id` equality and `$in` are looked up, the rest scanned. */
function matching(view: DocView, filter: Doc, one: boolean): [string, Doc][] {
  const id = filter['_id'];
  // The adapters' most frequent filter, { _id: value }: a lookup decides it alone.
  if (id !== undefined && !isOperatorObject(id) && Object.keys(filter).length === 1) {
    const key = keyOf(id);
    const doc = view.get(key);
    return doc === undefined ? [] : [[key, doc]];
  }
  const query = new Query(filter, QUERY_OPTIONS);
  let candidates: Iterable<[string, Doc]>;
  if (id !== undefined && !isOperatorObject(id)) {
    const key = keyOf(id);
    const doc = view.get(key);
    candidates = doc === undefined ? [] : [[key, doc]];
  } else if (isPlainObject(id) && Object.keys(id).length === 1 && Array.isArray(id['$in'])) {
    candidates = (id['$in'] as unknown[]).flatMap((value): [string, Doc][] => {
      const key = keyOf(value);
      const doc = view.get(key);
      return doc === undefined ? [] : [[key, doc]];
    });
  } else candidates = view.entries();
  const out: [string, Doc][] = [];
  for (const entry of candidates) {
    if (query.test(entry[1])) {
      out.push(entry);
      if (one) break;
    }
  }
  return out;
}

// ---- the database ---------------------------------------------------------------------------

interface CollectionState {
  docs: Map<string, Doc>;
  /** True while an open transaction's snapshot shares `docs`: the next write copies it first. */
  shared: boolean;
  indexes: IndexInfo[];
  /** Sequence number of the last committed write of each document (deletes included). */
  seqs: Map<string, number>;
}

interface Transaction {
  readonly snapshot: ReadonlyMap<string, ReadonlyMap<string, Doc>>;
  readonly startSeq: number;
  readonly changes: Map<string, Map<string, Doc | null>>;
  state: 'active' | 'committed' | 'aborted';
  readonly done: Promise<void>;
  finish(): void;
}

/** Thrown inside an implicit (single-operation) write that touched a document an open transaction holds; the write waits and retries. */
class BlockedByTransaction extends Error {
  override readonly name = 'BlockedByTransaction';

  constructor(readonly by: Transaction) {
    super('the document is held by an open transaction');
  }
}

export function createMingoDb(options: MingoDbOptions = {}): MingoDb {
  const collections = new Map<string, CollectionState>();
  /** Sequence number at which each collection was last dropped. */
  const dropped = new Map<string, number>();
  /** Documents written by open transactions: collection NUL key → transaction. */
  const locks = new Map<string, Transaction>();
  const sessions = new WeakMap<MongoSession, Transaction>();
  const open = new Set<Transaction>();
  let seq = 0;
  let generated = 0;
  const attempts = options.transactionAttempts ?? 5;

  const lockKey = (collection: string, key: string): string => `${collection}\u0000${key}`;

  function stateOf(name: string): CollectionState {
    let state = collections.get(name);
    if (state === undefined) collections.set(name, (state = { docs: new Map(), shared: false, indexes: [{ name: '_id_', keys: { _id: 1 } }], seqs: new Map() }));
    return state;
  }

  function begin(): Transaction {
    const snapshot = new Map<string, ReadonlyMap<string, Doc>>();
    for (const [name, state] of collections) {
      snapshot.set(name, state.docs);
      state.shared = true;
    }
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const txn: Transaction = { snapshot, startSeq: seq, changes: new Map(), state: 'active', done, finish };
    open.add(txn);
    return txn;
  }

  function release(txn: Transaction): void {
    for (const [collection, changes] of txn.changes) for (const key of changes.keys()) if (locks.get(lockKey(collection, key)) === txn) locks.delete(lockKey(collection, key));
    open.delete(txn);
    txn.finish();
  }

  function abort(txn: Transaction): void {
    if (txn.state !== 'active') return;
    txn.state = 'aborted';
    release(txn);
  }

  /** Applies changes to the committed state under one new sequence number. */
  function apply(collection: string, changes: ReadonlyMap<string, Doc | null>): void {
    if (changes.size === 0) return;
    seq += 1;
    const state = stateOf(collection);
    if (state.shared) {
      state.docs = new Map(state.docs);
      state.shared = false;
    }
    for (const [key, doc] of changes) {
      if (doc === null) state.docs.delete(key);
      else state.docs.set(key, doc);
      state.seqs.set(key, seq);
    }
  }

  function commit(txn: Transaction): void {
    if (txn.state !== 'active') throw noSuchTransaction();
    const written = [...txn.changes.keys()].filter((name) => (txn.changes.get(name)?.size ?? 0) > 0);
    try {
      options.beforeCommit?.(written);
      for (const name of written) if ((dropped.get(name) ?? -1) > txn.startSeq) throw writeConflict(name);
    } catch (error) {
      abort(txn);
      throw error;
    }
    for (const name of written) apply(name, txn.changes.get(name)!);
    txn.state = 'committed';
    release(txn);
  }

  const noSuchTransaction = (): MingoServerError => new MingoServerError('Transaction has been aborted or committed', 251, 'NoSuchTransaction', [TRANSIENT_TRANSACTION_ERROR]);

  function transactionOf(session: MongoSession | undefined): Transaction | undefined {
    if (session === undefined) return undefined;
    const txn = sessions.get(session);
    if (txn === undefined) throw new Error('this session does not belong to this mingo database');
    if (txn.state !== 'active') throw noSuchTransaction();
    return txn;
  }

  function viewOf(collection: string, txn: Transaction | undefined): DocView {
    if (txn === undefined) return mapView(collections.get(collection)?.docs);
    const base = mapView(txn.snapshot.get(collection));
    const changes = txn.changes.get(collection);
    return changes === undefined ? base : overlay(base, changes);
  }

  /** One write operation into `out` (over `view`, which must already show `out`). */
  function execute(collection: string, op: MongoWriteOp, view: DocView, out: Map<string, Doc | null>, inTransaction: boolean): MongoBulkResult {
    const result: MongoBulkResult = { insertedCount: 0, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0 };
    const insert = (doc: Doc): void => {
      if (doc['_id'] === undefined) doc = { _id: `mingo-${++generated}`, ...doc };
      const key = keyOf(doc['_id']);
      if (view.get(key) !== undefined) throw new MingoServerError(`E11000 duplicate key error collection: ${collection} index: _id_ dup key: { _id: ${canonical(doc['_id'])} }`, DUPLICATE_KEY, 'DuplicateKey');
      out.set(key, storedDoc(doc));
      result.upsertedCount += 1;
    };
    if ('updateOne' in op) {
      const { filter, update, upsert } = op.updateOne;
      options.onWrite?.({ collection, op: 'updateOne', inTransaction });
      checkUpdate(update);
      const [found] = matching(view, filter, true);
      if (found !== undefined) {
        result.matchedCount = 1;
        const next = storedDoc(updated(found[1], update, false));
        if (keyOf(next['_id']) !== found[0]) throw new MingoServerError("Performing an update on the path '_id' would modify the immutable field '_id'", 66, 'ImmutableField');
        if (!sameStored(next, found[1])) {
          out.set(found[0], next);
          result.modifiedCount = 1;
        }
      } else if (upsert === true) insert(updated(seedOf(filter), update, true));
    } else if ('replaceOne' in op) {
      const { filter, replacement, upsert } = op.replaceOne;
      options.onWrite?.({ collection, op: 'replaceOne', inTransaction });
      if (Object.keys(replacement).some((k) => k.startsWith('$'))) throw new Error('Replacement document must not contain atomic operators');
      const [found] = matching(view, filter, true);
      if (found !== undefined) {
        result.matchedCount = 1;
        const id = found[1]['_id'];
        if (replacement['_id'] !== undefined && keyOf(replacement['_id']) !== found[0]) throw new MingoServerError("After applying the update, the (immutable) field '_id' was found to have been altered", 66, 'ImmutableField');
        const next = storedDoc({ ...replacement, _id: id });
        if (!sameStored(next, found[1])) {
          out.set(found[0], next);
          result.modifiedCount = 1;
        }
      } else if (upsert === true) {
        const seed = seedOf(filter);
        insert({ ...(seed['_id'] === undefined ? {} : { _id: seed['_id'] }), ...replacement });
      }
    } else {
      options.onWrite?.({ collection, op: 'deleteMany', inTransaction });
      for (const [key] of matching(view, op.deleteMany.filter, false)) {
        out.set(key, null);
        result.deletedCount += 1;
      }
    }
    return result;
  }

  const add = (total: MongoBulkResult, part: MongoBulkResult): void => {
    total.insertedCount += part.insertedCount;
    total.matchedCount += part.matchedCount;
    total.modifiedCount += part.modifiedCount;
    total.deletedCount += part.deletedCount;
    total.upsertedCount += part.upsertedCount;
  };

  /** Write operations, in a transaction (its overlay, its locks) or each on its own (committed at once). */
  async function write(collection: string, ops: readonly MongoWriteOp[], session: MongoSession | undefined, ordered: boolean): Promise<MongoBulkResult> {
    const txn = transactionOf(session);
    const total: MongoBulkResult = { insertedCount: 0, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0 };
    let firstError: unknown;
    for (const op of ops) {
      for (;;) {
        const out = new Map<string, Doc | null>();
        try {
          if (txn !== undefined) {
            let changes = txn.changes.get(collection);
            if (changes === undefined) txn.changes.set(collection, (changes = new Map()));
            const part = execute(collection, op, overlay(viewOf(collection, txn), out), out, true);
            if (out.size > 0 && !txn.snapshot.has(collection)) {
              // Servers before 4.4 refuse this, later ones only in some cases: adapters create collections first.
              throw new MingoServerError(`collection ${collection} did not exist when the transaction started: create it (createIndex) before writing to it in a transaction`, 263, 'OperationNotSupportedInTransaction');
            }
            const state = collections.get(collection);
            for (const key of out.keys()) {
              const holder = locks.get(lockKey(collection, key));
              if (holder !== undefined && holder !== txn) throw writeConflict(collection);
              if ((state?.seqs.get(key) ?? 0) > txn.startSeq || (dropped.get(collection) ?? -1) > txn.startSeq) throw writeConflict(collection);
            }
            for (const [key, doc] of out) {
              locks.set(lockKey(collection, key), txn);
              changes.set(key, doc);
            }
            add(total, part);
          } else {
            const part = execute(collection, op, overlay(viewOf(collection, undefined), out), out, false);
            for (const key of out.keys()) {
              const holder = locks.get(lockKey(collection, key));
              if (holder !== undefined) throw new BlockedByTransaction(holder);
            }
            apply(collection, out);
            add(total, part);
          }
          break;
        } catch (error) {
          if (error instanceof BlockedByTransaction) {
            // Outside transactions a write waits for the transaction holding the document.
            await error.by.done;
            continue;
          }
          // On a server a failed write aborts its transaction.
          if (txn !== undefined) {
            abort(txn);
            throw error;
          }
          if (ordered) throw error;
          firstError ??= error;
          break;
        }
      }
    }
    if (firstError !== undefined) throw firstError;
    return total;
  }

  const cursor = (produce: () => Doc[]): MongoCursorLike => ({
    async toArray() {
      return produce().map((doc) => structuredClone(doc));
    },
  });

  function collection(name: string): MongoCollectionLike {
    if (name === '' || name.includes('$') || name.includes('\u0000')) throw new MingoServerError(`invalid collection name ${JSON.stringify(name)}`, 73, 'InvalidNamespace');
    return {
      async bulkWrite(operations, writeOptions) {
        if (operations.length === 0) throw new Error('Invalid BulkOperation, Batch cannot be empty');
        return write(name, operations, writeOptions?.session, writeOptions?.ordered ?? true);
      },
      async updateOne(filter, update, updateOptions) {
        const r = await write(name, [{ updateOne: { filter, update, ...(updateOptions?.upsert === undefined ? {} : { upsert: updateOptions.upsert }) } }], updateOptions?.session, true);
        return { matchedCount: r.matchedCount, modifiedCount: r.modifiedCount, upsertedCount: r.upsertedCount };
      },
      async deleteMany(filter, deleteOptions) {
        const r = await write(name, [{ deleteMany: { filter } }], deleteOptions?.session, true);
        return { deletedCount: r.deletedCount };
      },
      find(filter, findOptions?: MongoFindOptions) {
        const txn = transactionOf(findOptions?.session);
        return cursor(() => {
          let found = new Query(filter, QUERY_OPTIONS).find<Doc>(
            matching(viewOf(name, txn), filter, false).map(([, doc]) => doc),
            findOptions?.projection,
          );
          if (findOptions?.sort !== undefined) found = found.sort(findOptions.sort);
          if (findOptions?.skip !== undefined) found = found.skip(findOptions.skip);
          if (findOptions?.limit !== undefined && findOptions.limit > 0) found = found.limit(findOptions.limit);
          return found.all();
        });
      },
      aggregate(pipeline, aggregateOptions) {
        const txn = transactionOf(aggregateOptions?.session);
        for (const stage of pipeline) {
          const operator = Object.keys(stage)[0];
          if (operator === '$out' || operator === '$merge' || operator === '$lookup' || operator === '$graphLookup' || operator === '$unionWith') {
            throw new MingoServerError(`${operator} is not supported by the mingo executor`, 40324, 'UnrecognizedPipelineStage');
          }
        }
        return cursor(() => {
          // A leading $match only reads; the stages after it get copies, since some change their
          // input in place (stored documents are frozen, and mingo is not strict-mode code).
          const first = pipeline[0];
          const match = first !== undefined && Object.keys(first).length === 1 && isPlainObject(first['$match']) ? first['$match'] : undefined;
          const found = match === undefined ? [...viewOf(name, txn).entries()] : matching(viewOf(name, txn), match, false);
          const docs = found.map(([, doc]) => structuredClone(doc));
          return new Aggregator(match === undefined ? pipeline : pipeline.slice(1), { ...QUERY_OPTIONS, processingMode: ProcessingMode.CLONE_OFF }).run(docs) as Doc[];
        });
      },
      async countDocuments(filter = {}, countOptions) {
        return matching(viewOf(name, transactionOf(countOptions?.session)), filter, false).length;
      },
      async createIndex(keys, indexOptions) {
        const entries = Object.entries(keys);
        if (entries.length === 0 || entries.some(([, d]) => d !== 1 && d !== -1)) throw new MingoServerError('index keys must be fields with 1 or -1', 67, 'CannotCreateIndex');
        const indexName = indexOptions?.name ?? entries.map(([k, d]) => `${k}_${d}`).join('_');
        const state = stateOf(name);
        const existing = state.indexes.find((index) => index.name === indexName);
        if (existing !== undefined) {
          if (canonical(existing.keys) !== canonical(keys)) throw new MingoServerError(`an index named ${indexName} exists with other keys`, 86, 'IndexKeySpecsConflict');
          return indexName;
        }
        state.indexes.push({ name: indexName, keys: { ...keys } });
        return indexName;
      },
      async drop() {
        // Dropping needs the collection to itself: wait for the transactions writing it.
        for (;;) {
          const writing = [...open].find((txn) => (txn.changes.get(name)?.size ?? 0) > 0);
          if (writing === undefined) break;
          await writing.done;
        }
        if (collections.delete(name)) dropped.set(name, ++seq);
        return true;
      },
    };
  }

  return {
    collection,
    async withTransaction<T>(work: (session: MongoSession) => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        const txn = begin();
        const session: MongoSession = Object.freeze({});
        sessions.set(session, txn);
        try {
          const result = await work(session);
          commit(txn);
          return result;
        } catch (error) {
          abort(txn);
          const transient = error instanceof MingoServerError && error.hasErrorLabel(TRANSIENT_TRANSACTION_ERROR);
          if (!transient || attempt >= attempts) throw error;
        }
      }
    },
    collectionNames: () => [...collections.keys()].sort(),
    indexes: (name) => (collections.get(name)?.indexes ?? []).map((index) => ({ name: index.name, keys: { ...index.keys } })),
    openTransactions: () => open.size,
  };
}
