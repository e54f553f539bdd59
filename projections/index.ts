// Running the projections inside `webalytic start`: one runner per projection, on the
// version the registry says is active. A projection whose code version differs from the
// active one is rebuilt blue/green in the background: the active version keeps answering
// reads (frozen at its checkpoint, since this code cannot project an older or newer
// version's storage), and reads switch to the new version once it has caught up.
// A projection with no active version yet gets its code version made active at once:
// with nothing served before, a read model that fills up while catching up (its status
// says 'catching-up') beats an empty one.
import type { Position } from '../storage/eventstore/port.ts';
import type { Projection } from './projection.ts';
import { registryFor } from './registry.ts';
import { dropVersion, switchActiveVersion } from './replay.ts';
import { defaultOwner, startProjection, type ProjectionRunner, type ProjectionRunnerOptions } from './runner.ts';
import type { ProjectionStatus } from './status.ts';

export type { Projection, ProjectionSink } from './projection.ts';
export { ProjectionEventError } from './projection.ts';
export type { ProjectionError, ProjectionRole, ProjectionState, ProjectionStatus, LatencySummary } from './status.ts';
export { activeVersion, registryFor, type Lease, type ProjectionRegistry } from './registry.ts';
export { startProjection, type ProjectionRunner, type ProjectionRunnerOptions, type BatchCommitted } from './runner.ts';
export { replayProjection, dropVersion, type ReplayOptions, type ReplayProgress, type ReplayResult } from './replay.ts';
export { projectionsOverview, type ProjectionOverview } from './overview.ts';

/** The stores, logger and lease settings mean what they mean for a runner (runner.ts). */
export interface StartProjectionsOptions
  extends Pick<ProjectionRunnerOptions, 'eventStore' | 'readStore' | 'logger' | 'registry' | 'owner' | 'batchSize' | 'now' | 'leaseMs' | 'leaseRetryMs' | 'logIntervalMs'> {
  projections: Projection[];
}

export interface RunningProjections {
  /** Stops every runner cleanly (batches in hand commit, leases released) and finishes background drops. */
  stop(): Promise<void>;
  /** Every runner's status, lag measured now. */
  status(): Promise<ProjectionStatus[]>;
  /**
   * Resolves when the read models that serve reads reflect `position` (the position of an event the
   * projections handle): each projection (or only `name`) is live on its code version and committed it.
   */
  waitForPosition(position: Position, name?: string): Promise<void>;
}

export async function startProjections(options: StartProjectionsOptions): Promise<RunningProjections> {
  const { eventStore, readStore, logger } = options;
  const registry = options.registry ?? registryFor(readStore);
  const owner = options.owner ?? defaultOwner();
  const runners: ProjectionRunner[] = [];
  const background = new Set<Promise<unknown>>();
  const inBackground = (work: Promise<unknown>): void => {
    const tracked = work.catch((error: unknown) => logger.warn({ err: error }, 'projection background work failed')).finally(() => background.delete(tracked));
    background.add(tracked);
  };
  const common = {
    eventStore,
    readStore,
    registry,
    logger,
    owner,
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
    ...(options.leaseRetryMs === undefined ? {} : { leaseRetryMs: options.leaseRetryMs }),
    ...(options.logIntervalMs === undefined ? {} : { logIntervalMs: options.logIntervalMs }),
  };
  const dropCommon = { readStore, logger, registry, owner, ...(options.now ? { now: options.now } : {}), ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}) };

  async function start(projection: Projection): Promise<ProjectionRunner> {
    const { name, version: code } = projection;
    let active = await registry.activeVersion(name);
    if (active === undefined) {
      await registry.setActiveVersion(name, code, undefined);
      active = await registry.activeVersion(name);
    }
    // Versions neither served nor being built here are leftovers (a drop that found the version
    // busy, an abandoned replay): drop those no one holds.
    for (const stale of await registry.knownVersions(name)) {
      if (stale !== active && stale !== code) inBackground(dropVersion({ projection, version: stale, ...dropCommon }));
    }
    if (active === code) return startProjection({ projection, role: 'live', ...common });

    const previous = active;
    logger.info({ projection: name, active: previous, version: code }, 'projection version changed: rebuilding it while the active version serves');
    return startProjection({
      projection,
      role: 'rebuild',
      ...common,
      onCaughtUp: async () => {
        if (!(await switchActiveVersion(registry, name, previous, code))) {
          const now = await registry.activeVersion(name);
          return { next: 'stop', reason: `not switched: version ${String(now)} became active meanwhile` };
        }
        logger.info({ projection: name, previous, version: code }, 'rebuild caught up; reads switched to the new version');
        if (previous !== undefined) inBackground(dropVersion({ projection, version: previous, ...dropCommon, waitMs: 2 * (options.leaseMs ?? 15_000) }));
        return { next: 'continue', role: 'live' };
      },
    });
  }

  try {
    for (const projection of options.projections) runners.push(await start(projection));
  } catch (error) {
    await Promise.all(runners.map((runner) => runner.stop('start failed')));
    throw error;
  }

  return {
    async stop() {
      await Promise.all(runners.map((runner) => runner.stop('shutdown')));
      while (background.size > 0) await Promise.all([...background]);
    },
    status: () => Promise.all(runners.map((runner) => runner.status())),
    async waitForPosition(position, name) {
      const chosen = runners.filter((runner) => name === undefined || runner.name === name);
      if (chosen.length === 0) throw new Error(`no projection named ${String(name)} is running`);
      await Promise.all(
        chosen.map((runner) =>
          runner.waitFor((s) => s.role === 'live' && s.position !== undefined && s.position >= position, `${runner.name} serving position ${position}`),
        ),
      );
    },
  };
}
