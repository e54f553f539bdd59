// The projection interface: what every read model builder provides to the runner.
// A projection names itself, declares its version and the events it wants, and opens
// one sink per stored version; the runner (runner.ts) does subscriptions, batching,
// leases, status and blue/green rebuilds around it.
import type { Logger } from '../platform/logger.ts';
import type { EventFilter, Position, RecordedEvent } from '../storage/eventstore/port.ts';
import type { ReadStore } from '../storage/readstore/port.ts';

export interface Projection {
  /** Stable name, e.g. 'analytics'. */
  name: string;
  /** Bump when the projection's logic or storage changes: a changed version is rebuilt (blue/green) on start. */
  version: number;
  /** Server-side filter for the $all subscription (never $by_category). */
  filter: EventFilter;
  /**
   * Optional: a module exporting `extract(event: RecordedEvent): RecordedEvent`, pure and
   * total, keeping of an event only what the sink reads. The embedded store's catch-up
   * reader thread runs it, so the projecting thread receives compact events (the runner's
   * readerThreadMinEvents). Sinks must handle extracted and whole events alike.
   */
  extractModule?: URL;
  /**
   * Opens (creating tables/collections/indexes if needed) the storage of one version of this projection.
   * Each version has its own tables (e.g. name-prefixed `analytics_v3_sessions`), so a new version can be
   * built while the old one serves.
   */
  openSink(store: ReadStore, version: number, logger: Logger): Promise<ProjectionSink>;
}

export interface ProjectionSink {
  /** Position of the last event committed by this version; undefined before the first commit. */
  checkpoint(): Promise<Position | undefined>;
  /**
   * Handles the events in order and saves `position` (the last event's) as the checkpoint, in ONE
   * transaction: all or nothing. If an event cannot be handled, throw `ProjectionEventError` and commit nothing.
   */
  applyBatch(events: RecordedEvent[], position: Position): Promise<void>;
  /** Removes this version's tables/collections and its checkpoint. */
  drop(): Promise<void>;
}

/** An event the projection cannot handle: the runner stops at it and records where and why. */
export class ProjectionEventError extends Error {
  override readonly name = 'ProjectionEventError';

  constructor(
    readonly position: Position,
    readonly eventId: string,
    readonly eventType: string,
    override readonly cause: unknown,
  ) {
    super(`cannot project ${eventType} event ${eventId} at position ${position}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}
