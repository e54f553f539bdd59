// The collector service: /collect, /batch, /debug/*, /wa.js on the plain hot-path
// handler, and the bulk import (POST /api/v1/import) on Express. Stateless apart from
// caches, so any number of collectors can run behind a load balancer; it needs the event
// store only (never the read store: collecting goes on while MongoDB is down).
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { Config } from './config.ts';
import { eventStoreCheck } from './health.ts';
import type { Logger } from './logger.ts';
import { registerCollectorMetrics, timedAppends } from './metrics.ts';
import { createCleanups, type Service } from './service.ts';
import { openCookielessIds } from '../collector/cookieless.ts';
import { createEnricher } from '../collector/enrich.ts';
import { openGeoLookup } from '../collector/geo.ts';
import { createCollectorHandler, type CollectorHandler } from '../collector/http.ts';
import { createImporter, createImportRoute, IMPORT_PATH } from '../collector/import/index.ts';
import { openPropertyDirectory, type PropertyDirectory } from '../administration/property-directory.ts';
import { createHitRecorder, type HitRecorder } from '../collector/record-hit.ts';
import type { EventStore } from '../storage/eventstore/port.ts';

/** The cookieless visitors' daily salt, kept across restarts of the same day. */
export const COOKIELESS_SALT_FILE = 'cookieless-salt.json';

export interface CollectorServiceDeps {
  config: Config;
  logger: Logger;
  eventStore: EventStore;
  metrics: Registry;
  /** The collector's clock (tests). */
  now?: () => number;
}

export interface CollectorService extends Service {
  readonly name: 'collector';
  readonly collector: CollectorHandler;
  readonly properties: PropertyDirectory;
  readonly recorder: HitRecorder;
}

export async function startCollectorService(deps: CollectorServiceDeps): Promise<CollectorService> {
  const { config, logger, eventStore, metrics } = deps;
  const cleanups = createCleanups();
  try {
    const geo = await openGeoLookup(config.GEOIP_DB, logger);
    const cookieless = openCookielessIds({ file: join(config.WEBALYTIC_DATA_DIR, COOKIELESS_SALT_FILE), logger });
    cleanups.add(() => cookieless.close());
    const properties = openPropertyDirectory({ store: eventStore, logger });
    cleanups.add(() => properties.close());
    // Hits for existing properties must not be dropped while the directory loads.
    await properties.ready;

    // One recorder and one enricher for live hits and imports: one state cache, so a visitor's hits stay in order.
    const recorder = createHitRecorder({ store: timedAppends(eventStore, metrics), logger });
    const enrich = createEnricher({ geo, trustProxy: config.TRUST_PROXY, cookieless });
    const collector = createCollectorHandler({
      properties,
      recorder,
      enrich,
      logger,
      trustProxy: config.TRUST_PROXY,
      rateLimitPerMinute: config.COLLECT_RATE_LIMIT_PER_MINUTE,
      maxInFlight: config.COLLECT_MAX_IN_FLIGHT,
      bodyTimeoutMs: config.REQUEST_TIMEOUT_MS,
      ...(deps.now ? { now: deps.now } : {}),
      // Loaded on the first request: esbuild is only needed when someone asks for /wa.js.
      sdk: async () => (await import('../collector/sdk/build.ts')).loadSdk(),
    });
    const storeStats = embeddedStats(eventStore);
    registerCollectorMetrics(metrics, {
      collector: () => collector.stats(),
      recorder: () => recorder.stats(),
      ...(storeStats ? { eventStore: storeStats } : {}),
    });
    const importRoute = createImportRoute({ importer: createImporter({ properties, enrich, recorder, logger }), logger, adminApiKey: config.ADMIN_API_KEY });

    return {
      name: 'collector',
      handle: collector,
      collector,
      properties,
      recorder,
      // Before the read API: the import route reads its own (large, NDJSON) body.
      mount(app) {
        app.post(IMPORT_PATH, importRoute);
      },
      readiness: [eventStoreCheck(eventStore)],
      stop: () => cleanups.run(),
    };
  } catch (error) {
    await cleanups.run();
    throw error;
  }
}

/** The embedded store's counters, read without assuming the adapter (EventStoreDB has none). */
function embeddedStats(store: EventStore): (() => { transactions: number; events: number }) | undefined {
  const candidate = store as EventStore & { stats?: unknown };
  if (typeof candidate.stats !== 'function') return undefined;
  const read = candidate.stats as () => { transactions?: unknown; events?: unknown };
  return () => {
    const stats = read.call(store);
    return { transactions: Number(stats.transactions ?? 0), events: Number(stats.events ?? 0) };
  };
}
