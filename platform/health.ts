// /healthz, /readyz and /metrics, the same on every service.
//
// - /healthz: the process is alive and its event loop answers. Nothing else is asked, so
//   an orchestrator never restarts a process because a database is down.
// - /readyz: every readiness check of the services in the process passes (event store
//   and read store reachable, projections not failed, each where the service uses it),
//   and the process is not shutting down. 503 otherwise, with what failed.
// - /metrics: Prometheus text from the process's registry (platform/metrics.ts), for an
//   admin API key only (it tells hit volumes, routes and projection states).
//
// The paths match exactly (strict, case-sensitive): a proxy that keeps these paths internal
// (deploy/Caddyfile) must not be passed by /metrics/ or /METRICS.
import express, { type RequestHandler, type Router } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.ts';
import type { ReadinessCheck } from './service.ts';
import type { EventStore } from '../storage/eventstore/port.ts';
import type { ReadStore } from '../storage/readstore/port.ts';
import type { ProjectionStatus } from '../projections/status.ts';

/** A check that takes longer than this counts as failed: a hung database must not hang the probe. */
export const READINESS_TIMEOUT_MS = 3000;

export interface HealthRoutesOptions {
  service: string;
  checks: readonly ReadinessCheck[];
  /** True once shutdown began: /readyz answers 503 so load balancers stop sending work. */
  draining: () => boolean;
  metrics: Registry;
  /** Runs before /metrics answers: the admin key check (platform/system.ts). */
  metricsGuard: RequestHandler;
  logger: Logger;
  /** Extra top-level fields of the /readyz answer (e.g. the store kinds). */
  describe?: Record<string, string>;
  timeoutMs?: number;
}

export interface CheckOutcome {
  ok: boolean;
  advisory?: boolean;
  error?: string;
  [detail: string]: unknown;
}

export function healthRoutes(options: HealthRoutesOptions): Router {
  const router = express.Router({ strict: true, caseSensitive: true });
  const timeoutMs = options.timeoutMs ?? READINESS_TIMEOUT_MS;

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', (_req, res, next) => {
    runChecks(options.checks, timeoutMs).then((outcomes) => {
      const failed = Object.entries(outcomes).filter(([, outcome]) => !outcome.ok && !outcome.advisory);
      const draining = options.draining();
      const status = draining ? 'draining' : failed.length > 0 ? 'unavailable' : 'ready';
      if (failed.length > 0) options.logger.warn({ failed: Object.fromEntries(failed) }, 'readiness check failed');
      res
        .status(status === 'ready' ? 200 : 503)
        .set('cache-control', 'no-store')
        .json({ status, service: options.service, ...options.describe, checks: outcomes });
    }, next);
  });

  router.get('/metrics', options.metricsGuard, (_req, res, next) => {
    options.metrics.metrics().then((text) => {
      res.set('content-type', options.metrics.contentType).set('cache-control', 'no-store').send(text);
    }, next);
  });
  return router;
}

export async function runChecks(checks: readonly ReadinessCheck[], timeoutMs: number): Promise<Record<string, CheckOutcome>> {
  const entries = await Promise.all(
    checks.map(async (check): Promise<[string, CheckOutcome]> => {
      const advisory = check.advisory ? { advisory: true } : {};
      try {
        const details = await withTimeout(check.check(), timeoutMs, check.name);
        return [check.name, { ok: true, ...advisory, ...(details ?? {}) }];
      } catch (error) {
        return [check.name, { ok: false, ...advisory, error: error instanceof Error ? error.message : String(error) }];
      }
    }),
  );
  return Object.fromEntries(entries);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// --- the checks every service draws from ------------------------------------------------

export function eventStoreCheck(store: EventStore): ReadinessCheck {
  return {
    name: 'eventStore',
    async check() {
      const head = await store.headPosition();
      return { kind: store.kind, head: head ?? null };
    },
  };
}

export function readStoreCheck(store: ReadStore): ReadinessCheck {
  return {
    name: 'readStore',
    async check() {
      await pingReadStore(store);
      return { kind: store.kind };
    },
  };
}

/** A cheap round trip to the read store. */
export async function pingReadStore(store: ReadStore): Promise<void> {
  if (store.kind === 'embedded') {
    store.db.prepare('SELECT 1').get();
    return;
  }
  // The MongoDB store's `db` is typed unknown at the port: a driver Db answers `ping`; the
  // adapters' collection surface (storage/readstore/mongodb-db.ts) answers a one-document find.
  const db = store.db as { command?: unknown; collection?: unknown } | null;
  if (db && typeof db.command === 'function') {
    await (db.command as (command: object) => Promise<unknown>).call(db, { ping: 1 });
  } else if (db && typeof db.collection === 'function') {
    const collection = (db.collection as (name: string) => { find(filter: object, options: object): { toArray(): Promise<unknown[]> } }).call(db, 'webalytic_readiness');
    await collection.find({ _id: 'ping' }, { limit: 1 }).toArray();
  } else {
    throw new Error('the MongoDB read store offers no way to reach the server');
  }
}

/**
 * Projections are ready unless one failed (it stopped on an event it cannot handle or an
 * error it cannot retry): a failed projection needs an operator; a restart does not help.
 */
export function projectionsCheck(status: () => Promise<ProjectionStatus[]>, options: { advisory?: boolean } = {}): ReadinessCheck {
  return {
    name: 'projections',
    ...(options.advisory ? { advisory: true } : {}),
    async check() {
      const all = await status();
      const failed = all.filter((s) => s.state === 'failed');
      if (failed.length > 0) {
        throw new Error(`failed: ${failed.map((s) => `${s.name} v${s.version}${s.error ? ` (${s.error.message})` : ''}`).join('; ')}`);
      }
      return { states: Object.fromEntries(all.map((s) => [`${s.name} v${s.version}`, s.state])) };
    },
  };
}
