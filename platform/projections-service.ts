// The projections service: runs every projection of the catalog (one runner per
// projection, each holding its version's lease, so a second instance waits as a hot
// standby instead of writing twice) and the raw-data retention job. It serves only
// /healthz, /readyz and /metrics. Its readiness fails when a projection has failed:
// that needs an operator (see `webalytic projections status`), not more traffic.
import type { Registry } from 'prom-client';
import type { Config } from './config.ts';
import { eventStoreCheck, projectionsCheck, readStoreCheck } from './health.ts';
import type { Logger } from './logger.ts';
import { registerProjectionMetrics } from './metrics.ts';
import { startRetentionJob, type RetentionJob } from './retention.ts';
import { createCleanups, type Service } from './service.ts';
import { projections as catalog } from '../projections/catalog.ts';
import { startProjections, type RunningProjections } from '../projections/index.ts';
import type { Projection } from '../projections/projection.ts';
import type { EventStore } from '../storage/eventstore/port.ts';
import type { ReadStore } from '../storage/readstore/port.ts';

export interface ProjectionsServiceDeps {
  config: Config;
  logger: Logger;
  eventStore: EventStore;
  readStore: ReadStore;
  metrics: Registry;
  /** Default: projections/catalog.ts. */
  projections?: Projection[];
  /** Wall clock of leases, status and retention (tests). */
  now?: () => number;
}

export interface ProjectionsService extends Service {
  readonly name: 'projections';
  readonly running: RunningProjections;
  readonly retention: RetentionJob;
}

export async function startProjectionsService(deps: ProjectionsServiceDeps): Promise<ProjectionsService> {
  const { config, logger, eventStore, readStore, metrics } = deps;
  const cleanups = createCleanups();
  try {
    const running = await startProjections({
      projections: deps.projections ?? catalog,
      eventStore,
      readStore,
      logger,
      ...(deps.now ? { now: deps.now } : {}),
    });
    // Stopping a runner commits the batch it is committing or leaves the rest for next time; leases are released.
    cleanups.add(() => running.stop());
    registerProjectionMetrics(metrics, () => running.status());
    const retention = startRetentionJob({
      eventStore,
      logger,
      intervalMs: config.RETENTION_INTERVAL_MINUTES * 60_000,
      ...(deps.now ? { now: deps.now } : {}),
    });
    cleanups.add(() => retention.stop());
    return {
      name: 'projections',
      running,
      retention,
      readiness: [eventStoreCheck(eventStore), readStoreCheck(readStore), projectionsCheck(() => running.status())],
      stop: () => cleanups.run(),
    };
  } catch (error) {
    await cleanups.run();
    throw error;
  }
}
