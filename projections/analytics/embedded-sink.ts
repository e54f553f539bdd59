// The analytics sink on the embedded store: loads a batch's session documents in one
// query, runs the store-agnostic batch (process-batch.ts), then writes the rollups,
// sessions, user-days, realtime rows, property infos and the checkpoint in ONE
// better-sqlite3 transaction. Rollup rows are aggregated in memory first, so a row is
// upserted once per batch however many events touched it.
import type { Logger } from '../../platform/logger.ts';
import type { Position, RecordedEvent } from '../../storage/eventstore/port.ts';
import type { EmbeddedReadStore } from '../../storage/readstore/port.ts';
import { dropCheckpoint, ensureCheckpointTable, readCheckpoint, writeCheckpoint } from '../checkpoints-embedded.ts';
import type { ProjectionSink } from '../projection.ts';
import type { RollupRow } from './batch.ts';
import { SESSION_DIMENSIONS } from './dimensions.ts';
import { createTables, dropTables, q, tablesOf } from './embedded-schema.ts';
import { BASE_METRICS, isZero } from './metrics.ts';
import type { SessionDoc } from './model.ts';
import { processBatch } from './process-batch.ts';
import { propertyInfoSchema, type PropertyInfo } from './property-info.ts';
import { createDeviceParser } from './user-agent.ts';

export interface EmbeddedAnalyticsSinkOptions {
  name: string;
  version: number;
  logger: Logger;
  /** Wall clock: realtime rows older than the window are neither written nor kept. */
  clock: () => number;
  realtimeWindowMinutes: number;
  deviceCacheSize?: number;
}

const NOT_SET = '(not set)';

export async function openEmbeddedAnalyticsSink(store: EmbeddedReadStore, options: EmbeddedAnalyticsSinkOptions): Promise<ProjectionSink> {
  const { db } = store;
  const { name, version, clock } = options;
  const logger = options.logger.child({ sink: 'analytics-embedded', version });
  const t = tablesOf(name, version);
  ensureCheckpointTable(db);
  createTables(db, t);
  const windowMs = options.realtimeWindowMinutes * 60_000;
  const device = createDeviceParser(options.deviceCacheSize);

  const metricNames = BASE_METRICS.map(q).join(', ');
  const metricParams = BASE_METRICS.map(() => '?').join(', ');
  const metricAdds = BASE_METRICS.map((m) => `${q(m)} = ${q(m)} + excluded.${q(m)}`).join(', ');
  const dimensionNames = SESSION_DIMENSIONS.map(q).join(', ');
  const dimensionParams = SESSION_DIMENSIONS.map(() => '?').join(', ');
  const dimensionSets = SESSION_DIMENSIONS.map((d) => `${q(d)} = excluded.${q(d)}`).join(', ');

  const sql = {
    loadSessions: db.prepare<[string], { doc: string }>(`SELECT doc FROM ${q(t.sessions)} WHERE id IN (SELECT value FROM json_each(?))`),
    upsertDaily: db.prepare(
      `INSERT INTO ${q(t.daily)} (property, day, dimension, value, ${metricNames}) VALUES (?, ?, ?, ?, ${metricParams})
       ON CONFLICT (property, dimension, day, value) DO UPDATE SET ${metricAdds}`,
    ),
    upsertCustom: db.prepare(
      `INSERT INTO ${q(t.dailyCustom)} (property, day, dimension, value, metric, amount) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (property, dimension, day, value, metric) DO UPDATE SET amount = amount + excluded.amount`,
    ),
    upsertHourly: db.prepare(
      `INSERT INTO ${q(t.hourly)} (property, hour, ${metricNames}) VALUES (?, ?, ${metricParams})
       ON CONFLICT (property, hour) DO UPDATE SET ${metricAdds}`,
    ),
    upsertSession: db.prepare(
      `INSERT INTO ${q(t.sessions)} (id, property, client, day, hour, started_at, ${dimensionNames}, doc) VALUES (?, ?, ?, ?, ?, ?, ${dimensionParams}, ?)
       ON CONFLICT (id) DO UPDATE SET ${dimensionSets}, doc = excluded.doc`,
    ),
    upsertUserDay: db.prepare(
      `INSERT INTO ${q(t.userDays)} (property, day, client, new_user) VALUES (?, ?, ?, ?)
       ON CONFLICT (property, day, client) DO UPDATE SET new_user = max(new_user, excluded.new_user)`,
    ),
    upsertRealtime: db.prepare(
      `INSERT INTO ${q(t.realtime)} (property, minute, client, page, source, country, device) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (property, minute, client) DO UPDATE SET page = excluded.page, source = excluded.source, country = excluded.country, device = excluded.device`,
    ),
    pruneRealtime: db.prepare<[number]>(`DELETE FROM ${q(t.realtime)} WHERE minute < ?`),
    upsertProperty: db.prepare(`INSERT INTO ${q(t.properties)} (id, info) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET info = excluded.info`),
    loadProperties: db.prepare<[], { info: string }>(`SELECT info FROM ${q(t.properties)}`),
  };

  const loadProperties = (): Map<string, PropertyInfo> => {
    const map = new Map<string, PropertyInfo>();
    for (const row of sql.loadProperties.all()) {
      const info = propertyInfoSchema.parse(JSON.parse(row.info));
      map.set(info.id, info);
    }
    return map;
  };
  // The committed property infos; only replaced after a commit, so a failed batch leaves them as stored.
  let properties = loadProperties();
  let lastPrune = Number.NEGATIVE_INFINITY;

  const writeDaily = (row: RollupRow): void => {
    if (!isZero(row.metrics)) sql.upsertDaily.run(row.property, row.period, row.dimension, row.value, ...row.metrics);
    if (row.custom === undefined) return;
    for (const metric in row.custom) {
      const amount = row.custom[metric]!;
      if (amount !== 0) sql.upsertCustom.run(row.property, row.period, row.dimension, row.value, metric, amount);
    }
  };

  const writeSession = (doc: SessionDoc): void => {
    const dims = SESSION_DIMENSIONS.map((d) => doc.dims[d] ?? NOT_SET);
    sql.upsertSession.run(doc.id, doc.property, doc.client, doc.day, doc.hour, doc.startedAt, ...dims, JSON.stringify(doc));
  };

  const commit = db.transaction((output: Awaited<ReturnType<typeof processBatch>>, position: Position, now: number) => {
    const { accumulator } = output;
    for (const row of accumulator.dailyRows.values()) writeDaily(row);
    for (const row of accumulator.hourlyRows.values()) if (!isZero(row.metrics)) sql.upsertHourly.run(row.property, row.period, ...row.metrics);
    for (const doc of output.sessions) writeSession(doc);
    for (const row of accumulator.userDays.values()) sql.upsertUserDay.run(row.property, row.day, row.client, row.newUser ? 1 : 0);
    for (const row of accumulator.realtimeRows.values()) sql.upsertRealtime.run(row.property, row.minute, row.client, row.page, row.source, row.country, row.device);
    // Pruning by the wall clock, at most once a minute: the table holds about the last window of activity.
    if (now - lastPrune >= 60_000) {
      sql.pruneRealtime.run(Math.floor((now - windowMs) / 60_000));
      lastPrune = now;
    }
    for (const info of output.properties.values()) sql.upsertProperty.run(info.id, JSON.stringify(info));
    writeCheckpoint(db, name, version, position, now);
  });

  return {
    async checkpoint() {
      return readCheckpoint(db, name, version);
    },

    async applyBatch(events: RecordedEvent[], position: Position) {
      const now = clock();
      const output = await processBatch({
        events,
        loadSessions: async (ids) => {
          const docs = new Map<string, SessionDoc>();
          for (const row of sql.loadSessions.all(JSON.stringify(ids))) {
            const doc = JSON.parse(row.doc) as SessionDoc;
            docs.set(doc.id, doc);
          }
          return docs;
        },
        properties,
        device,
        realtimeFrom: now - windowMs,
      });
      const pruneBefore = lastPrune;
      try {
        commit(output, position, now);
      } catch (error) {
        lastPrune = pruneBefore;
        throw error;
      }
      if (output.properties.size > 0) {
        const next = new Map(properties);
        for (const [id, info] of output.properties) next.set(id, info);
        properties = next;
        logger.debug({ properties: [...output.properties.keys()] }, 'property settings updated');
      }
    },

    async drop() {
      db.transaction(() => {
        dropTables(db, t);
        dropCheckpoint(db, name, version);
      })();
      properties = new Map();
    },
  };
}
