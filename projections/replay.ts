// Blue/green replay: build the projection's code version into its own storage from the
// start of the log (or from where an interrupted build stopped: its checkpoint is exact),
// while the active version keeps serving; when the build has caught up with the head,
// point reads at it in one atomic registry update, then drop the previous version.
// Interrupting a replay leaves the registry, and so the serving version, untouched.
import { performance } from 'node:perf_hooks';
import type { Logger } from '../platform/logger.ts';
import type { Position } from '../storage/eventstore/port.ts';
import type { ReadStore } from '../storage/readstore/port.ts';
import { positionOrdinal } from './lag.ts';
import type { Projection } from './projection.ts';
import { registryFor, type ProjectionRegistry } from './registry.ts';
import { defaultOwner, startProjection, type ProjectionRunnerOptions } from './runner.ts';
import type { ProjectionState, ProjectionStatus } from './status.ts';

export interface ReplayProgress {
  name: string;
  version: number;
  state: ProjectionState;
  /** Progress along the log: events on the embedded store, log bytes on EventStoreDB. */
  done: number;
  total: number;
  unit: 'events' | 'log bytes';
  position?: Position;
  headPosition?: Position;
  /** Events applied by this replay run. */
  eventsApplied: number;
  /** Events applied per second since the run started. */
  eventsPerSecond: number;
  /** Seconds left at the current pace; undefined until measurable. */
  etaSeconds?: number;
  /** The other owner building this version, while waiting for its lease. */
  leaseHolder?: string;
}

/** The stores, logger and lease settings mean what they mean for a runner (runner.ts). */
export interface ReplayOptions extends Pick<ProjectionRunnerOptions, 'eventStore' | 'readStore' | 'logger' | 'registry' | 'owner' | 'batchSize' | 'now' | 'leaseMs' | 'leaseRetryMs'> {
  projection: Projection;
  /** Drop what an interrupted replay of this version built, and start from the beginning. */
  fresh?: boolean;
  /** Drop the previous version after the switch. Default true. */
  dropPrevious?: boolean;
  /** How long to wait for the previous version's runner to let go of it before dropping, ms. Default 2 leases. */
  dropWaitMs?: number;
  /** Progress, at most every `progressMs` (default 100 ms) and once at the end. */
  onProgress?: (progress: ReplayProgress) => void;
  progressMs?: number;
  /** Aborting interrupts the replay cleanly: the batch in hand commits, nothing switches. */
  signal?: AbortSignal;
  /** The runner's readerThreadMinEvents (catch-up through a reader thread on the embedded store). */
  readerThreadMinEvents?: number;
}

export type ReplayOutcome =
  /** Built and made active. */
  | 'switched'
  /** The code version was already the active one (or another process built and switched to it meanwhile). */
  | 'up-to-date'
  /** Stopped before the switch (signal, or stopped from outside); the serving version is untouched. */
  | 'interrupted'
  /** The projection failed on an event; the serving version is untouched. */
  | 'failed';

export interface ReplayResult {
  name: string;
  version: number;
  outcome: ReplayOutcome;
  /** The version that was active before. */
  previousVersion?: number;
  droppedPrevious: boolean;
  eventsApplied: number;
  seconds: number;
  eventsPerSecond: number;
  status?: ProjectionStatus;
}

/**
 * Points reads from `from` to `to` atomically. False when the active version was not `from`
 * any more (someone else switched), unless it is already `to`.
 */
export async function switchActiveVersion(registry: ProjectionRegistry, name: string, from: number | undefined, to: number): Promise<boolean> {
  if (await registry.setActiveVersion(name, to, from)) return true;
  return (await registry.activeVersion(name)) === to;
}

export interface DropVersionOptions {
  projection: Projection;
  version: number;
  readStore: ReadStore;
  logger: Logger;
  registry?: ProjectionRegistry;
  owner?: string;
  now?: () => number;
  leaseMs?: number;
  /** How long to wait for the version's lease to be free, ms. Default 0: try once. */
  waitMs?: number;
  retryMs?: number;
}

/**
 * Drops one version's storage and forgets it, holding its lease meanwhile so no runner writes
 * it. False when the lease stayed taken (a runner still works on it): nothing is dropped.
 */
export async function dropVersion(options: DropVersionOptions): Promise<boolean> {
  const { projection, version, readStore, logger } = options;
  const registry = options.registry ?? registryFor(readStore);
  const owner = options.owner ?? defaultOwner();
  const now = options.now ?? Date.now;
  const leaseMs = options.leaseMs ?? 15_000;
  // Waiting is measured on the monotonic clock: the lease clock may be a test's fake one.
  const deadline = performance.now() + (options.waitMs ?? 0);
  const retryMs = options.retryMs ?? 100;
  while (!(await registry.tryAcquireLease(projection.name, version, owner, now(), leaseMs))) {
    if (performance.now() >= deadline) {
      logger.warn({ projection: projection.name, version }, 'version still in use; not dropped (a later start drops it)');
      return false;
    }
    // Not unref'd: a CLI whose only work left is this wait must not exit in the middle of it.
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
  try {
    const sink = await projection.openSink(readStore, version, logger);
    await sink.drop();
    await registry.forgetVersion(projection.name, version);
    logger.info({ projection: projection.name, version }, 'projection version dropped');
    return true;
  } finally {
    await registry.releaseLease(projection.name, version, owner);
  }
}

export async function replayProjection(options: ReplayOptions): Promise<ReplayResult> {
  const { projection, eventStore, readStore, logger } = options;
  const name = projection.name;
  const version = projection.version;
  const registry = options.registry ?? registryFor(readStore);
  const owner = options.owner ?? defaultOwner();
  const now = options.now ?? Date.now;
  const leaseMs = options.leaseMs ?? 15_000;
  const progressMs = options.progressMs ?? 100;
  const log = logger.child({ projection: name, version });
  const started = now();
  const previous = await registry.activeVersion(name);
  const result = (outcome: ReplayOutcome, extra: Partial<ReplayResult> = {}): ReplayResult => {
    const seconds = (now() - started) / 1000;
    const eventsApplied = extra.eventsApplied ?? 0;
    return {
      name,
      version,
      outcome,
      ...(previous === undefined ? {} : { previousVersion: previous }),
      droppedPrevious: false,
      eventsApplied,
      seconds,
      eventsPerSecond: seconds > 0 ? eventsApplied / seconds : 0,
      ...extra,
    };
  };
  if (previous === version) return result('up-to-date');
  if (options.signal?.aborted) return result('interrupted');

  if (options.fresh && (await registry.knownVersions(name)).includes(version)) {
    if (!(await dropVersion({ projection, version, readStore, logger, registry, owner, now, leaseMs }))) {
      throw new Error(`${name} v${version} is being built by another process; cannot start it afresh`);
    }
  }

  let switched = false;
  let lastProgress = 0;
  let head: Position | undefined;
  let measuring = false;
  let finished = false;
  /** Where the log was when building started, so the pace counts only this run's progress. */
  let firstDone: number | undefined;

  const report = async (status: ProjectionStatus, final: boolean): Promise<void> => {
    if (!options.onProgress) return;
    const at = now();
    if (!final && (measuring || at - lastProgress < progressMs)) return;
    lastProgress = at;
    measuring = true;
    try {
      head = await eventStore.headPosition();
    } finally {
      measuring = false;
    }
    if (finished && !final) return;
    const unit = eventStore.kind === 'embedded' ? 'events' : 'log bytes';
    const total = positionOrdinal(head) ?? 0;
    // Caught up and switched means the log was read to the head, even past the last event the filter passed.
    const done = final && switched ? total : Math.min(total, positionOrdinal(status.position) ?? 0);
    const elapsed = Math.max(0.001, (at - started) / 1000);
    const eventsPerSecond = status.eventsApplied / elapsed;
    // Progress along the log per second: ETA works for any unit.
    const startDone = firstDone ?? done;
    const pace = (done - startDone) / elapsed;
    const progress: ReplayProgress = {
      name,
      version,
      state: status.state,
      done,
      total,
      unit,
      eventsApplied: status.eventsApplied,
      eventsPerSecond,
      ...(status.position === undefined ? {} : { position: status.position }),
      ...(head === undefined ? {} : { headPosition: head }),
      ...(pace > 0 ? { etaSeconds: (total - done) / pace } : {}),
      ...(status.leaseHolder ? { leaseHolder: status.leaseHolder } : {}),
    };
    options.onProgress(progress);
  };
  const runner = startProjection({
    projection,
    version,
    role: 'rebuild',
    eventStore,
    readStore,
    registry,
    logger,
    owner,
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    now,
    leaseMs,
    ...(options.leaseRetryMs === undefined ? {} : { leaseRetryMs: options.leaseRetryMs }),
    ...(options.readerThreadMinEvents === undefined ? {} : { readerThreadMinEvents: options.readerThreadMinEvents }),
    // Another process (a server on the same code) may be building this version: once it made it active, stop waiting.
    keepWaiting: async () => (await registry.activeVersion(name)) !== version,
    onStatus: (status) => {
      if (firstDone === undefined && status.state === 'catching-up') firstDone = positionOrdinal(status.position) ?? 0;
      void report(status, false);
    },
    onCaughtUp: async () => {
      // Caught up with the head: the build is as fresh as the serving version, switch reads now.
      if (options.signal?.aborted) return { next: 'stop', reason: 'interrupted' };
      switched = await switchActiveVersion(registry, name, previous, version);
      if (!switched) {
        const active = await registry.activeVersion(name);
        log.warn({ active, expected: previous }, 'the active version changed during the replay; not switching');
        return { next: 'stop', reason: `not switched: version ${String(active)} became active meanwhile` };
      }
      log.info({ previous }, 'replay caught up; reads switched to the new version');
      return { next: 'stop', role: 'live', reason: 'replay complete' };
    },
  });
  const abort = (): void => void runner.stop('interrupted');
  options.signal?.addEventListener('abort', abort, { once: true });
  let final: ProjectionStatus;
  try {
    final = await runner.done;
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
  finished = true;
  await report(final, true);

  const summary = { eventsApplied: final.eventsApplied, status: final };
  if (final.state === 'failed') return result('failed', summary);
  if (!switched) return result((await registry.activeVersion(name)) === version ? 'up-to-date' : 'interrupted', summary);
  let droppedPrevious = false;
  if (previous !== undefined && options.dropPrevious !== false) {
    droppedPrevious = await dropVersion({
      projection,
      version: previous,
      readStore,
      logger,
      registry,
      owner,
      now,
      leaseMs,
      // The previous version's live runner lets go within a third of its lease of noticing the switch.
      waitMs: options.dropWaitMs ?? 2 * leaseMs,
      retryMs: Math.max(10, Math.floor(leaseMs / 10)),
    });
  }
  return result('switched', { ...summary, droppedPrevious });
}
