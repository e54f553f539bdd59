// The event store port: the one interface every other part of Webalytic uses to
// write and read the event history. Two adapters implement it identically:
// `embedded.ts` (SQLite, the default) and `eventstoredb.ts` (a real EventStoreDB).
// The contract suite in `eventstore-contract.ts` pins the shared semantics.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * A global position in the log. Opaque to callers, but two positions of the same
 * store compare with `comparePositions` (plain string order: adapters encode them
 * as fixed-width strings), and a position is its own checkpoint serialisation.
 */
export type Position = string;

export const comparePositions = (a: Position, b: Position): number => (a < b ? -1 : a > b ? 1 : 0);

/** What a caller expects of the stream before appending (optimistic concurrency). */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface EventToAppend {
  /** A UUID. Re-appending an id already in the stream is a no-op that succeeds. */
  id: string;
  type: string;
  data: JsonValue;
  metadata?: JsonObject;
}

export interface RecordedEvent {
  stream: string;
  /** 0-based index of the event in its stream. */
  revision: number;
  position: Position;
  id: string;
  type: string;
  data: JsonValue;
  metadata: JsonObject;
  /** When the store recorded the event, epoch milliseconds. */
  created: number;
}

export interface AppendResult {
  /** Revision of the stream's last event after the append. */
  nextRevision: number;
  /** Position of the last event written (or found, for an idempotent re-append). */
  position: Position;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive. Defaults to the first event (forwards) or the last (backwards). */
  fromRevision?: number;
  maxCount?: number;
}

/**
 * A filter evaluated by the store. Both lists are optional; an event passes when
 * its stream starts with one of `streamPrefixes` (if given) and its type is one of
 * `eventTypes` (if given).
 */
export interface EventFilter {
  streamPrefixes?: string[];
  eventTypes?: string[];
}

export interface ReadAllOptions {
  /** Exclusive: the read starts after this position. Omitted: from the start. */
  fromPosition?: Position;
  maxCount?: number;
  filter?: EventFilter;
}

export interface SubscribeOptions {
  /** Exclusive, like `readAll`: resume from a checkpoint without a duplicate. */
  fromPosition?: Position;
  filter?: EventFilter;
}

export type SubscriptionMessage =
  | { type: 'event'; event: RecordedEvent }
  /** Sent once, when every event that existed at subscription time was delivered. */
  | { type: 'caughtUp'; position: Position | undefined };

export interface Subscription extends AsyncIterable<SubscriptionMessage> {
  /** Stops delivery; the iterator then ends. */
  close(): Promise<void>;
}

export interface EventStore {
  readonly kind: 'embedded' | 'eventstoredb';
  append(stream: string, events: EventToAppend[], options?: { expectedRevision?: ExpectedRevision }): Promise<AppendResult>;
  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  subscribeToAll(options?: SubscribeOptions): Subscription;
  /** Erases a stream (GDPR erasure of one visitor). The embedded store removes the rows. */
  deleteStream(stream: string): Promise<void>;
  /** Position of the newest event in the log, or undefined when it is empty. */
  headPosition(): Promise<Position | undefined>;
  close(): Promise<void>;

  // Optional capabilities: raw-data retention (platform/retention.ts). An adapter offers
  // the one its store can enforce; callers check which is there.

  /**
   * Deletes the events of every stream whose name starts with `streamPrefix` that were
   * recorded before `before` (epoch ms); resolves with how many were deleted. Revisions
   * and positions are never reused. The embedded store's retention.
   */
  truncateBefore?(streamPrefix: string, before: number): Promise<number>;
  /**
   * Sets (or, with undefined, removes) the stream's maximum event age in seconds, keeping
   * its other metadata: older events stop being readable and the server removes them.
   * EventStoreDB's `$maxAge`.
   */
  setStreamMaxAge?(stream: string, maxAgeSeconds: number | undefined): Promise<void>;
}
