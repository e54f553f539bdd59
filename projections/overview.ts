// The state of every projection as another process sees it (the CLI's `projections
// status`, the read API): versions from the registry, positions from the checkpoints,
// lag measured against the head now, and the runners' last saved status. A version
// whose lease nobody holds is not running, whatever its last saved state said.
import type { EventStore, Position } from '../storage/eventstore/port.ts';
import type { ReadStore } from '../storage/readstore/port.ts';
import { silentLogger } from '../platform/logger.ts';
import { measureEventsBehind } from './lag.ts';
import type { Projection } from './projection.ts';
import { registryFor, type ProjectionRegistry } from './registry.ts';
import type { LatencySummary, ProjectionError, ProjectionRole, ProjectionState, ProjectionStatus } from './status.ts';

export interface VersionOverview {
  version: number;
  active: boolean;
  /** The last saved state while a runner holds the lease; otherwise 'stopped' (or 'failed'). */
  state: ProjectionState;
  running: boolean;
  role?: ProjectionRole;
  owner?: string;
  position?: Position;
  headPosition?: Position;
  eventsBehind?: number;
  eventsBehindCapped?: boolean;
  latencyMs?: LatencySummary;
  eventsPerSecond?: number;
  error?: ProjectionError;
  reason?: string;
  /** When the runner last saved its status. */
  updatedAt?: number;
}

export interface ProjectionOverview {
  name: string;
  /** The version this code builds; undefined for a projection in the registry but not in the catalog. */
  codeVersion?: number;
  activeVersion?: number;
  versions: VersionOverview[];
}

export interface OverviewOptions {
  projections: Projection[];
  eventStore: EventStore;
  readStore: ReadStore;
  registry?: ProjectionRegistry;
  now?: () => number;
}

export async function projectionsOverview(options: OverviewOptions): Promise<ProjectionOverview[]> {
  const { eventStore, readStore } = options;
  const registry = options.registry ?? registryFor(readStore);
  const now = (options.now ?? Date.now)();
  const byName = new Map(options.projections.map((projection) => [projection.name, projection]));
  const names = [...new Set([...byName.keys(), ...(await registry.knownNames())])].sort();
  const head = await eventStore.headPosition();
  const overviews: ProjectionOverview[] = [];
  for (const name of names) {
    const projection = byName.get(name);
    const active = await registry.activeVersion(name);
    const saved = new Map((await registry.listStatus(name)).map((status) => [status.version, status]));
    const versions = new Set([...(await registry.knownVersions(name)), ...saved.keys()]);
    if (active !== undefined) versions.add(active);
    const rows: VersionOverview[] = [];
    for (const version of [...versions].sort((a, b) => a - b)) {
      rows.push(await describeVersion(projection, name, version, active, saved.get(version)));
    }
    overviews.push({
      name,
      ...(projection ? { codeVersion: projection.version } : {}),
      ...(active === undefined ? {} : { activeVersion: active }),
      versions: rows,
    });
  }
  return overviews;

  async function describeVersion(
    projection: Projection | undefined,
    name: string,
    version: number,
    active: number | undefined,
    saved: ProjectionStatus | undefined,
  ): Promise<VersionOverview> {
    const holder = await registry.leaseHolder(name, version, now);
    const running = holder !== undefined;
    // The checkpoint is the truth for the position; the saved status may be a second old.
    const position = projection ? await (await projection.openSink(readStore, version, silentLogger())).checkpoint() : saved?.position;
    const behind = await measureEventsBehind(eventStore, position, head, projection?.filter ?? {});
    const state: ProjectionState = running ? (saved?.state ?? 'starting') : saved?.state === 'failed' ? 'failed' : 'stopped';
    return {
      version,
      active: version === active,
      state,
      running,
      ...(saved ? { role: saved.role, updatedAt: saved.updatedAt } : {}),
      ...(holder ? { owner: holder.owner } : {}),
      ...(position === undefined ? {} : { position }),
      ...(head === undefined ? {} : { headPosition: head }),
      eventsBehind: behind.eventsBehind,
      eventsBehindCapped: behind.capped,
      ...(saved?.latencyMs ? { latencyMs: saved.latencyMs } : {}),
      ...(saved?.eventsPerSecond === undefined ? {} : { eventsPerSecond: saved.eventsPerSecond }),
      ...(saved?.error ? { error: saved.error } : {}),
      ...(saved?.reason ? { reason: saved.reason } : {}),
    };
  }
}
