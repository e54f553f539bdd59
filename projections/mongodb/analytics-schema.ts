// The analytics read model on MongoDB: collections named `analytics_v<version>_*`, so a
// new version builds beside the serving one. Every document has a deterministic string
// `_id` made of its key fields (db.ts keyId), so an upsert addresses exactly one document
// and the key fields are also stored plainly for the indexes and pipelines.
//
// - daily {property, dimension, day, value, m: {<base metric>: n}, c: {cm<N>: n}}: the
//   rollups; dimension '' holds the property's totals. Index (property, dimension, day):
//   a report reads O(days × values) documents.
// - hourly {property, hour, m}: the totals per local hour.
// - sessions {id, property, client, day, hour, startedAt, d: {<session dimension>: value},
//   landing, cds, hitValues, totals, custom, ledger, ...}: every session (the model's
//   SessionDoc). Index (property, client, id): an erasure pages through a client's sessions.
// - user_days {property, day, client, newUser: 0|1}: exact distinct users over any range.
// - realtime {property, minute, client, page, source, country, device}: recent activity.
// - properties {_id: property id, info}: property infos folded from property events.
// Metric and dimension names are our own constants (no `.` or `$`); values such as page
// paths are only ever stored as field values, never as field names.
import { NOT_SET, SESSION_DIMENSIONS, SESSION_VALUE_COUNT } from '../analytics/dimensions.ts';
import type { LedgerEntry, SessionDoc } from '../analytics/model.ts';
import { keyId, type MongoDbLike, type MongoDoc } from '../../storage/readstore/mongodb-db.ts';

export interface AnalyticsCollections {
  daily: string;
  hourly: string;
  sessions: string;
  userDays: string;
  realtime: string;
  properties: string;
}

/** The filter of the days [from, to] ('YYYY-MM-DD' strings order as days). */
export const dayRange = (from: string, to: string) => ({ $gte: from, $lte: to });

export const collectionsOf = (name: string, version: number): AnalyticsCollections => {
  const prefix = `${name}_v${version}_`;
  return {
    daily: `${prefix}daily`,
    hourly: `${prefix}hourly`,
    sessions: `${prefix}sessions`,
    userDays: `${prefix}user_days`,
    realtime: `${prefix}realtime`,
    properties: `${prefix}properties`,
  };
};

const INDEXES: { [K in keyof AnalyticsCollections]: { [path: string]: 1 | -1 }[] } = {
  daily: [{ property: 1, dimension: 1, day: 1 }],
  hourly: [{ property: 1, hour: 1 }],
  // (property, day, id): the ad hoc reads page through a range in (day, id) order (adhoc-source.ts).
  sessions: [{ property: 1, day: 1, startedAt: 1 }, { property: 1, day: 1, id: 1 }, { property: 1, client: 1, id: 1 }],
  userDays: [{ property: 1, day: 1 }],
  realtime: [{ property: 1, minute: 1 }, { minute: 1 }],
  // Tiny, read whole; the index is there so opening creates the collection before any transaction writes to it.
  properties: [{ 'info.id': 1 }],
};

/** Creates the indexes of one version (idempotent: createIndex on an existing index is a no-op). */
export async function createIndexes(db: MongoDbLike, c: AnalyticsCollections): Promise<void> {
  for (const key of Object.keys(INDEXES) as (keyof AnalyticsCollections)[]) {
    for (const index of INDEXES[key]) await db.collection(c[key]).createIndex(index);
  }
}

export async function dropCollections(db: MongoDbLike, c: AnalyticsCollections): Promise<void> {
  for (const collection of Object.values(c)) await db.collection(collection).drop();
}

export const sessionId = (property: string, day: string, id: string): string => keyId(property, day, id);

/** A session document as stored: the model's document with its session dimensions by name. */
export function storedSession(doc: SessionDoc): MongoDoc {
  const d: MongoDoc = {};
  for (let id = 0; id < SESSION_DIMENSIONS.length; id++) d[SESSION_DIMENSIONS[id]!] = doc.dims[id] ?? NOT_SET;
  return {
    _id: sessionId(doc.property, doc.day, doc.id),
    id: doc.id,
    property: doc.property,
    client: doc.client,
    day: doc.day,
    hour: doc.hour,
    startedAt: doc.startedAt,
    lastHitAt: doc.lastHitAt,
    number: doc.number,
    isNewUser: doc.isNewUser,
    hits: doc.hits,
    interactions: doc.interactions,
    d,
    landing: doc.dims.slice(SESSION_DIMENSIONS.length, SESSION_VALUE_COUNT),
    cds: doc.cds,
    totals: doc.totals,
    custom: doc.custom,
    pages: doc.pages,
    events: doc.events,
    hitValues: doc.hitValues,
    userDay: doc.userDay,
    ledger: doc.ledger,
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isLedgerEntry = (value: unknown): value is LedgerEntry => Array.isArray(value) && value.length >= 4 && value.every((n) => typeof n === 'number');

/** The model's document from a stored one (checked for shape: it was written by `storedSession`). */
export function sessionOfStored(stored: MongoDoc): SessionDoc {
  const { d, landing, totals, pages, events, cds, custom, hitValues, ledger } = stored;
  if (
    !isRecord(d) ||
    !Array.isArray(landing) ||
    !Array.isArray(totals) ||
    !Array.isArray(pages) ||
    !Array.isArray(events) ||
    !isRecord(cds) ||
    !isRecord(custom) ||
    !isRecord(hitValues) ||
    !Array.isArray(ledger) ||
    !ledger.every(isLedgerEntry)
  ) {
    throw new Error(`session document ${String(stored['_id'])}: not in the stored session shape`);
  }
  const dims: (string | null)[] = SESSION_DIMENSIONS.map((name) => String(d[name] ?? NOT_SET));
  for (const value of landing) dims.push(typeof value === 'string' ? value : null);
  const userDay = stored['userDay'];
  return {
    id: String(stored['id']),
    property: String(stored['property']),
    client: String(stored['client']),
    day: String(stored['day']),
    hour: String(stored['hour']),
    startedAt: Number(stored['startedAt']),
    lastHitAt: Number(stored['lastHitAt']),
    number: Number(stored['number']),
    isNewUser: stored['isNewUser'] === true,
    hits: Number(stored['hits']),
    interactions: Number(stored['interactions']),
    dims,
    cds: cds as Record<string, string>,
    totals: totals.map(Number),
    custom: custom as Record<string, number>,
    pages: pages.map(Number),
    events: events.map(Number),
    hitValues: hitValues as Record<string, string[]>,
    userDay: userDay === 2 ? 2 : userDay === 1 ? 1 : 0,
    ledger,
  };
}
