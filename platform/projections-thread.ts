// The projections in a worker thread, for a process that also collects hits or answers
// queries (`webalytic start`). The thread has its own event loop, heap and store
// connections (projections-thread-entry.ts), so a batch commit never holds up a hit or a
// report, and the projections use the machine's second core. The main thread sees the
// same RunningProjections as in-process projections: status, waitForPosition, stop.
//
// If the thread dies (out of memory, a bug), its requests fail, its status says
// 'failed' with the reason, and it is started again after a growing pause (1 s to 30 s):
// checkpoints make the restart exactly-once, and its lease passes to the new runner once
// the dead one's expires.
import type { Worker } from 'node:worker_threads';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { RunningProjections } from '../projections/index.ts';
import type { Projection } from '../projections/projection.ts';
import type { ProjectionStatus } from '../projections/status.ts';
import type { Position } from '../storage/eventstore/port.ts';
import { spawnThread, threadEntry } from '../storage/eventstore/thread.ts';

export interface ProjectionsThreadData {
  config: Config;
  logLevel: string;
}

export type ThreadRequest =
  | { type: 'status'; id: number }
  | { type: 'wait'; id: number; position: Position; name: string | undefined }
  | { type: 'stop' };

export type ThreadReply =
  | { type: 'started' }
  | { type: 'start-failed'; message: string }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; message: string }
  | { type: 'log'; line: string }
  | { type: 'stopped' };

export interface ProjectionsThreadOptions {
  config: Config;
  logger: Logger;
  /** The projections the thread runs (projections/catalog.ts): named in the status while it is down. */
  catalog: readonly Projection[];
  /** Pause before the first restart, milliseconds (doubles up to 30 s). */
  restartDelayMs?: number;
  /** The thread's module (tests); default projections-thread-entry.ts. */
  entry?: URL;
}

const ENTRY = threadEntry('projections-thread-entry', import.meta.url);
const MAX_RESTART_DELAY_MS = 30_000;
/** A thread that ran this long before dying starts again after the shortest pause. */
const HEALTHY_RUN_MS = 60_000;

export async function startProjectionsThread(options: ProjectionsThreadOptions): Promise<RunningProjections> {
  const { config, catalog } = options;
  const logger = options.logger.child({ thread: 'projections' });
  const firstDelay = options.restartDelayMs ?? 1_000;
  const entry = options.entry ?? ENTRY;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let worker: Worker | undefined;
  let down: { message: string; at: number } | undefined;
  let stopping: Promise<void> | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let delay = firstDelay;

  /** Starts a thread; resolves once its projections have started, rejects if they cannot. */
  function spawn(): Promise<void> {
    const started = performance.now();
    const thread = spawnThread(entry, { config, logLevel: logger.level } satisfies ProjectionsThreadData, { maxOldGenerationSizeMb: config.PROJECTIONS_HEAP_MB });
    worker = thread;
    let failure: string | undefined;
    let stoppedCleanly = false;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      thread.on('message', (reply: ThreadReply) => {
        if (reply.type === 'log') relayLog(logger, reply.line);
        else if (reply.type === 'reply') {
          const waiter = pending.get(reply.id);
          pending.delete(reply.id);
          if (reply.ok) waiter?.resolve(reply.value);
          else waiter?.reject(new Error(reply.message));
        } else if (reply.type === 'started') {
          ready = true;
          down = undefined;
          resolve();
        } else if (reply.type === 'start-failed') {
          failure = reply.message;
          void thread.terminate();
        } else {
          stoppedCleanly = true;
          void thread.terminate();
        }
      });
      thread.on('error', (error) => (failure ??= error.message));
      thread.on('exit', (code) => {
        if (worker === thread) worker = undefined;
        const reason = failure ?? `the projections thread exited with code ${code}`;
        for (const waiter of pending.values()) waiter.reject(new Error(reason));
        pending.clear();
        if (!ready) return reject(new Error(reason));
        if (stoppedCleanly) return;
        if (performance.now() - started >= HEALTHY_RUN_MS) delay = firstDelay;
        scheduleRestart(reason, 'the projections thread died; starting it again');
      });
    });
  }

  /** Reports the thread down and starts another after the current pause (none once stopping). */
  function scheduleRestart(reason: string, message: string): void {
    if (stopping !== undefined) return;
    down = { message: reason, at: Date.now() };
    logger.error({ reason, restartInMs: delay }, message);
    restartTimer = setTimeout(restart, delay);
    delay = Math.min(MAX_RESTART_DELAY_MS, delay * 2);
  }

  function restart(): void {
    restartTimer = undefined;
    if (stopping !== undefined) return;
    spawn().catch((error: unknown) => scheduleRestart(error instanceof Error ? error.message : String(error), 'the projections thread did not start; trying again'));
  }

  function ask<T>(request: { type: 'status' } | { type: 'wait'; position: Position; name: string | undefined }): Promise<T> {
    const thread = worker;
    if (thread === undefined) return Promise.reject(new Error(down?.message ?? 'the projections thread is not running'));
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: (value) => resolve(value as T), reject });
      thread.postMessage({ ...request, id } satisfies ThreadRequest);
    });
  }

  /** While the thread is down: every projection failed, with the reason. */
  const downStatus = (message: string, at: number): ProjectionStatus[] =>
    catalog.map((projection) => ({
      name: projection.name,
      version: projection.version,
      role: 'live',
      state: 'failed',
      owner: 'projections thread',
      eventsApplied: 0,
      batches: 0,
      error: { message },
      startedAt: at,
      updatedAt: at,
    }));

  await spawn();

  return {
    async status() {
      if (worker === undefined && down !== undefined) return downStatus(down.message, down.at);
      return ask<ProjectionStatus[]>({ type: 'status' });
    },
    waitForPosition: (position, name) => ask<void>({ type: 'wait', position, name }),
    stop() {
      stopping ??= (async () => {
        clearTimeout(restartTimer);
        const thread = worker;
        if (thread === undefined) return;
        const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
        thread.postMessage({ type: 'stop' } satisfies ThreadRequest);
        await exited;
      })();
      return stopping;
    },
  };
}

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
const LEVELS: Record<number, Level> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** Writes a pino line of the thread with the main thread's logger (its destination, level and fields). */
function relayLog(logger: Logger, line: string): void {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return void logger.warn({ line }, 'unreadable log line from the projections thread');
  }
  const { level, msg, time: _time, pid: _pid, hostname: _hostname, app: _app, ...fields } = record;
  const label = LEVELS[typeof level === 'number' ? level : 30] ?? 'info';
  logger[label](fields, typeof msg === 'string' ? msg : '');
}
