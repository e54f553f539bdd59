// The read API service: the API at /api/v1 and the dashboard at /. Stateless apart from
// the API-key and property directories (fed by the log), so any number can run behind a load balancer.
// Beside the projections (`webalytic start`) it reports their live status; on its own it
// reads the status the runners save in the read store. A failed projection is reported
// by its /readyz but does not make it unready: it still serves the read models as they are.
import type { RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import type { Config } from './config.ts';
import { eventStoreCheck, projectionsCheck, readStoreCheck } from './health.ts';
import type { Logger } from './logger.ts';
import { apiLatencyMiddleware } from './metrics.ts';
import { createCleanups, type Service } from './service.ts';
import { projections as catalog } from '../projections/catalog.ts';
import type { Projection } from '../projections/projection.ts';
import { registryFor } from '../projections/registry.ts';
import type { ProjectionStatus } from '../projections/status.ts';
import { apiFallback, createReadApi } from '../read-api/app.ts';
import { openApiKeyDirectory, type ApiKeyDirectory } from '../read-api/keys/directory.ts';
import { openPropertyDirectory, type PropertyDirectory } from '../administration/property-directory.ts';
import { createProjectionsHandle } from '../read-api/routes/projections.ts';
import type { EventStore } from '../storage/eventstore/port.ts';
import type { ReadStore } from '../storage/readstore/port.ts';
import { uiMiddleware } from '../ui/serve.ts';

export interface ReadApiServiceDeps {
  config: Config;
  logger: Logger;
  eventStore: EventStore;
  readStore: ReadStore;
  metrics: Registry;
  /** The collector's property directory when it runs in this process (one subscription serves both). */
  properties?: PropertyDirectory;
  /** The process's key directory (system.ts opens one for /metrics too); default: its own. */
  keys?: ApiKeyDirectory;
  /** The projections running in this process, if any: their live status. */
  projections?: { status(): Promise<ProjectionStatus[]> };
  /** The projections known by name (replays); default projections/catalog.ts. */
  catalog?: Projection[];
  now?: () => number;
}

export interface ReadApiService extends Service {
  readonly name: 'read-api';
  /** Aborted when shutdown begins: ends the live event streams. */
  readonly signal: AbortSignal;
}

export async function startReadApiService(deps: ReadApiServiceDeps): Promise<ReadApiService> {
  const { config, logger, eventStore, readStore, metrics } = deps;
  const now = deps.now ?? Date.now;
  const cleanups = createCleanups();
  try {
    let keys = deps.keys;
    if (keys === undefined) {
      const opened = openApiKeyDirectory({ store: eventStore, logger });
      cleanups.add(() => opened.close());
      keys = opened;
    }
    let properties = deps.properties;
    if (properties === undefined) {
      const opened = openPropertyDirectory({ store: eventStore, logger });
      cleanups.add(() => opened.close());
      properties = opened;
    }
    // Until the directories have caught up every key would be refused, every listing empty.
    await Promise.all([keys.ready, properties.ready]);
    const status = deps.projections ? () => deps.projections!.status() : () => savedProjectionStatus(readStore, now);
    const projections = createProjectionsHandle({ running: { status }, projections: deps.catalog ?? catalog, eventStore, readStore, logger });
    // Replays started over the API are interrupted cleanly; the serving versions stay.
    cleanups.add(() => projections.stop());
    const shutdown = new AbortController();
    const api = createReadApi({ config, logger, eventStore, readStore, keys, properties, projections, signal: shutdown.signal, ...(deps.now ? { now: deps.now } : {}) });

    return {
      name: 'read-api',
      signal: shutdown.signal,
      mount(app) {
        app.use('/api', apiLatencyMiddleware(metrics));
        app.use('/api/v1', api);
        app.use('/api', ...apiFallback(logger));
        app.use(dashboard(uiMiddleware()));
      },
      readiness: [eventStoreCheck(eventStore), readStoreCheck(readStore), projectionsCheck(status, { advisory: true })],
      beginShutdown: () => shutdown.abort(),
      stop: () => cleanups.run(),
    };
  } catch (error) {
    await cleanups.run();
    throw error;
  }
}

/**
 * The dashboard for browsers: `/`, its files, and page URLs asked for as HTML (a pasted
 * deep link). Other paths asked for without HTML in Accept (API clients, curl, probes)
 * fall through to the JSON 404 instead of receiving the app's index page.
 */
function dashboard(ui: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const last = req.path.slice(req.path.lastIndexOf('/') + 1);
    if (req.path === '/' || last.includes('.') || /\btext\/html\b/i.test(req.headers.accept ?? '')) {
      ui(req, res, next);
      return;
    }
    next();
  };
}

/**
 * The runners' status as saved in the registry by whichever process runs them. A version
 * whose lease nobody holds is not running, whatever it last saved.
 */
export async function savedProjectionStatus(readStore: ReadStore, now: () => number): Promise<ProjectionStatus[]> {
  const registry = registryFor(readStore);
  const saved = await registry.listStatus();
  return Promise.all(
    saved.map(async (status): Promise<ProjectionStatus> => {
      if (status.state === 'failed' || status.state === 'stopped') return status;
      const holder = await registry.leaseHolder(status.name, status.version, now());
      return holder ? status : { ...status, state: 'stopped', reason: status.reason ?? 'no runner holds its lease' };
    }),
  );
}
