// The projections service: runs every projection of the catalog (one runner per
// projection, each holding its version's lease, so a second instance waits as a hot
// standby instead of writing twice) and the raw-data retention job. It serves only
// /healthz, /readyz and /metrics. Its readiness fails when a projection has failed:
// that needs an operator (see `webalytic projections status`), not more traffic.
//
// Beside other services in one process (`webalytic start`), the projections run in a
// worker thread (projections-thread.ts) unless PROJECTIONS_THREAD says otherwise; alone,
// or with projections or a clock injected by a test, on the main thread.
import { availableParallelism } from 'node:os';
import type { Registry } from 'prom-client';
import type { Config } from './config.ts';
import { eventStoreCheck, projectionsCheck, readStoreCheck } from './health.ts';
import type { Logger } from './logger.ts';
import { registerProjectionMetrics } from './metrics.ts';
import { startProjectionsThread } from './projections-thread.ts';
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
  /** Other services share the process (then the projections may get a thread of their own). */
  shared?: boolean;
  /** The read store was handed in rather than opened from the configuration (tests): a thread could not open it. */
  injectedReadStore?: boolean;
}

/** Where the projections run: see PROJECTIONS_THREAD in config.ts. */
export function projectionsInThread(deps: Pick<ProjectionsServiceDeps, 'config' | 'projections' | 'now' | 'shared' | 'injectedReadStore'>): boolean {
  // A thread runs the catalog on the wall clock over the configured stores: injected projections, clocks or stores stay inline.
  if (deps.projections !== undefined || deps.now !== undefined || deps.injectedReadStore === true) return false;
  const mode = deps.config.PROJECTIONS_THREAD;
  if (mode === 'auto') return deps.shared === true && availableParallelism() > 1;
  return mode === 'thread';
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
    const running = projectionsInThread(deps)
      ? await startProjectionsThread({ config, logger, catalog })
      : await startProjections({
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
