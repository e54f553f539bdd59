// The read API: one Express router (mounted at /api/v1 by platform/system.ts) built from
// the route definitions of every area. The same list makes the OpenAPI document, so
// what is documented is what is mounted.
import express, { type Router } from 'express';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import type { ProjectionStatus } from '../projections/status.ts';
import type { EventStore } from '../storage/eventstore/port.ts';
import type { ReadStore } from '../storage/readstore/port.ts';
import { problemErrorHandler, problemNotFound } from './http/problem.ts';
import { mountRoutes, type AnyRoute } from './http/route.ts';
import { createAuthenticator } from './keys/authenticate.ts';
import type { ApiKeyDirectory } from './keys/directory.ts';
import type { PropertyDirectory } from '../administration/property-directory.ts';
import { keyRoutes } from './keys/routes.ts';
import { eventsStreamRoute } from './routes/events-stream.ts';
import { openApiRoute } from './routes/openapi.ts';
import { projectionRoutes } from './routes/projections.ts';
import { propertyRoutes } from './routes/properties.ts';
import { queryRoutes } from './routes/query.ts';
import { rawRoutes } from './routes/raw.ts';
import { realtimeRoutes } from './routes/realtime.ts';
import { sessionsListRoutes } from './routes/sessions-list.ts';

/** The largest JSON body the API reads. */
export const JSON_BODY_LIMIT = '1mb';

/** A blue/green replay started over the API, as `GET /projections/:name/replay` shows it. */
export interface ReplayState {
  name: string;
  state: 'running' | 'switched' | 'up-to-date' | 'interrupted' | 'failed';
  startedAt: number;
  finishedAt?: number;
  /** The version being built. */
  version?: number;
  previousVersion?: number;
  /** Progress along the log while running. */
  done?: number;
  total?: number;
  unit?: 'events' | 'log bytes';
  eventsApplied?: number;
  eventsPerSecond?: number;
  etaSeconds?: number;
  error?: string;
}

/** What the read API needs of the running projections (see read-api/routes/projections.ts for an adapter). */
export interface ProjectionsHandle {
  /** Every projection's status, lag measured now. */
  status(): Promise<ProjectionStatus[]>;
  /** Starts a blue/green replay in the background; `started: false` when one is already running for `name`. */
  replay(name: string): Promise<{ started: boolean }>;
  /** The latest replay of `name` started in this process; undefined when there was none. */
  replayProgress(name: string): Promise<ReplayState | undefined>;
}

export interface ReadApiDeps {
  config: Config;
  logger: Logger;
  eventStore: EventStore;
  readStore: ReadStore;
  keys: ApiKeyDirectory;
  /** Every property, folded from the log (listings read it instead of scanning the log). */
  properties: PropertyDirectory;
  /** Absent in processes without projections: their endpoints answer 503. */
  projections?: ProjectionsHandle;
  /** Injectable clock for tests. */
  now?: () => number;
  /** Accepted as an admin key; defaults to the ADMIN_API_KEY setting when the configuration has one. */
  adminApiKey?: string;
  /** The server's public origin for the tracking snippet (e.g. https://analytics.example.com); default: from the request's Host. */
  publicUrl?: string;
  /** Check every JSON answer against its response schema (tests). */
  validateResponses?: boolean;
  /** Wrong keys one address may send per minute before it gets 429s. Default 10. */
  failedAuthPerMinute?: number;
  /** Aborted at shutdown: ends long-lived answers (the live event stream), which would keep server.close() waiting. */
  signal?: AbortSignal;
}

/** The ADMIN_API_KEY setting, if this configuration has one (optional, so read without assuming the field exists). */
function adminKeyOf(config: Config): string | undefined {
  const value: unknown = (config as Record<string, unknown>)['ADMIN_API_KEY'];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Every route of the read API, the OpenAPI document's included. */
export function readApiRoutes(deps: ReadApiDeps): AnyRoute[] {
  const routes: AnyRoute[] = [
    ...propertyRoutes(deps),
    ...projectionRoutes(deps),
    ...keyRoutes(deps),
    ...rawRoutes(deps),
    eventsStreamRoute(deps, deps.signal ? { signal: deps.signal } : {}),
    ...queryRoutes(deps),
    ...realtimeRoutes(deps),
    ...sessionsListRoutes(deps),
  ];
  routes.push(openApiRoute(() => routes));
  return routes;
}

export function createReadApi(deps: ReadApiDeps): Router {
  const { logger } = deps;
  const now = deps.now ?? Date.now;
  const router = express.Router();
  router.use((req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      // The path only: a query string may hold an access token.
      logger.debug(
        { method: req.method, path: `${req.baseUrl}${req.path}`, status: res.statusCode, ms: Math.round(performance.now() - started), keyId: res.locals['apiKeyId'] },
        'read API request',
      );
    });
    next();
  });
  router.use(express.json({ limit: JSON_BODY_LIMIT }));
  const adminApiKey = deps.adminApiKey ?? adminKeyOf(deps.config);
  const authenticate = createAuthenticator({
    keys: deps.keys,
    adminApiKey,
    trustProxy: deps.config.TRUST_PROXY,
    now,
    ...(deps.failedAuthPerMinute === undefined ? {} : { failuresPerMinute: deps.failedAuthPerMinute }),
  });
  mountRoutes(router, readApiRoutes(deps), { authenticate, logger, validateResponses: deps.validateResponses === true });
  router.use(problemNotFound());
  router.use(problemErrorHandler(logger));
  return router;
}

/** For `app.use('/api', ...)` after the read API: any other /api path is a 404 problem, never HTML. */
export function apiFallback(logger: Logger): [express.RequestHandler, express.ErrorRequestHandler] {
  return [problemNotFound(), problemErrorHandler(logger)];
}
