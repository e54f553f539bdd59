// The analytics read source on MongoDB: aggregation pipelines over the collections of
// analytics-schema.ts, answering exactly what queries-embedded.ts answers with SQL (the
// unit conversions and derived metrics are done once, in analytics/queries.ts). Reports
// read the daily rollups ($match on the (property, dimension, day) index, $group sums);
// users are distinct clients: from user_days without a dimension, from the session
// documents per dimension value ($group on (value, client), then on value).
import type { MongoReadStore } from '../../storage/readstore/port.ts';
import { isHitDimension, isSessionDimension } from '../analytics/dimensions.ts';
import { BASE_METRICS, storedPerReportUnit } from '../analytics/metrics.ts';
import { sessionDimensionsOf } from '../analytics/model.ts';
import type { AnalyticsReadSource, RealtimeActivity, SortKey } from '../analytics/queries.ts';
import { collectionsOf, dayRange, sessionOfStored } from './analytics-schema.ts';
import { numberOf, textOf, type MongoDoc } from '../../storage/readstore/mongodb-db.ts';
import { shiftDay } from '../analytics/local-time.ts';

const record = (value: unknown): MongoDoc => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as MongoDoc) : {});

/** `$group` accumulators summing every base metric of `m` (a missing field sums as 0). */
const METRIC_SUMS: MongoDoc = Object.fromEntries(BASE_METRICS.map((m) => [m, { $sum: `$m.${m}` }]));
const metricsOfSums = (doc: MongoDoc): number[] => BASE_METRICS.map((m) => numberOf(doc[m]));
const metricsOfStored = (doc: MongoDoc): number[] => {
  const m = record(doc['m']);
  return BASE_METRICS.map((name) => numberOf(m[name]));
};

/**
 * The `value` of a dimension in a session document, as an array (one session may hold
 * several values of a hit dimension): a session dimension's value, the hit values, or for
 * cd<N> the session-scoped value and the hit-scoped ones.
 */
function dimensionValues(dimension: string): unknown {
  if (isSessionDimension(dimension)) return [`$d.${dimension}`];
  const hits = { $ifNull: [`$hitValues.${dimension}`, []] };
  if (isHitDimension(dimension)) return hits;
  return { $concatArrays: [hits, { $cond: [{ $eq: [{ $type: `$cds.${dimension}` }, 'string'] }, [`$cds.${dimension}`], []] }] };
}

/** A base metric's Σ (a field of the $group stage) in report units, as queries.ts computes it. */
function reportSumExpr(position: number): unknown {
  const metric = BASE_METRICS[position]!;
  const per = storedPerReportUnit(metric);
  return per === 1 ? `$${metric}` : { $divide: [`$${metric}`, per] };
}

/** The sort key over the $group sums: the formula of `derive` in queries.ts, left to right. */
function sortKeyExpr(key: Exclude<SortKey, { users: true }>): unknown {
  if ('metric' in key) return reportSumExpr(key.metric);
  let denominator: unknown = 0;
  for (const i of key.under) denominator = { $add: [denominator, reportSumExpr(i)] };
  for (const i of key.minus) denominator = { $subtract: [denominator, reportSumExpr(i)] };
  const quotient = { $cond: [{ $eq: [denominator, 0] }, 0, { $divide: [reportSumExpr(key.over), denominator] }] };
  return key.percent ? { $multiply: [100, quotient] } : quotient;
}

/** A grouped value with any base metric other than 0: what the report lists (all-zero rows are what an erasure leaves). */
const ANY_METRIC: MongoDoc = { $or: BASE_METRICS.map((m) => ({ [m]: { $ne: 0 } })) };

export function createMongoReadSource(store: MongoReadStore, name: string, version: number): AnalyticsReadSource {
  const { db } = store;
  const c = collectionsOf(name, version);
  const daily = () => db.collection(c.daily);
  const sessions = () => db.collection(c.sessions);

  return {
    async rollups(property, dimension, from, to) {
      const rows = await daily()
        .aggregate([{ $match: { property, dimension, day: dayRange(from, to) } }, { $group: { _id: '$value', ...METRIC_SUMS } }])
        .toArray();
      return rows.map((row) => ({ value: textOf(row['_id']), metrics: metricsOfSums(row) }));
    },

    async rollupPage(request) {
      const key = request.sortKey;
      // Users per value come from the session documents here: that sort stays in the process.
      if ('users' in key) return undefined;
      const onlyValues = request.values === undefined ? [] : [{ $match: { _id: { $in: [...request.values] } } }];
      const [result] = await daily()
        .aggregate([
          { $match: { property: request.property, dimension: request.dimension, day: dayRange(request.from, request.to) } },
          { $group: { _id: '$value', ...METRIC_SUMS } },
          { $match: ANY_METRIC },
          {
            $facet: {
              page: [
                ...onlyValues,
                { $addFields: { sort_key: sortKeyExpr(key) } },
                { $sort: { sort_key: request.direction === 'asc' ? 1 : -1, _id: 1 } },
                { $skip: request.offset },
                { $limit: request.limit },
              ],
              counted: [...onlyValues, { $count: 'rows' }],
              totals: [{ $group: { _id: null, ...Object.fromEntries(BASE_METRICS.map((m) => [m, { $sum: `$${m}` }])) } }],
            },
          },
        ])
        .toArray();
      const facets = record(result);
      const list = (name: string): MongoDoc[] => (Array.isArray(facets[name]) ? (facets[name] as unknown[]).map(record) : []);
      const [counted] = list('counted');
      const [totals] = list('totals');
      return {
        rows: list('page').map((row) => ({ value: textOf(row['_id']), metrics: metricsOfSums(row), nonzero: true })),
        rowCount: numberOf(counted?.['rows']),
        totals: totals === undefined ? BASE_METRICS.map(() => 0) : metricsOfSums(totals),
      };
    },

    async customRollups(property, dimension, from, to, metrics) {
      const rows = await daily()
        .aggregate([
          { $match: { property, dimension, day: dayRange(from, to), c: { $exists: true } } },
          { $project: { value: 1, c: { $objectToArray: '$c' } } },
          { $unwind: '$c' },
          { $match: { 'c.k': { $in: metrics } } },
          { $group: { _id: { value: '$value', metric: '$c.k' }, amount: { $sum: '$c.v' } } },
        ])
        .toArray();
      return rows.map((row) => {
        const key = record(row['_id']);
        return { value: textOf(key['value']), metric: textOf(key['metric']), amount: numberOf(row['amount']) };
      });
    },

    async users(property, dimension, from, to) {
      if (dimension === '') {
        const [row] = await db
          .collection(c.userDays)
          .aggregate([{ $match: { property, day: dayRange(from, to) } }, { $group: { _id: '$client' } }, { $count: 'users' }])
          .toArray();
        // $count yields no document at all for no input.
        const total = numberOf(row?.['users']);
        return { byValue: new Map([['', total]]), total };
      }
      const [result] = await sessions()
        .aggregate([
          { $match: { property, day: dayRange(from, to) } },
          { $project: { _id: 0, client: 1, value: dimensionValues(dimension) } },
          { $unwind: '$value' },
          { $group: { _id: { value: '$value', client: '$client' } } },
          {
            $facet: {
              byValue: [{ $group: { _id: '$_id.value', users: { $sum: 1 } } }],
              total: [{ $group: { _id: '$_id.client' } }, { $count: 'users' }],
            },
          },
        ])
        .toArray();
      const byValue = new Map<string, number>();
      const facets = record(result);
      for (const row of Array.isArray(facets['byValue']) ? facets['byValue'] : []) byValue.set(textOf(record(row)['_id']), numberOf(record(row)['users']));
      const [total] = Array.isArray(facets['total']) ? facets['total'] : [];
      return { byValue, total: numberOf(record(total)['users']) };
    },

    async dailyTotals(property, from, to) {
      const rows = await daily()
        .find({ property, dimension: '', day: dayRange(from, to) }, { projection: { day: 1, m: 1 } })
        .toArray();
      return rows.map((row) => ({ period: textOf(row['day']), metrics: metricsOfStored(row) }));
    },

    async dailyCustomTotals(property, from, to, metrics) {
      const rows = await daily()
        .aggregate([
          { $match: { property, dimension: '', day: dayRange(from, to), c: { $exists: true } } },
          { $project: { day: 1, c: { $objectToArray: '$c' } } },
          { $unwind: '$c' },
          { $match: { 'c.k': { $in: metrics } } },
          { $project: { _id: 0, period: '$day', metric: '$c.k', amount: '$c.v' } },
        ])
        .toArray();
      return rows.map((row) => ({ period: textOf(row['period']), metric: textOf(row['metric']), amount: numberOf(row['amount']) }));
    },

    async dailyUsers(property, from, to) {
      const rows = await db
        .collection(c.userDays)
        .aggregate([{ $match: { property, day: dayRange(from, to) } }, { $group: { _id: '$day', users: { $sum: 1 } } }])
        .toArray();
      return new Map(rows.map((row) => [textOf(row['_id']), numberOf(row['users'])]));
    },

    async hourlyTotals(property, from, to) {
      const rows = await db
        .collection(c.hourly)
        .find({ property, hour: { $gte: `${from}T00`, $lte: `${to}T23` } }, { projection: { hour: 1, m: 1 } })
        .toArray();
      return rows.map((row) => ({ period: textOf(row['hour']), metrics: metricsOfStored(row) }));
    },

    async hourlyUsers(property, from, to) {
      const rows = await sessions()
        .aggregate([
          // The day bounds only narrow the index range; the start hour decides.
          { $match: { property, day: dayRange(shiftDay(from, -1), shiftDay(to, 1)), hour: { $gte: `${from}T00`, $lte: `${to}T23` } } },
          { $group: { _id: { hour: '$hour', client: '$client' } } },
          { $group: { _id: '$_id.hour', users: { $sum: 1 } } },
        ])
        .toArray();
      return new Map(rows.map((row) => [textOf(row['_id']), numberOf(row['users'])]));
    },

    async realtime(property, fromMinute, toMinute) {
      const rows = await db
        .collection(c.realtime)
        .find({ property, minute: { $gte: fromMinute, $lte: toMinute } })
        .toArray();
      return rows.map(
        (row): RealtimeActivity => ({
          minute: numberOf(row['minute']),
          client: textOf(row['client']),
          page: textOf(row['page']),
          source: textOf(row['source']),
          country: textOf(row['country']),
          device: textOf(row['device']),
          pageviews: numberOf(row['pageviews']),
        }),
      );
    },

    async sessions(property, from, to, filters, limit, offset) {
      const and: MongoDoc[] = [];
      for (const [dimension, value] of Object.entries(filters)) {
        // A session dimension by its field; a hit dimension or cd<N>: the session's value (session scope) or any hit's.
        if (isSessionDimension(dimension)) and.push({ [`d.${dimension}`]: value });
        else and.push({ $or: [{ [`cds.${dimension}`]: value }, { [`hitValues.${dimension}`]: value }] });
      }
      const found = await sessions()
        .find({ property, day: dayRange(from, to), ...(and.length === 0 ? {} : { $and: and }) }, { sort: { startedAt: 1, id: 1 }, skip: offset, limit })
        .toArray();
      return found.map((stored) => {
        const doc = sessionOfStored(stored);
        return { id: doc.id, client: doc.client, number: doc.number, day: doc.day, startedAt: doc.startedAt, lastHitAt: doc.lastHitAt, dims: sessionDimensionsOf(doc), totals: doc.totals, custom: doc.custom };
      });
    },
  };
}
