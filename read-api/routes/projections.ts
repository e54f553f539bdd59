// Projection administration: status and lag of every projection, and a blue/green
// replay started and followed over HTTP. createProjectionsHandle adapts the running
// projections (projections/index.ts) and replayProjection to what these routes need.
import { z } from 'zod';
import type { Logger } from '../../platform/logger.ts';
import type { Projection } from '../../projections/projection.ts';
import { replayProjection, type ReplayOptions } from '../../projections/replay.ts';
import type { ProjectionStatus } from '../../projections/status.ts';
import type { EventStore } from '../../storage/eventstore/port.ts';
import type { ReadStore } from '../../storage/readstore/port.ts';
import type { ProjectionsHandle, ReadApiDeps, ReplayState } from '../app.ts';
import { conflict, notFound, ProblemError } from '../http/problem.ts';
import { defineRoute, type AnyRoute } from '../http/route.ts';

const projectionStatusSchema = z
  .object({
    name: z.string(),
    version: z.number().int(),
    role: z.enum(['live', 'rebuild']).describe('live: serves reads; rebuild: a new version being built blue/green.'),
    state: z.enum(['starting', 'waiting', 'catching-up', 'live', 'failed', 'stopped']),
    owner: z.string().describe('The process running it: host:pid:random.'),
    position: z.string().optional().describe('Checkpoint: the last committed event position.'),
    headPosition: z.string().optional().describe('The newest log position when the lag was measured.'),
    eventsBehind: z.number().int().optional().describe('Lag: log events after the checkpoint.'),
    eventsBehindCapped: z.boolean().optional(),
    eventsApplied: z.number().int(),
    batches: z.number().int(),
    lastBatch: z.object({ events: z.number().int(), ms: z.number(), at: z.number() }).optional().describe('The last committed batch: its size, duration and time.'),
    eventsPerSecond: z.number().optional(),
    latencyMs: z.object({ last: z.number(), p50: z.number(), p95: z.number(), samples: z.number().int() }).optional().describe('Append-to-commit time of recent events.'),
    error: z.object({ message: z.string(), position: z.string().optional(), eventId: z.string().optional(), eventType: z.string().optional() }).optional(),
    reason: z.string().optional(),
    leaseHolder: z.string().optional(),
    startedAt: z.number(),
    updatedAt: z.number(),
  })
  .describe("A projection runner's status and lag.");

export const replayStateSchema = z
  .object({
    name: z.string(),
    state: z.enum(['running', 'switched', 'up-to-date', 'interrupted', 'failed']).describe('switched: built and serving reads; up-to-date: the code version already served, nothing to build.'),
    startedAt: z.number(),
    finishedAt: z.number().optional(),
    version: z.number().int().optional().describe('The version being built.'),
    previousVersion: z.number().int().optional(),
    done: z.number().optional(),
    total: z.number().optional(),
    unit: z.enum(['events', 'log bytes']).optional(),
    eventsApplied: z.number().int().optional(),
    eventsPerSecond: z.number().optional(),
    etaSeconds: z.number().optional(),
    error: z.string().optional(),
  })
  .describe('A replay started over the API.');

const nameParams = z.object({ name: z.string().describe('The projection name, e.g. analytics.') });

export function projectionRoutes(deps: ReadApiDeps): AnyRoute[] {
  const handle = (): ProjectionsHandle => {
    if (!deps.projections) throw new ProblemError(503, 'projections do not run in this process', { type: 'projections-unavailable' });
    return deps.projections;
  };
  const known = async (name: string): Promise<void> => {
    const names = new Set((await handle().status()).map((s) => s.name));
    if (!names.has(name)) throw notFound(`no projection named "${name}"; known: ${[...names].sort().join(', ') || 'none'}`, 'name');
  };
  const tags = ['projections'];
  return [
    defineRoute({
      method: 'get',
      path: '/projections',
      operationId: 'listProjections',
      summary: 'Every projection: state, checkpoint and lag',
      tags,
      auth: { role: 'read' },
      response: z.object({ projections: z.array(projectionStatusSchema) }),
      errors: [503],
      async handler() {
        return { projections: await handle().status() };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/projections/:name/replay',
      operationId: 'replayProjection',
      summary: "Start a blue/green replay of a projection's code version",
      description: 'The serving version keeps answering until the new one has caught up; follow it with GET on the same path.',
      tags,
      auth: { role: 'admin' },
      params: nameParams,
      response: z.object({ name: z.string(), started: z.literal(true), progress: z.string().describe('Where to follow it.') }),
      status: 202,
      errors: [409, 503],
      async handler({ params, res }) {
        await known(params.name);
        const { started } = await handle().replay(params.name);
        if (!started) throw conflict(`a replay of "${params.name}" is already running`, 'name');
        const progress = `projections/${encodeURIComponent(params.name)}/replay`;
        res.location(progress);
        return { name: params.name, started: true as const, progress };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/projections/:name/replay',
      operationId: 'getReplayProgress',
      summary: 'Progress of the latest replay of a projection',
      tags,
      auth: { role: 'read' },
      params: nameParams,
      response: replayStateSchema,
      errors: [503],
      async handler({ params }) {
        await known(params.name);
        const state = await handle().replayProgress(params.name);
        if (!state) throw notFound(`no replay of "${params.name}" was started in this process`, 'name');
        return state;
      },
    }),
  ];
}

export interface ProjectionsHandleOptions {
  /** The runners of `webalytic start` (startProjections(...)): their status. */
  running: { status(): Promise<ProjectionStatus[]> };
  projections: readonly Projection[];
  eventStore: EventStore;
  readStore: ReadStore;
  logger: Logger;
  now?: () => number;
  /** Passed to every replay (tests shorten leases; `dropPrevious: false` keeps the old version's tables). */
  replayOptions?: Partial<Pick<ReplayOptions, 'batchSize' | 'leaseMs' | 'leaseRetryMs' | 'dropPrevious' | 'dropWaitMs' | 'progressMs'>>;
}

export interface ProjectionsHandleAdapter extends ProjectionsHandle {
  /** Resolves with the final state once the running replay of `name` (if any) has ended. */
  settled(name: string): Promise<ReplayState | undefined>;
  /** Interrupts running replays cleanly (the serving versions stay) and waits for them. */
  stop(): Promise<void>;
}

/** A ProjectionsHandle over running projections: replays run in the background, one per projection at a time. */
export function createProjectionsHandle(options: ProjectionsHandleOptions): ProjectionsHandleAdapter {
  const now = options.now ?? Date.now;
  const replays = new Map<string, ReplayState>();
  const running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  return {
    status: () => options.running.status(),
    async replay(name) {
      const projection = options.projections.find((p) => p.name === name);
      if (!projection) throw new Error(`no projection named ${name}`);
      if (running.has(name)) return { started: false };
      const state: ReplayState = { name, state: 'running', startedAt: now(), version: projection.version };
      replays.set(name, state);
      const abort = new AbortController();
      const done = replayProjection({
        projection,
        eventStore: options.eventStore,
        readStore: options.readStore,
        logger: options.logger,
        signal: abort.signal,
        ...options.replayOptions,
        ...(options.now ? { now: options.now } : {}),
        onProgress(progress) {
          Object.assign(state, {
            done: progress.done,
            total: progress.total,
            unit: progress.unit,
            eventsApplied: progress.eventsApplied,
            eventsPerSecond: progress.eventsPerSecond,
            ...(progress.etaSeconds === undefined ? {} : { etaSeconds: progress.etaSeconds }),
          });
        },
      }).then(
        (result) => {
          Object.assign(state, {
            state: result.outcome,
            eventsApplied: result.eventsApplied,
            eventsPerSecond: result.eventsPerSecond,
            ...(result.previousVersion === undefined ? {} : { previousVersion: result.previousVersion }),
            ...(result.status?.error ? { error: result.status.error.message } : {}),
          });
        },
        (error: unknown) => {
          options.logger.error({ err: error, projection: name }, 'replay failed');
          Object.assign(state, { state: 'failed', error: error instanceof Error ? error.message : String(error) });
        },
      ).finally(() => {
        state.finishedAt = now();
        delete state.etaSeconds;
        running.delete(name);
      });
      running.set(name, { abort, done });
      return { started: true };
    },
    async replayProgress(name) {
      const state = replays.get(name);
      return state ? { ...state } : undefined;
    },
    async settled(name) {
      await running.get(name)?.done;
      const state = replays.get(name);
      return state ? { ...state } : undefined;
    },
    async stop() {
      const all = [...running.values()];
      for (const replay of all) replay.abort.abort();
      await Promise.all(all.map((replay) => replay.done));
    },
  };
}
