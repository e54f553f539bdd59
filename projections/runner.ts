// The projection runner: runs one version of one projection. It holds that version's
// lease (one writer at a time, across processes), subscribes to $all from the version's
// checkpoint with the projection's filter, groups events into batches, and hands each
// batch to the sink, which commits read-model writes and checkpoint in one transaction.
// A crash anywhere therefore resumes from the last committed batch: nothing lost, nothing
// counted twice. It records its status (state, position, lag) in the registry.
//
// Batching needs no timers: while catching up a batch fills to `batchSize` (history keeps
// coming until the subscription says it caught up); once live, a batch is whatever has
// arrived by the time the event loop has nothing more to deliver (one setImmediate turn).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../platform/logger.ts';
import type { EmbeddedEventStore } from '../storage/eventstore/embedded.ts';
import type { EventStore, Position, RecordedEvent, Subscription, SubscriptionMessage } from '../storage/eventstore/port.ts';
import type { ReadStore } from '../storage/readstore/port.ts';
import { CheckpointConflictError } from './checkpoints-embedded.ts';
import { createLatencyWindow, createRateWindow, measureEventsBehind, positionOrdinal } from './lag.ts';
import { ProjectionEventError, type Projection, type ProjectionSink } from './projection.ts';
import { registryFor, type ProjectionRegistry } from './registry.ts';
import type { ProjectionError, ProjectionRole, ProjectionStatus } from './status.ts';

export interface BatchCommitted {
  /** 1-based count of batches this runner committed. */
  index: number;
  events: number;
  position: Position;
  ms: number;
}

/** What to do once the runner has caught up for the first time. */
export interface CaughtUpDecision {
  next: 'continue' | 'stop';
  /** A rebuild that was switched to active carries on as the live version. */
  role?: ProjectionRole;
  reason?: string;
}

export interface ProjectionRunnerOptions {
  projection: Projection;
  /** The stored version to run; default: the projection's (code) version. */
  version?: number;
  /** 'live' (default) stops when another version becomes active; 'rebuild' builds a version that is not active yet. */
  role?: ProjectionRole;
  eventStore: EventStore;
  readStore: ReadStore;
  /** Default: the read store's registry. */
  registry?: ProjectionRegistry;
  logger: Logger;
  /** Lease owner id; default host:pid:random. */
  owner?: string;
  /** Most events per batch (one transaction). Default 5000: replay throughput grows with it, and live batches are whatever has arrived, so latency does not. */
  batchSize?: number;
  /** Wall clock for leases, status and latency. Default Date.now. */
  now?: () => number;
  /** Lease time to live, ms. Renewed every third of it. Default 15 s. */
  leaseMs?: number;
  /** How often a runner waiting for the lease tries again, ms. Default leaseMs / 3. */
  leaseRetryMs?: number;
  /** First delay before resubscribing after the subscription broke, doubling up to 30 s. Default 250 ms. */
  retryBaseMs?: number;
  /** Status saved to the registry at most this often between state changes, ms. Default 1 s. */
  statusSaveMs?: number;
  /** Status logged (info) this often, ms. Default 30 s. */
  logIntervalMs?: number;
  /** Called on every status change (tests wait on it; no polling needed). */
  onStatus?: (status: ProjectionStatus) => void;
  /** Called right after each batch committed. */
  onBatch?: (batch: BatchCommitted) => void;
  /** Called once, after the first caught-up batch committed. Default: continue. */
  onCaughtUp?: () => Promise<CaughtUpDecision>;
  /** Asked before each new lease attempt while another owner holds it; false stops the runner. */
  keepWaiting?: () => Promise<boolean>;
  /**
   * On the embedded store, a projection with an `extractModule` at least this many log
   * events behind catches up through a reader thread (embedded-reader.ts): reading and
   * parsing run on another core. Default 20,000: below that, starting the thread costs
   * more than it saves.
   */
  readerThreadMinEvents?: number;
}

export interface ProjectionRunner {
  readonly name: string;
  readonly version: number;
  readonly owner: string;
  /** The status as last recorded (lag as last measured). */
  snapshot(): ProjectionStatus;
  /** The status with the lag measured now. */
  status(): Promise<ProjectionStatus>;
  /** Resolves with the first status (current or later) matching; rejects if the runner ends first. */
  waitFor(predicate: (status: ProjectionStatus) => boolean, what?: string): Promise<ProjectionStatus>;
  /** Resolves once the checkpoint is at or after `position` (the position of an event the projection handles). */
  waitForPosition(position: Position): Promise<ProjectionStatus>;
  /** Stops cleanly: the batch being committed finishes, buffered events are left for next time, the lease is released. */
  stop(reason?: string): Promise<ProjectionStatus>;
  /** Settles with the final status (stopped or failed). */
  readonly done: Promise<ProjectionStatus>;
}

export const defaultOwner = (): string => `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

/** The embedded store's catch-up through a reader thread (a wrapped store without it subscribes the ordinary way). */
const hasReaderThread = (store: EventStore): store is EmbeddedEventStore => store.kind === 'embedded' && typeof (store as Partial<EmbeddedEventStore>).subscribeToAllWithReader === 'function';

const TICK: unique symbol = Symbol('tick');
const nextTurn = (): Promise<typeof TICK> => new Promise((resolve) => setImmediate(() => resolve(TICK)));

type Outcome = 'ended' | 'lease-lost';

export function startProjection(options: ProjectionRunnerOptions): ProjectionRunner {
  const { projection, eventStore, readStore } = options;
  const name = projection.name;
  const version = options.version ?? projection.version;
  const registry = options.registry ?? registryFor(readStore);
  const owner = options.owner ?? defaultOwner();
  const now = options.now ?? Date.now;
  const batchSize = Math.max(1, options.batchSize ?? 5000);
  const leaseMs = options.leaseMs ?? 15_000;
  const leaseRetryMs = options.leaseRetryMs ?? Math.max(10, Math.floor(leaseMs / 3));
  const statusSaveMs = options.statusSaveMs ?? 1000;
  const retryBaseMs = options.retryBaseMs ?? 250;
  const logIntervalMs = options.logIntervalMs ?? 30_000;
  const logger = options.logger.child({ projection: name, version });
  const readerThreadMinEvents = options.readerThreadMinEvents ?? 20_000;

  const latency = createLatencyWindow();
  const rate = createRateWindow();
  const status: ProjectionStatus = {
    name,
    version,
    role: options.role ?? 'live',
    state: 'starting',
    owner,
    eventsApplied: 0,
    batches: 0,
    startedAt: now(),
    updatedAt: now(),
  };
  const listeners = new Set<(status: ProjectionStatus) => void>();

  let stopping = false;
  let stopReason: string | undefined;
  let holdingLease = false;
  let leaseLost = false;
  let superseded: number | undefined;
  let failure: ProjectionError | undefined;
  let caughtUpHandled = false;
  let idle = false;
  let sink: ProjectionSink | undefined;
  let subscription: Subscription | undefined;
  let wakePause: (() => void) | undefined;
  let lastSaved = 0;
  let keeper: NodeJS.Timeout | undefined;
  let keeping = false;
  /** Set once the subscription is open: later errors (a dropped connection) are retried, not fatal. */
  let subscribed = false;
  let retries = 0;
  /** The current subscription catches up through the embedded store's reader thread; once one failed, the runner subscribes the ordinary way. */
  let readingInThread = false;
  let readerThreadFailed = false;

  // --- status -------------------------------------------------------------------

  const snapshot = (): ProjectionStatus => ({
    ...status,
    ...(status.lastBatch ? { lastBatch: { ...status.lastBatch } } : {}),
    ...(status.error ? { error: { ...status.error } } : {}),
  });

  function update(changes: Partial<ProjectionStatus>): void {
    const stateChanged = changes.state !== undefined && changes.state !== status.state;
    Object.assign(status, changes);
    status.updatedAt = now();
    status.eventsPerSecond = rate.perSecond(status.updatedAt);
    if (stateChanged) {
      const line = { role: status.role, state: status.state, position: status.position, reason: status.reason, leaseHolder: status.leaseHolder };
      if (status.state === 'failed') logger.error({ ...line, error: status.error }, 'projection failed');
      else logger.info(line, `projection ${status.state}`);
    }
    const current = snapshot();
    options.onStatus?.(current);
    for (const listener of [...listeners]) listener(current);
    if (stateChanged || status.updatedAt - lastSaved >= statusSaveMs) void save();
  }

  /** Only the lease holder writes the saved status: a waiting runner must not overwrite the holder's. */
  async function save(): Promise<void> {
    if (!holdingLease) return;
    lastSaved = status.updatedAt;
    status.latencyMs = latency.summary();
    try {
      await registry.saveStatus(snapshot());
    } catch (error) {
      logger.warn({ err: error }, 'could not save the projection status');
    }
  }

  async function measure(): Promise<ProjectionStatus> {
    try {
      const head = await eventStore.headPosition();
      if (status.state === 'live' && idle) {
        status.eventsBehind = 0;
        status.eventsBehindCapped = false;
      } else {
        const behind = await measureEventsBehind(eventStore, status.position, head, projection.filter);
        status.eventsBehind = behind.eventsBehind;
        status.eventsBehindCapped = behind.capped;
      }
      status.headPosition = head;
    } catch (error) {
      logger.debug({ err: error }, 'could not measure the lag');
    }
    status.latencyMs = latency.summary();
    status.eventsPerSecond = rate.perSecond(now());
    return snapshot();
  }

  // --- lease --------------------------------------------------------------------

  /** Interruptible pause between lease attempts (a stop ends it at once). */
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (stopping) return resolve();
      // Not unref'd: a process whose only work is waiting for the lease must keep waiting.
      const timer = setTimeout(resolve, ms);
      wakePause = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function acquire(): Promise<boolean> {
    while (!stopping) {
      const at = now();
      if (await registry.tryAcquireLease(name, version, owner, at, leaseMs)) {
        holdingLease = true;
        leaseLost = false;
        return true;
      }
      const holder = await registry.leaseHolder(name, version, at);
      if (status.state !== 'waiting' || status.leaseHolder !== holder?.owner) update({ state: 'waiting', leaseHolder: holder?.owner });
      if (options.keepWaiting && !(await options.keepWaiting())) {
        stopping = true;
        stopReason = 'stopped waiting for the lease';
        break;
      }
      await pause(leaseRetryMs);
    }
    return false;
  }

  /** Every third of the lease: renew it, and notice when a live version was superseded. */
  async function keepLease(): Promise<void> {
    if (keeping || !holdingLease) return;
    keeping = true;
    try {
      if (!(await registry.renewLease(name, version, owner, now(), leaseMs))) {
        logger.warn({ owner }, 'projection lease lost (it expired and another runner took it)');
        leaseLost = true;
        holdingLease = false;
        await subscription?.close();
        return;
      }
      if (status.role === 'live') {
        const active = await registry.activeVersion(name);
        if (active !== undefined && active !== version) {
          superseded = active;
          await subscription?.close();
        }
      }
    } catch (error) {
      logger.warn({ err: error }, 'could not renew the projection lease');
    } finally {
      keeping = false;
    }
  }

  /**
   * Before every commit the lease is renewed in the store, not just checked against our own
   * clock: a runner whose lease was taken over (it stalled past expiry, or clocks disagree)
   * finds out here and commits nothing.
   */
  async function leaseStillOurs(): Promise<boolean> {
    if (await registry.renewLease(name, version, owner, now(), leaseMs)) return true;
    leaseLost = true;
    holdingLease = false;
    return false;
  }

  // --- projecting ---------------------------------------------------------------

  async function commit(batch: RecordedEvent[]): Promise<boolean> {
    const last = batch[batch.length - 1]!;
    if (!(await leaseStillOurs())) {
      logger.warn({ owner }, 'projection lease lost before a commit; the batch is left to the new holder');
      return false;
    }
    const started = performance.now();
    try {
      await sink!.applyBatch(batch, last.position);
    } catch (error) {
      if (error instanceof CheckpointConflictError) {
        // Someone else committed these events: never write over them; go back to waiting.
        logger.warn({ err: error }, 'another writer advanced the checkpoint; yielding');
        leaseLost = true;
        return false;
      }
      failure =
        error instanceof ProjectionEventError
          ? { message: error.message, position: error.position, eventId: error.eventId, eventType: error.eventType }
          : { message: `batch of ${batch.length} events from ${batch[0]!.position} to ${last.position} failed: ${error instanceof Error ? error.message : String(error)}` };
      logger.error({ err: error }, 'projection batch failed; nothing of it was committed');
      return false;
    }
    const ms = performance.now() - started;
    retries = 0;
    const committedAt = now();
    for (const event of batch) latency.add(committedAt - event.created);
    rate.add(committedAt, batch.length);
    const index = status.batches + 1;
    options.onBatch?.({ index, events: batch.length, position: last.position, ms });
    update({
      position: last.position,
      batches: index,
      eventsApplied: status.eventsApplied + batch.length,
      lastBatch: { events: batch.length, ms: Math.round(ms * 1000) / 1000, at: committedAt },
    });
    return true;
  }

  /** The subscription from the checkpoint: through a reader thread when the embedded store and the projection allow it and the way is long. */
  async function openSubscription(from: Position | undefined): Promise<Subscription> {
    const subscribeOptions = { ...(from === undefined ? {} : { fromPosition: from }), filter: projection.filter };
    const extractModule = projection.extractModule;
    readingInThread = false;
    if (extractModule !== undefined && !readerThreadFailed && hasReaderThread(eventStore)) {
      let behind = 0;
      try {
        behind = (positionOrdinal(await eventStore.headPosition()) ?? 0) - (positionOrdinal(from) ?? 0);
      } catch (error) {
        logger.debug({ err: error }, 'could not read the head; catching up without the reader thread');
      }
      if (behind >= readerThreadMinEvents) {
        logger.debug({ behind }, 'catching up through a reader thread');
        readingInThread = true;
        return eventStore.subscribeToAllWithReader({ ...subscribeOptions, extractModule });
      }
    }
    return eventStore.subscribeToAll(subscribeOptions);
  }

  async function project(): Promise<Outcome> {
    subscribed = false;
    update({ state: 'starting', leaseHolder: undefined });
    sink ??= await projection.openSink(readStore, version, logger);
    await registry.recordVersion(name, version, now());
    const from = await sink.checkpoint();
    update({ state: 'catching-up', position: from });
    keeper = setInterval(() => void keepLease(), Math.max(10, Math.floor(leaseMs / 3)));
    keeper.unref();

    const current = await openSubscription(from);
    subscription = current;
    subscribed = true;
    if (stopping) await current.close();
    const iterator = current[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<SubscriptionMessage>> | undefined;
    let live = false;
    try {
      while (!stopping && !leaseLost && superseded === undefined) {
        const batch: RecordedEvent[] = [];
        let caughtUp = false;
        let ended = false;
        const take = (message: SubscriptionMessage): void => {
          if (message.type === 'event') batch.push(message.event);
          else caughtUp = true;
        };

        idle = live;
        const first = await (pending ?? iterator.next());
        idle = false;
        pending = undefined;
        if (first.done) break;
        take(first.value);
        // Live: take what is already there, up to the end of this event-loop turn.
        const turn = live ? nextTurn() : undefined;
        while (batch.length < batchSize && !caughtUp && !stopping) {
          pending = iterator.next();
          const next = turn ? await Promise.race([pending, turn]) : await pending;
          if (next === TICK) break;
          pending = undefined;
          if (next.done) {
            ended = true;
            break;
          }
          take(next.value);
        }

        if (batch.length > 0 && !(await commit(batch))) break;
        if (caughtUp) {
          live = true;
          if (status.state !== 'live') update({ state: 'live' });
          if (!caughtUpHandled) {
            // Marked handled only once it succeeded: if it throws, the resubscription calls it again.
            const decision = (await options.onCaughtUp?.()) ?? { next: 'continue' };
            caughtUpHandled = true;
            if (decision.role && decision.role !== status.role) update({ role: decision.role });
            if (decision.next === 'stop') {
              stopping = true;
              stopReason = decision.reason ?? stopReason;
            }
          }
        }
        if (ended) break;
      }
    } finally {
      idle = false;
      // A next() still in flight settles when the subscription closes; nobody awaits it any more.
      pending?.catch(() => undefined);
      clearInterval(keeper);
      keeper = undefined;
      subscription = undefined;
      await current.close();
    }
    return leaseLost ? 'lease-lost' : 'ended';
  }

  async function run(): Promise<ProjectionStatus> {
    const logTimer = setInterval(() => {
      void measure().then((measured) =>
        logger.info(
          {
            role: measured.role,
            state: measured.state,
            position: measured.position,
            eventsBehind: measured.eventsBehind,
            latencyMs: measured.latencyMs,
            eventsPerSecond: measured.eventsPerSecond,
          },
          'projection lag',
        ),
      );
      void save();
    }, logIntervalMs);
    logTimer.unref();
    try {
      while (!stopping) {
        if (!(await acquire())) break;
        let outcome: Outcome;
        try {
          outcome = await project();
        } catch (error) {
          if (!subscribed || failure || stopping) throw error;
          // A reader thread that failed is not tried again by this runner: the ordinary subscription needs no thread.
          if (readingInThread) readerThreadFailed = true;
          // The event store went away (a dropped connection): resubscribe from the checkpoint, backing off.
          retries += 1;
          const delay = Math.min(30_000, retryBaseMs * 2 ** Math.min(retries - 1, 7));
          logger.warn({ err: error, retryInMs: delay }, 'projection subscription failed; resubscribing from the checkpoint');
          await pause(delay);
          continue;
        }
        if (failure || outcome !== 'lease-lost') break;
        update({ state: 'waiting' });
      }
    } catch (error) {
      logger.error({ err: error }, 'projection runner failed');
      failure = { message: error instanceof Error ? error.message : String(error) };
    } finally {
      clearInterval(logTimer);
      clearInterval(keeper);
    }
    const reason = superseded !== undefined ? `superseded: version ${superseded} is active` : stopReason;
    if (failure) update({ state: 'failed', error: failure, ...(reason ? { reason } : {}) });
    else update({ state: 'stopped', ...(reason ? { reason } : {}) });
    await measure();
    if (holdingLease) {
      await save();
      holdingLease = false;
      try {
        await registry.releaseLease(name, version, owner);
      } catch (error) {
        logger.warn({ err: error }, 'could not release the projection lease (it will expire)');
      }
    }
    return snapshot();
  }

  const done = run();

  const runner: ProjectionRunner = {
    name,
    version,
    owner,
    snapshot,
    status: measure,
    done,
    waitFor(predicate, what = 'a status') {
      const current = snapshot();
      if (predicate(current)) return Promise.resolve(current);
      if (current.state === 'stopped' || current.state === 'failed') return Promise.reject(new Error(`${name} v${version} ended before ${what}`));
      return new Promise((resolve, reject) => {
        let settled = false;
        const listener = (next: ProjectionStatus): void => {
          if (settled || !predicate(next)) return;
          settled = true;
          listeners.delete(listener);
          resolve(next);
        };
        listeners.add(listener);
        done.then(
          (final) => {
            if (settled) return;
            settled = true;
            listeners.delete(listener);
            if (predicate(final)) resolve(final);
            else reject(new Error(`${name} v${version} ended (${final.state}${final.error ? `: ${final.error.message}` : ''}) before ${what}`));
          },
          reject,
        );
      });
    },
    waitForPosition(position) {
      return runner.waitFor((s) => s.position !== undefined && s.position >= position, `position ${position}`);
    },
    async stop(reason) {
      if (!stopping) {
        stopping = true;
        stopReason = reason ?? 'stopped';
        wakePause?.();
        await subscription?.close();
      }
      return done;
    },
  };
  return runner;
}
