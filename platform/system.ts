// Wires the parts of Webalytic together for `webalytic start`: opens the stores,
// starts the HTTP server, and stops everything in reverse order.
//
// One port: the collector's plain handler answers its own paths first (the hot path
// never goes through Express's router or body parsers), and an Express app serves
// everything else (health checks now, the read API and dashboard later).
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express, { type Express, type Request, type Response } from 'express';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { openCookielessIds } from '../collector/cookieless.ts';
import { createEnricher } from '../collector/enrich.ts';
import { openGeoLookup } from '../collector/geo.ts';
import { createCollectorHandler, type CollectorHandler } from '../collector/http.ts';
import { openPropertyDirectory, type PropertyDirectory } from '../collector/property-directory.ts';
import { createHitRecorder } from '../collector/record-hit.ts';
import { createImporter, createImportRoute, IMPORT_PATH } from '../collector/import/index.ts';
import { openEventStore } from '../storage/eventstore/open.ts';
import type { EventStore } from '../storage/eventstore/port.ts';
import { openReadStore } from '../storage/readstore/open.ts';
import type { ReadStore } from '../storage/readstore/port.ts';
import { startProjections } from '../projections/index.ts';
import { projections as projectionCatalog } from '../projections/catalog.ts';
import { apiFallback, createReadApi } from '../read-api/app.ts';
import { openApiKeyDirectory } from '../read-api/keys/directory.ts';
import { createProjectionsHandle } from '../read-api/routes/projections.ts';

export interface RunningSystem {
  url: string;
  eventStore: EventStore;
  readStore: ReadStore;
  projections: Awaited<ReturnType<typeof startProjections>>;
  properties: PropertyDirectory;
  collector: CollectorHandler;
  /** The Express app behind the collector: other parts mount their routes on it. */
  app: Express;
  stop(): Promise<void>;
}

/** The cookieless visitors' daily salt, kept across restarts of the same day. */
export const COOKIELESS_SALT_FILE = 'cookieless-salt.json';

export interface SystemOptions {
  /** The collector's clock (tests). */
  now?: () => number;
}

export async function startSystem(config: Config, logger: Logger, options: SystemOptions = {}): Promise<RunningSystem> {
  const eventStore = await openEventStore(config, logger);
  const cleanups: (() => Promise<void> | void)[] = [() => eventStore.close()];
  const cleanUp = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const readStore = await openReadStore(config, logger);
    cleanups.push(() => readStore.close());
    // Cleanups run in reverse: the runners stop (committing or abandoning their batch) before the stores close.
    const projections = await startProjections({ projections: projectionCatalog, eventStore, readStore, logger });
    cleanups.push(() => projections.stop());

    const geo = await openGeoLookup(config.GEOIP_DB, logger);
    const cookieless = openCookielessIds({ file: join(config.WEBALYTIC_DATA_DIR, COOKIELESS_SALT_FILE), logger });
    cleanups.push(() => cookieless.close());
    const properties = openPropertyDirectory({ store: eventStore, logger });
    cleanups.push(() => properties.close());
    // Hits for existing properties must not be dropped while the directory loads.
    await properties.ready;

    // One recorder and one enricher for live hits and imports: one state cache, so a visitor's hits stay in order.
    const recorder = createHitRecorder({ store: eventStore, logger });
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
      ...(options.now ? { now: options.now } : {}),
      // Loaded on the first request: esbuild is only needed when someone asks for /wa.js.
      sdk: async () => (await import('../collector/sdk/build.ts')).loadSdk(),
    });

    const keys = openApiKeyDirectory({ store: eventStore, logger });
    cleanups.push(() => keys.close());
    // Until the directory has caught up every key would be refused.
    await keys.ready;
    const projectionsHandle = createProjectionsHandle({ running: projections, projections: projectionCatalog, eventStore, readStore, logger });
    cleanups.push(() => projectionsHandle.stop());
    // Aborted first at shutdown: ends live event streams, which would keep server.close() waiting.
    const shutdown = new AbortController();

    const app = express();
    app.disable('x-powered-by');
    app.get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    });
    app.get('/readyz', (_req, res) => {
      eventStore.headPosition().then(
        (head) => res.json({ status: 'ready', eventStore: eventStore.kind, head: head ?? null }),
        (error: unknown) => {
          logger.warn({ err: error }, 'readiness check failed');
          res.status(503).json({ status: 'unavailable' });
        },
      );
    });

    // Mounted before the read API: the import route reads its own (large, NDJSON) body.
    app.post(IMPORT_PATH, createImportRoute({ importer: createImporter({ properties, enrich, recorder, logger }), logger, adminApiKey: config.ADMIN_API_KEY }));
    app.use('/api/v1', createReadApi({ config, logger, eventStore, readStore, keys, projections: projectionsHandle, signal: shutdown.signal }));
    app.use('/api', ...apiFallback(logger));

    const notFound = (res: ServerResponse) => () => {
      if (!res.headersSent) res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    };
    const server = createServer(
      {
        // Slow-loris: headers and the whole request must arrive within the timeout,
        // checked every second rather than Node's default 30 s.
        requestTimeout: config.REQUEST_TIMEOUT_MS,
        headersTimeout: config.REQUEST_TIMEOUT_MS,
        connectionsCheckingInterval: 1000,
      },
      (req, res) => {
        if (!collector(req, res)) app(req as Request, res as Response, notFound(res));
      },
    );
    await listen(server, config.PORT, config.HOST);
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          shutdown.abort();
          server.close(() => resolve());
          server.closeIdleConnections();
        }),
    );
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`,
      eventStore,
      readStore,
      projections,
      properties,
      collector,
      app,
      stop: cleanUp,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
