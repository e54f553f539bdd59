// The ad hoc read port (projections/analytics/adhoc.ts) on MongoDB: what the stats query,
// the session list and the hit-level answers need beyond the rollup reports of
// analytics-source.ts. The range's session documents are read from the (property, day)
// index a page at a time, in (day, id) order, and evaluated by the same JS rules the port
// defines (filters, values, sums, sort keys), so the answers are the embedded store's.
// An aggregate whose dimensions and filter mean the same in MongoDB's expression language
// is computed by the server instead (adhoc-pushdown.ts).
// Users per calendar value come from user_days.
import { createSessionAggregator, sessionLevelValue, sessionListOrder, sessionMeetsMetrics, sessionPasses, type AdhocSource, type SessionScanRequest } from '../analytics/adhoc.ts';
import { isDayDimension, timeValueOf } from '../analytics/calendar.ts';
import { isCustomDimension, isHitDimension, isSessionDimension } from '../analytics/dimensions.ts';
import type { SessionDoc } from '../analytics/model.ts';
import { propertyInfoSchema } from '../analytics/property-info.ts';
import type { MongoReadStore } from '../../storage/readstore/port.ts';
import { collectionsOf, dayRange, sessionOfStored } from './analytics-schema.ts';
import { sessionAggregatePipelines, rowsOfGroups } from './adhoc-pushdown.ts';
import { numberOf, textOf, type MongoDoc } from '../../storage/readstore/mongodb-db.ts';

/** Session documents per read: bounded memory whatever the range holds. */
export const SESSION_PAGE = 2_000;

export function createMongoAdhocSource(store: MongoReadStore, name: string, version: number, pageSize = SESSION_PAGE): AdhocSource {
  const { db } = store;
  const c = collectionsOf(name, version);

  /** Every session of the range, in (day, id) order, read a page at a time after the last one seen. */
  async function* rangeSessions(property: string, from: string, to: string): AsyncGenerator<SessionDoc> {
    let after: { day: string; id: string } | undefined;
    for (;;) {
      const filter: MongoDoc = { property, day: dayRange(from, to) };
      if (after !== undefined) filter['$or'] = [{ day: { $gt: after.day } }, { day: after.day, id: { $gt: after.id } }];
      const page = await db.collection(c.sessions).find(filter, { sort: { day: 1, id: 1 }, limit: pageSize }).toArray();
      for (const stored of page) yield sessionOfStored(stored);
      if (page.length < pageSize) return;
      const last = page[page.length - 1]!;
      after = { day: textOf(last['day']), id: textOf(last['id']) };
    }
  }

  async function* matching(request: SessionScanRequest): AsyncGenerator<SessionDoc> {
    const hitScoped = request.hitScoped ?? new Set<string>();
    for await (const doc of rangeSessions(request.property, request.from, request.to)) if (sessionPasses(request.filter, doc, hitScoped)) yield doc;
  }

  /** The (day, client) user-days of a range: one per client and day with a session. */
  const userDaysOf = async (property: string, from: string, to: string): Promise<{ day: string; client: string }[]> =>
    (await db.collection(c.userDays).find({ property, day: dayRange(from, to) }, { projection: { day: 1, client: 1 } }).toArray()).map((row) => ({ day: textOf(row['day']), client: textOf(row['client']) }));

  /** A dimension's values in one session, as the rollup reports count users per value. */
  const valuesIn = (doc: SessionDoc, dimension: string): readonly string[] => {
    if (dimension === 'hour' || isSessionDimension(dimension)) return [sessionLevelValue(doc, dimension)!];
    if (isHitDimension(dimension)) return doc.hitValues[dimension] ?? [];
    if (isCustomDimension(dimension)) {
      const own = doc.cds[dimension];
      return own === undefined ? (doc.hitValues[dimension] ?? []) : [own, ...(doc.hitValues[dimension] ?? [])];
    }
    throw new Error(`dimension: "${dimension}" has no users per value`);
  };

  return {
    async propertyInfo(property) {
      const [doc] = await db.collection(c.properties).find({ _id: property }, { limit: 1 }).toArray();
      return doc === undefined ? undefined : propertyInfoSchema.parse(doc['info']);
    },

    async firstDay(property) {
      const [doc] = await db.collection(c.daily).find({ property, dimension: '' }, { sort: { day: 1 }, limit: 1, projection: { day: 1 } }).toArray();
      return doc === undefined ? undefined : textOf(doc['day']);
    },

    async aggregateSessions(request) {
      // Computed by the server when it means the same there (adhoc-pushdown.ts): the answer's groups cross, not its sessions.
      const pipelines = sessionAggregatePipelines(request);
      if (pipelines !== undefined) {
        const sessions = db.collection(c.sessions);
        const [groups, users] = await Promise.all([sessions.aggregate(pipelines.groups).toArray(), sessions.aggregate(pipelines.users).toArray()]);
        return { rows: rowsOfGroups(request, groups), users: numberOf(users[0]?.['users']) };
      }
      const aggregator = createSessionAggregator(request);
      for await (const doc of rangeSessions(request.property, request.from, request.to)) aggregator.add(doc);
      return aggregator.result();
    },

    async countSessions(request) {
      let count = 0;
      for await (const _ of matching(request)) count += 1;
      return count;
    },

    scanSessions: matching,

    async usersOfValues(property, from, to, dimension, values) {
      const wanted = new Set(values);
      const clients = new Set<string>();
      if (isDayDimension(dimension)) {
        for (const { day, client } of await userDaysOf(property, from, to)) if (wanted.has(timeValueOf(dimension, day, ''))) clients.add(client);
        return clients.size;
      }
      for await (const doc of rangeSessions(property, from, to)) {
        if (!clients.has(doc.client) && valuesIn(doc, dimension).some((value) => wanted.has(value))) clients.add(doc.client);
      }
      return clients.size;
    },

    async usersByDay(property, from, to, dimension) {
      const clientsByValue = new Map<string, Set<string>>();
      for (const { day, client } of await userDaysOf(property, from, to)) {
        const value = timeValueOf(dimension, day, '');
        let clients = clientsByValue.get(value);
        if (clients === undefined) clientsByValue.set(value, (clients = new Set()));
        clients.add(client);
      }
      return new Map([...clientsByValue].map(([value, clients]) => [value, clients.size]));
    },

    async listSessions(request) {
      const order = sessionListOrder(request.orderBy);
      // The dashboard's default list (newest first, unfiltered): sorted, counted and cut by the server.
      if (request.filter === undefined && (request.metricConditions ?? []).length === 0 && (request.orderBy?.key ?? 'start') === 'start') {
        const filter = { property: request.property, day: dayRange(request.from, request.to) };
        const direction = request.orderBy?.direction === 'asc' ? 1 : -1;
        const page = await db.collection(c.sessions).find(filter, { sort: { startedAt: direction, id: 1 }, skip: request.offset, limit: request.limit }).toArray();
        return { total: await db.collection(c.sessions).countDocuments(filter), sessions: page.map(sessionOfStored) };
      }
      // Otherwise only the first offset + limit in list order are kept (sorted and cut whenever twice as many gathered).
      const keep = request.offset + request.limit;
      let best: SessionDoc[] = [];
      let total = 0;
      for await (const doc of matching(request)) {
        if (!sessionMeetsMetrics(doc, request.metricConditions)) continue;
        total += 1;
        best.push(doc);
        if (best.length >= 2 * keep + 1) best = best.sort(order).slice(0, keep);
      }
      return { total, sessions: best.sort(order).slice(request.offset, keep) };
    },
  };
}
