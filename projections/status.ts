// What a projection runner reports about itself: kept in memory by the runner, saved in
// the registry (so `webalytic projections status` in another process can read it) and
// logged periodically.
import type { Position } from '../storage/eventstore/port.ts';

/**
 * starting: opening its sink; waiting: another owner holds the lease; catching-up: reading
 * history; live: caught up, following new events; failed: stopped on an error; stopped: ended.
 */
export type ProjectionState = 'starting' | 'waiting' | 'catching-up' | 'live' | 'failed' | 'stopped';

/** live: the version reads are (or will be) served from; rebuild: a new version being built blue/green. */
export type ProjectionRole = 'live' | 'rebuild';

export interface ProjectionError {
  message: string;
  /** The position of the event the projection could not handle (absent for errors not tied to one event). */
  position?: Position;
  eventId?: string;
  eventType?: string;
}

export interface LatencySummary {
  /** Append-to-commit time of the newest event committed, milliseconds. */
  last: number;
  p50: number;
  p95: number;
  /** How many recent events the percentiles cover. */
  samples: number;
}

export interface ProjectionStatus {
  name: string;
  version: number;
  role: ProjectionRole;
  state: ProjectionState;
  /** Who runs it: host:pid:random. */
  owner: string;
  /** Checkpoint: the last committed event's position. */
  position?: Position;
  /** Newest position in the log when the lag was last measured. */
  headPosition?: Position;
  /**
   * Log events between the checkpoint and the head when last measured (0 while live and idle).
   * On the embedded event store it counts every event of the log after the checkpoint; on
   * other stores the events passing the filter, counted up to 10,000 (`eventsBehindCapped`).
   */
  eventsBehind?: number;
  eventsBehindCapped?: boolean;
  /** Events committed by this runner since it started. */
  eventsApplied: number;
  batches: number;
  lastBatch?: { events: number; ms: number; at: number };
  /** Append (event.created) to commit time of recent events. */
  latencyMs?: LatencySummary;
  /** Events committed per second over the last few seconds. */
  eventsPerSecond?: number;
  error?: ProjectionError;
  /** Why it stopped, when it did on its own (e.g. superseded by another version). */
  reason?: string;
  /** The lease holder while waiting. */
  leaseHolder?: string;
  startedAt: number;
  updatedAt: number;
}
