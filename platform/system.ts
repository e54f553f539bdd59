// Runs services of Webalytic in one process: opens the stores they need, starts each
// service, serves them all on one HTTP server with /healthz, /readyz and /metrics, and
// shuts down gracefully.
//
// - `webalytic start`: every service, the embedded default (startSystem).
// - `webalytic collector` / `projections run` / `read-api`: one each (startServices),
//   all reading the same configuration. A collector never opens the read store.
//
// Shutdown (stop(), on SIGTERM/SIGINT in the CLI): live event streams end; the server
// stops accepting and waits up to SHUTDOWN_TIMEOUT_MS for the requests in flight (every
// hit answered 2xx is durable by then); the services stop (projection runners commit or
// abandon their batch, leases are released); the stores close last.
import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import { describeConfig, type Config } from './config.ts';
import { startCollectorService, type CollectorService } from './collector-service.ts';
import { healthRoutes } from './health.ts';
import { createAuthenticator, requireAdminKey } from '../read-api/keys/authenticate.ts';
import { openApiKeyDirectory } from '../read-api/keys/directory.ts';
import { startHttpServer, type DrainResult, type PlainHandler, type RunningHttpServer } from './http-server.ts';
import type { Logger } from './logger.ts';
import { createMetricsRegistry } from './metrics.ts';
import { startProjectionsService, type ProjectionsService } from './projections-service.ts';
import { startReadApiService, type ReadApiService } from './read-api-service.ts';
import { createCleanups, SERVICE_NAMES, type ReadinessCheck, type Service, type ServiceName } from './service.ts';
import type { CollectorHandler } from '../collector/http.ts';
import type { PropertyDirectory } from '../administration/property-directory.ts';
import type { RunningProjections } from '../projections/index.ts';
import type { Projection } from '../projections/projection.ts';
import { openEventStore } from '../storage/eventstore/open.ts';
import type { EventStore } from '../storage/eventstore/port.ts';
import { openReadStore } from '../storage/readstore/open.ts';
import type { ReadStore } from '../storage/readstore/port.ts';

export { COOKIELESS_SALT_FILE } from './collector-service.ts';
export type { ServiceName } from './service.ts';

export interface ServicesOptions {
  /** Which services this process runs, in this order; default all three. */
  services?: readonly ServiceName[];
  /** The collector's and the projections' clock (tests). */
  now?: () => number;
  /** The projections to run instead of projections/catalog.ts (tests). */
  projections?: Projection[];
  /** A read store to use instead of the configured one (tests: the MongoDB adapter on its in-memory executor). Closed with the services. */
  readStore?: ReadStore;
}

export interface ShutdownReport {
  /** Every request in flight finished before SHUTDOWN_TIMEOUT_MS. */
  completed: boolean;
  /** Requests cut off at the deadline. */
  abandoned: number;
  ms: number;
}

export interface RunningServices {
  url: string;
  services: readonly ServiceName[];
  eventStore: EventStore;
  /** Absent in a collector-only process. */
  readStore?: ReadStore;
  collector?: CollectorService;
  projections?: ProjectionsService;
  readApi?: ReadApiService;
  /** The Express app behind the plain handlers: more routes can be mounted on it. */
  app: Express;
  metrics: Registry;
  http: RunningHttpServer;
  /** Graceful; resolves when everything is closed. Idempotent. */
  stop(): Promise<ShutdownReport>;
}

export async function startServices(config: Config, logger: Logger, options: ServicesOptions = {}): Promise<RunningServices> {
  const names = options.services ?? SERVICE_NAMES;
  if (names.length === 0) throw new Error('no service to run');
  for (const name of names) if (!SERVICE_NAMES.includes(name)) throw new Error(`unknown service '${String(name)}'`);
  const label = names.length === SERVICE_NAMES.length ? 'all' : names.join('+');
  logger.info({ services: names, config: describeConfig(config) }, 'starting webalytic');

  const cleanups = createCleanups();
  try {
    const eventStore = await openEventStore(config, logger);
    cleanups.add(() => eventStore.close());
    let readStore: ReadStore | undefined;
    if (names.includes('projections') || names.includes('read-api')) {
      readStore = options.readStore ?? (await openReadStore(config, logger));
      const opened = readStore;
      cleanups.add(() => opened.close());
    }
    // API keys, folded from the log: the read API's, and the admin check of /metrics.
    const keys = openApiKeyDirectory({ store: eventStore, logger });
    cleanups.add(() => keys.close());
    await keys.ready;
    const metricsGuard = requireAdminKey(createAuthenticator({ keys, adminApiKey: config.ADMIN_API_KEY, trustProxy: config.TRUST_PROXY, now: options.now ?? Date.now }));
    const metrics = createMetricsRegistry(label);
    const common = { config, logger, eventStore, metrics, ...(options.now ? { now: options.now } : {}) };

    const started: Service[] = [];
    let collector: CollectorService | undefined;
    let projections: ProjectionsService | undefined;
    let readApi: ReadApiService | undefined;
    for (const name of names) {
      let service: Service;
      if (name === 'collector') service = collector = await startCollectorService(common);
      else if (name === 'projections') {
        service = projections = await startProjectionsService({
          ...common,
          readStore: readStore!,
          shared: names.length > 1,
          injectedReadStore: options.readStore !== undefined,
          ...(options.projections ? { projections: options.projections } : {}),
        });
      } else {
        service = readApi = await startReadApiService({
          ...common,
          readStore: readStore!,
          ...(projections ? { projections: projections.running } : {}),
          keys,
          ...(collector ? { properties: collector.properties } : {}),
          ...(options.projections ? { catalog: options.projections } : {}),
        });
      }
      started.push(service);
      cleanups.add(() => service.stop());
    }

    let draining = false;
    const app = express();
    app.disable('x-powered-by');
    app.use(
      healthRoutes({
        service: label,
        checks: uniqueByName(started.flatMap((service) => service.readiness)),
        draining: () => draining,
        metrics,
        metricsGuard,
        logger,
        describe: { eventStore: eventStore.kind, ...(readStore ? { readStore: readStore.kind } : {}) },
      }),
    );
    for (const service of started) service.mount?.(app);
    const handlers = started.flatMap((service): PlainHandler[] => (service.handle ? [service.handle] : []));
    const http = await startHttpServer({ config, logger, handlers, app });
    logger.info({ url: http.url, services: names }, 'webalytic is running');

    let stopping: Promise<ShutdownReport> | undefined;
    const stop = (): Promise<ShutdownReport> => {
      stopping ??= (async () => {
        const began = performance.now();
        draining = true;
        for (const service of started) service.beginShutdown?.();
        const drained: DrainResult = await http.drain(config.SHUTDOWN_TIMEOUT_MS);
        await cleanups.run();
        const report = { ...drained, ms: Math.round(performance.now() - began) };
        logger.info(report, 'webalytic stopped');
        return report;
      })();
      return stopping;
    };

    return {
      url: http.url,
      services: names,
      eventStore,
      ...(readStore ? { readStore } : {}),
      ...(collector ? { collector } : {}),
      ...(projections ? { projections } : {}),
      ...(readApi ? { readApi } : {}),
      app,
      metrics,
      http,
      stop,
    };
  } catch (error) {
    await cleanups.run().catch((cleanupError: unknown) => logger.warn({ err: cleanupError }, 'cleanup after a failed start failed'));
    throw error;
  }
}

/** The checks of several services, each dependency asked once (the first service's check wins). */
function uniqueByName(checks: ReadinessCheck[]): ReadinessCheck[] {
  const seen = new Set<string>();
  return checks.filter((check) => !seen.has(check.name) && seen.add(check.name));
}

// --- `webalytic start`: everything in one process ----------------------------------------

export interface RunningSystem {
  url: string;
  eventStore: EventStore;
  readStore: ReadStore;
  projections: RunningProjections;
  properties: PropertyDirectory;
  collector: CollectorHandler;
  /** The Express app behind the collector: other parts mount their routes on it. */
  app: Express;
  metrics: Registry;
  stop(): Promise<ShutdownReport>;
}

export type SystemOptions = Omit<ServicesOptions, 'services'>;

export async function startSystem(config: Config, logger: Logger, options: SystemOptions = {}): Promise<RunningSystem> {
  const running = await startServices(config, logger, { ...options, services: SERVICE_NAMES });
  const { readStore, collector, projections } = running;
  if (!readStore || !collector || !projections) throw new Error('startSystem: a service did not start');
  return {
    url: running.url,
    eventStore: running.eventStore,
    readStore,
    projections: projections.running,
    properties: collector.properties,
    collector: collector.collector,
    app: running.app,
    metrics: running.metrics,
    stop: running.stop,
  };
}
