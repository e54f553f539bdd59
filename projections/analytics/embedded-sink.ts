// The analytics sink on the embedded store: loads a batch's session documents in one
// query, runs the store-agnostic batch (process-batch.ts), then writes the rollups,
// sessions, user-days, realtime rows, property infos and the checkpoint in ONE
// better-sqlite3 transaction. Rollup rows are aggregated in memory first, so a row is
// upserted once per batch however many events touched it. The batch's erasures are
// applied first, in the same transaction: the visitor's stored sessions a page at a
// time (subtracted from the rollups, deleted), then its user-days and realtime rows;
// rollup rows left all zero are deleted (their value, a page path or a cd<N>, may be
// the visitor's own).
import type { Logger } from '../../platform/logger.ts';
import { createLru } from '../../platform/lru.ts';
import type { Position, RecordedEvent } from '../../storage/eventstore/port.ts';
import type { EmbeddedReadStore } from '../../storage/readstore/port.ts';
import { dropCheckpoint, ensureCheckpointTable, readCheckpoint, writeCheckpoint } from '../checkpoints-embedded.ts';
import type { ProjectionSink } from '../projection.ts';
import type { BatchAccumulator, RollupRow } from './batch.ts';
import { createTables, dropTables, q, tablesOf } from './embedded-schema.ts';
import { ensureUserValues, openUserValueIndex, sessionsAfter, type UserValueRows } from './embedded-user-values.ts';
import { BASE_METRICS, isZero } from './metrics.ts';
import type { SessionDoc } from './model.ts';
import { ERASURE_PAGE_SIZE, processBatch, subtractStoredSessions, type BatchOutput, type ClientErasure } from './process-batch.ts';
import { SESSION_COLUMNS, sessionColumnList, sessionOfRow, sessionRowValues } from './embedded-sessions.ts';
import { createSessionCache } from './session-cache.ts';
import { propertyInfoSchema, type PropertyInfo } from './property-info.ts';
import { createDeviceParser } from './user-agent.ts';

/** Client numbers kept in memory between batches. */
const CLIENT_KEY_CACHE = 50_000;

export interface EmbeddedAnalyticsSinkOptions {
  name: string;
  version: number;
  logger: Logger;
  /** Wall clock: realtime rows older than the window are neither written nor kept. */
  clock: () => number;
  realtimeWindowMinutes: number;
  deviceCacheSize?: number;
  /** Session documents kept in memory between batches (most events continue a recent session). Default 5,000. */
  sessionCacheSize?: number;
}


export async function openEmbeddedAnalyticsSink(store: EmbeddedReadStore, options: EmbeddedAnalyticsSinkOptions): Promise<ProjectionSink> {
  const { db } = store;
  const { name, version, clock } = options;
  const logger = options.logger.child({ sink: 'analytics-embedded', version });
  const t = tablesOf(name, version);
  ensureCheckpointTable(db);
  createTables(db, t);
  const userValues = openUserValueIndex(db, t);
  ensureUserValues(db, t, userValues);
  const windowMs = options.realtimeWindowMinutes * 60_000;
  const device = createDeviceParser(options.deviceCacheSize);

  const metricNames = BASE_METRICS.map(q).join(', ');
  const metricParams = BASE_METRICS.map(() => '?').join(', ');
  const metricAdds = BASE_METRICS.map((m) => `${q(m)} = ${q(m)} + excluded.${q(m)}`).join(', ');
  // A rewritten session keeps its key; everything else (dimensions, totals, doc) is replaced.
  const sessionSets = SESSION_COLUMNS.filter((c) => !['property', 'day', 'id'].includes(c))
    .map((c) => `${q(c)} = excluded.${q(c)}`)
    .join(', ');

  const sql = {
    // Keys as [[property, day, id], ...]; CROSS JOIN keeps json_each outermost, one index probe per key.
    loadSessions: db
      .prepare<[string], unknown[]>(
        `SELECT ${SESSION_COLUMNS.map((c) => `s.${q(c)}`).join(', ')} FROM json_each(?) k CROSS JOIN ${q(t.sessions)} s
         ON s.property = k.value ->> 0 AND s.day = k.value ->> 1 AND s.id = k.value ->> 2`,
      )
      .raw(true),
    upsertDaily: db.prepare(
      `INSERT INTO ${q(t.daily)} (property, day, dimension, value, ${metricNames}) VALUES (?, ?, ?, ?, ${metricParams})
       ON CONFLICT (property, dimension, day, value) DO UPDATE SET ${metricAdds}`,
    ),
    upsertDimensionTotal: db.prepare(
      `INSERT INTO ${q(t.dailyTotals)} (property, day, dimension, ${metricNames}) VALUES (?, ?, ?, ${metricParams})
       ON CONFLICT (property, dimension, day) DO UPDATE SET ${metricAdds}`,
    ),
    upsertCustom: db.prepare(
      `INSERT INTO ${q(t.dailyCustom)} (property, day, dimension, value, metric, amount) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (property, dimension, day, value, metric) DO UPDATE SET amount = amount + excluded.amount`,
    ),
    upsertHourly: db.prepare(
      `INSERT INTO ${q(t.hourly)} (property, hour, ${metricNames}) VALUES (?, ?, ${metricParams})
       ON CONFLICT (property, hour) DO UPDATE SET ${metricAdds}`,
    ),
    // A session's client number never changes: set on insert only.
    upsertSession: db.prepare(
      `INSERT INTO ${q(t.sessions)} (${sessionColumnList}, client_key) VALUES (${SESSION_COLUMNS.map(() => '?').join(', ')}, ?)
       ON CONFLICT (property, day, id) DO UPDATE SET ${sessionSets}`,
    ),
    clientKey: db.prepare<[string, string], number>(`SELECT key FROM ${q(t.clients)} WHERE property = ? AND client = ?`).pluck(),
    insertClient: db.prepare<[string, string]>(`INSERT INTO ${q(t.clients)} (property, client) VALUES (?, ?)`),
    deleteClient: db.prepare<[string, string]>(`DELETE FROM ${q(t.clients)} WHERE property = ? AND client = ?`),
    touchSessionDay: db.prepare<[string, string]>(
      `INSERT INTO ${q(t.sessionDays)} (property, day, changes) VALUES (?, ?, 1) ON CONFLICT (property, day) DO UPDATE SET changes = changes + 1`,
    ),
    upsertUserDay: db.prepare(
      `INSERT INTO ${q(t.userDays)} (property, day, client, new_user) VALUES (?, ?, ?, ?)
       ON CONFLICT (property, day, client) DO UPDATE SET new_user = max(new_user, excluded.new_user)`,
    ),
    upsertRealtime: db.prepare(
      `INSERT INTO ${q(t.realtime)} (property, minute, client, page, source, country, device, pageviews) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (property, minute, client) DO UPDATE SET page = excluded.page, source = excluded.source, country = excluded.country, device = excluded.device, pageviews = pageviews + excluded.pageviews`,
    ),
    pruneRealtime: db.prepare<[number]>(`DELETE FROM ${q(t.realtime)} WHERE minute < ?`),
    // Erasure.
    clientSessions: db
      .prepare<[string, string, string, number], unknown[]>(
        `SELECT ${sessionColumnList} FROM ${q(t.sessions)} WHERE property = ? AND client = ? AND id > ? ORDER BY id LIMIT ?`,
      )
      .raw(true),
    deleteSession: db.prepare<[string, string, string]>(`DELETE FROM ${q(t.sessions)} WHERE property = ? AND day = ? AND id = ?`),
    deleteUserDay: db.prepare<[string, string, string]>(`DELETE FROM ${q(t.userDays)} WHERE property = ? AND day = ? AND client = ?`),
    deleteClientRealtime: db.prepare<[string, string]>(`DELETE FROM ${q(t.realtime)} WHERE property = ? AND client = ?`),
    deleteZeroDaily: db.prepare<[string, string, string, string]>(
      `DELETE FROM ${q(t.daily)} WHERE property = ? AND dimension = ? AND day = ? AND value = ? AND ${BASE_METRICS.map((m) => `${q(m)} = 0`).join(' AND ')}`,
    ),
    deleteZeroCustom: db.prepare<[string, string, string, string]>(`DELETE FROM ${q(t.dailyCustom)} WHERE property = ? AND dimension = ? AND day = ? AND value = ? AND amount = 0`),
    deleteZeroHourly: db.prepare<[string, string]>(`DELETE FROM ${q(t.hourly)} WHERE property = ? AND hour = ? AND ${BASE_METRICS.map((m) => `${q(m)} = 0`).join(' AND ')}`),
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
  // Recently written session documents, least recently used first. A batch mutates the
  // documents it works on in place, so a failed batch empties the cache: it must only
  // ever hold committed state.
  const sessions = createSessionCache(options.sessionCacheSize ?? 5_000, (keys) =>
    sql.loadSessions.all(JSON.stringify(keys.map((key) => [key.property, key.day, key.id]))).map(sessionOfRow),
  );
  let lastPrune = Number.NEGATIVE_INFINITY;
  // The checkpoint as this sink last saw it. If it moved without us (another runner held
  // the lease meanwhile), what we keep in memory may be stale: start again from the store.
  let knownCheckpoint = readCheckpoint(db, name, version);

  const writeDaily = (row: RollupRow): void => {
    if (!isZero(row.metrics)) {
      sql.upsertDaily.run(row.property, row.period, row.dimension, row.value, ...row.metrics);
      // A row an increment took back to all zeros (a session's exit page moved on, an
      // erasure) goes: every stored row is a value with something to report, which is
      // what lets a report count its rows and cut its page in SQL (queries-embedded.ts).
      if (row.metrics.some((x) => x < 0)) sql.deleteZeroDaily.run(row.property, row.dimension, row.period, row.value);
    }
    if (row.custom === undefined) return;
    for (const metric in row.custom) {
      const amount = row.custom[metric]!;
      if (amount !== 0) sql.upsertCustom.run(row.property, row.period, row.dimension, row.value, metric, amount);
    }
  };

  // The days whose sessions this batch writes or deletes: each is marked changed once, at the end.
  const changedDays = new Set<string>();
  // Recently used client numbers. Holds numbers of the open transaction too: a failed batch empties it.
  const clientKeys = createLru<string, number>(CLIENT_KEY_CACHE);
  const clientKeyOf = (property: string, client: string): number => {
    const id = `${property}\u0001${client}`;
    let key = clientKeys.get(id);
    if (key === undefined) {
      key = sql.clientKey.get(property, client) ?? Number(sql.insertClient.run(property, client).lastInsertRowid);
      clientKeys.set(id, key);
    }
    return key;
  };
  const writeSession = (doc: SessionDoc): void => {
    sql.upsertSession.run(...sessionRowValues(doc), clientKeyOf(doc.property, doc.client));
    changedDays.add(`${doc.property}\u0001${doc.day}`);
  };
  const markChangedDays = (): void => {
    for (const key of changedDays) {
      const [property, day] = key.split('\u0001') as [string, string];
      sql.touchSessionDay.run(property, day);
    }
    changedDays.clear();
  };

  /** Adds the rollup increments; with `prune`, a row they leave all zero is deleted. */
  const writeRollups = (accumulator: BatchAccumulator, prune: boolean): void => {
    // Each dimension's Σ per day takes the same increments as its rows (a report's totals).
    const dimensionTotals = new Map<string, RollupRow>();
    for (const row of accumulator.dailyRows()) {
      writeDaily(row);
      if (prune && row.custom !== undefined) sql.deleteZeroCustom.run(row.property, row.dimension, row.period, row.value);
      if (row.dimension === '' || isZero(row.metrics)) continue;
      const key = `${row.property}\u0001${row.dimension}\u0001${row.period}`;
      const total = dimensionTotals.get(key);
      if (total === undefined) dimensionTotals.set(key, { ...row, value: '', metrics: [...row.metrics], custom: undefined });
      else for (let i = 0; i < total.metrics.length; i++) total.metrics[i] = total.metrics[i]! + row.metrics[i]!;
    }
    for (const row of dimensionTotals.values()) sql.upsertDimensionTotal.run(row.property, row.period, row.dimension, ...row.metrics);
    for (const row of accumulator.hourlyRows.values()) {
      if (!isZero(row.metrics)) sql.upsertHourly.run(row.property, row.period, ...row.metrics);
      if (prune) sql.deleteZeroHourly.run(row.property, row.period);
    }
  };

  /** Takes an erased visitor's stored sessions out of the rollups and deletes them, with its user-days and realtime rows. */
  const eraseStored = (erasure: ClientErasure): void => {
    let after = '';
    for (;;) {
      const docs = sql.clientSessions.all(erasure.property, erasure.client, after, ERASURE_PAGE_SIZE).map(sessionOfRow);
      if (docs.length === 0) break;
      writeRollups(subtractStoredSessions(docs.filter((doc) => !erasure.subtracted.has(doc.id))), true);
      const days = new Set<string>();
      for (const doc of docs) {
        sql.deleteSession.run(doc.property, doc.day, doc.id);
        days.add(doc.day);
        changedDays.add(`${doc.property}\u0001${doc.day}`);
      }
      for (const day of days) sql.deleteUserDay.run(erasure.property, day, erasure.client);
      after = docs[docs.length - 1]!.id;
    }
    sql.deleteClientRealtime.run(erasure.property, erasure.client);
    sql.deleteClient.run(erasure.property, erasure.client);
    clientKeys.delete(`${erasure.property}\u0001${erasure.client}`);
  };

  const commit = db.transaction((output: BatchOutput, position: Position, now: number) => {
    const { accumulator } = output;
    changedDays.clear();
    // Users per value (embedded-user-values.ts): the touched visitors' sessions before and after the batch.
    const usersBefore = userValues.capture([...output.sessions, ...output.erasures]);
    // Erasures first: the batch's own documents may be the visitor's new ones, after it.
    for (const erasure of output.erasures) eraseStored(erasure);
    writeRollups(accumulator, output.erasures.length > 0);
    for (const doc of output.sessions) writeSession(doc);
    for (const row of accumulator.userDays.values()) sql.upsertUserDay.run(row.property, row.day, row.client, row.newUser ? 1 : 0);
    for (const row of accumulator.realtimeRows.values()) sql.upsertRealtime.run(row.property, row.minute, row.client, row.page, row.source, row.country, row.device, row.pageviews);
    // Pruning by the wall clock, at most once a minute: the table holds about the last window of activity.
    if (now - lastPrune >= 60_000) {
      sql.pruneRealtime.run(Math.floor((now - windowMs) / 60_000));
      lastPrune = now;
    }
    for (const info of output.properties.values()) sql.upsertProperty.run(info.id, JSON.stringify(info));
    const usersAfter = sessionsAfter(usersBefore, output.sessions, output.erasures);
    // A day whose user_values rows changed is marked changed too, sessions or not: what
    // the read side keeps of a day (session columns, settled users) is valid until it moves.
    for (const day of userValues.apply(usersBefore, usersAfter)) changedDays.add(day);
    markChangedDays();
    writeCheckpoint(db, name, version, position, now);
    return usersAfter;
  });

  return {
    async checkpoint() {
      return readCheckpoint(db, name, version);
    },

    async applyBatch(events: RecordedEvent[], position: Position) {
      const now = clock();
      const pruneBefore = lastPrune;
      const stored = readCheckpoint(db, name, version);
      if (stored !== knownCheckpoint) {
        logger.info({ stored, known: knownCheckpoint }, 'the checkpoint moved under this sink; reloading its caches');
        sessions.clear();
        clientKeys.clear();
        userValues.forget();
        properties = loadProperties();
        knownCheckpoint = stored;
      }
      let output: BatchOutput;
      let users: UserValueRows;
      try {
        output = await processBatch({ events, loadSessions: sessions.load, properties, device, realtimeFrom: now - windowMs });
        users = commit(output, position, now);
      } catch (error) {
        sessions.clear();
        clientKeys.clear();
        userValues.forget();
        lastPrune = pruneBefore;
        throw error;
      }
      knownCheckpoint = position;
      sessions.forget(output.erasures);
      sessions.remember(output.sessions);
      userValues.remember(users);
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
      sessions.clear();
      clientKeys.clear();
      userValues.forget();
      knownCheckpoint = undefined;
    },
  };
}
