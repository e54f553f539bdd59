// The projection registry on MongoDB, with the semantics of registry-embedded.ts: four
// small collections beside the read models. Each decision is one single-document write,
// which MongoDB makes atomic: a lease is taken by an upsert whose filter only matches a
// lease that is ours or expired (when another owner holds it, the upsert's insert hits
// the existing _id and fails), and the active version moves by a compare-and-set on it.
import type { MongoReadStore } from '../../storage/readstore/port.ts';
import type { Lease, ProjectionRegistry } from '../registry.ts';
import type { ProjectionStatus } from '../status.ts';
import { isDuplicateKeyError, keyId, type MongoDoc } from '../../storage/readstore/mongodb-db.ts';

export const REGISTRY_COLLECTIONS = {
  registry: 'projection_registry',
  leases: 'projection_leases',
  versions: 'projection_versions',
  status: 'projection_status',
} as const;

const num = (doc: MongoDoc | undefined, field: string): number | undefined => (typeof doc?.[field] === 'number' ? doc[field] : undefined);
const str = (doc: MongoDoc | undefined, field: string): string | undefined => (typeof doc?.[field] === 'string' ? doc[field] : undefined);

export function createMongoRegistry(store: MongoReadStore): ProjectionRegistry {
  const { db } = store;
  const registry = db.collection(REGISTRY_COLLECTIONS.registry);
  const leases = db.collection(REGISTRY_COLLECTIONS.leases);
  const versions = db.collection(REGISTRY_COLLECTIONS.versions);
  const statuses = db.collection(REGISTRY_COLLECTIONS.status);
  // Indexes once per registry object, before its first operation.
  let ready: Promise<void> | undefined;
  const indexed = (): Promise<void> =>
    (ready ??= Promise.all([versions.createIndex({ name: 1, version: 1 }), statuses.createIndex({ name: 1, version: 1 })]).then(
      () => undefined,
      (error: unknown) => {
        ready = undefined;
        throw error;
      },
    ));

  return {
    async tryAcquireLease(name, version, owner, now, ttlMs) {
      await indexed();
      try {
        // Free (no document), expired or ours: the filter matches or the upsert inserts. Held by
        // another owner: the filter misses and the insert collides with the holder's _id.
        await leases.updateOne(
          { _id: keyId(name, version), $or: [{ owner }, { expiresAt: { $lte: now } }] },
          { $set: { owner, expiresAt: now + ttlMs }, $setOnInsert: { name, version } },
          { upsert: true },
        );
        return true;
      } catch (error) {
        if (isDuplicateKeyError(error)) return false;
        throw error;
      }
    },
    async renewLease(name, version, owner, now, ttlMs) {
      const result = await leases.updateOne({ _id: keyId(name, version), owner }, { $set: { expiresAt: now + ttlMs } });
      return result.matchedCount === 1;
    },
    async releaseLease(name, version, owner) {
      await leases.deleteMany({ _id: keyId(name, version), owner });
    },
    async leaseHolder(name, version, now): Promise<Lease | undefined> {
      const [doc] = await leases.find({ _id: keyId(name, version), expiresAt: { $gt: now } }).toArray();
      const owner = str(doc, 'owner');
      const expiresAt = num(doc, 'expiresAt');
      return owner === undefined || expiresAt === undefined ? undefined : { owner, expiresAt };
    },

    async activeVersion(name) {
      const [doc] = await registry.find({ _id: name }).toArray();
      return num(doc, 'activeVersion');
    },
    async setActiveVersion(name, version, expected) {
      const now = Date.now();
      if (expected === undefined) {
        // Only the first activation inserts; an existing entry is left as it is.
        const result = await registry.updateOne({ _id: name }, { $setOnInsert: { activeVersion: version, updatedAt: now } }, { upsert: true });
        return result.upsertedCount === 1;
      }
      const result = await registry.updateOne({ _id: name, activeVersion: expected }, { $set: { activeVersion: version, updatedAt: now } });
      return result.matchedCount === 1;
    },

    async recordVersion(name, version, now) {
      await indexed();
      await versions.updateOne({ _id: keyId(name, version) }, { $setOnInsert: { name, version, createdAt: now } }, { upsert: true });
    },
    async knownVersions(name) {
      const docs = await versions.find({ name }, { sort: { version: 1 } }).toArray();
      return docs.map((doc) => num(doc, 'version')).filter((v): v is number => v !== undefined);
    },
    async forgetVersion(name, version) {
      await indexed();
      await store.withTransaction(async (session) => {
        await versions.deleteMany({ _id: keyId(name, version) }, { session });
        await statuses.deleteMany({ _id: keyId(name, version) }, { session });
      });
    },
    async knownNames() {
      const [active, stored] = await Promise.all([registry.find({}, { projection: { _id: 1 } }).toArray(), versions.find({}, { projection: { name: 1 } }).toArray()]);
      const names = new Set<string>();
      for (const doc of active) if (typeof doc['_id'] === 'string') names.add(doc['_id']);
      for (const doc of stored) if (typeof doc['name'] === 'string') names.add(doc['name']);
      return [...names].sort();
    },

    async saveStatus(status) {
      await indexed();
      // Stored as JSON text, as on the embedded store: a status read back is exactly the one saved.
      await statuses.updateOne(
        { _id: keyId(status.name, status.version) },
        { $set: { name: status.name, version: status.version, status: JSON.stringify(status), updatedAt: status.updatedAt } },
        { upsert: true },
      );
    },
    async listStatus(name) {
      const docs = await statuses.find(name === undefined ? {} : { name }, { sort: { name: 1, version: 1 } }).toArray();
      return docs.flatMap((doc) => {
        const text = str(doc, 'status');
        return text === undefined ? [] : [JSON.parse(text) as ProjectionStatus];
      });
    },
  };
}
