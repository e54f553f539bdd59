// An in-memory view of every stream with a given prefix: a subscription to the log,
// each stream's events folded into a state with an aggregate's evolve. Directories
// (API keys, and the same shape as the collector's property directory) are built on it;
// `reached(position)` lets a writer wait until its own append is visible.
import type { Logger } from '../../platform/logger.ts';
import { comparePositions, type EventStore, type Position, type RecordedEvent } from './port.ts';

export interface FoldedStreams<S> {
  /** Resolves once every event that existed at start was folded; rejects if the subscription fails first. */
  readonly ready: Promise<void>;
  /** The state of one stream, by its full name; undefined before its first event. */
  get(stream: string): S | undefined;
  /** Every stream's state, in no particular order. */
  entries(): IterableIterator<[string, S]>;
  /** Resolves once the view has folded the log up to `position` (e.g. an append's result). */
  reached(position: Position): Promise<void>;
  close(): Promise<void>;
}

export interface FoldStreamsOptions<S, E> {
  store: EventStore;
  logger: Logger;
  /** E.g. 'apikey-'. */
  streamPrefix: string;
  /** Reads a recorded event as a domain event; undefined skips it (another type, or invalid data: log it there). */
  decode(recorded: RecordedEvent): E | undefined;
  initial(): S;
  evolve(state: S, event: E): S;
  /** Called after a stream's state changed. */
  onChange?(stream: string, state: S): void;
  /** Names the view in log lines. */
  name: string;
}

export function foldStreams<S, E>(options: FoldStreamsOptions<S, E>): FoldedStreams<S> {
  const { store, logger } = options;
  const states = new Map<string, S>();
  let position: Position | undefined;
  let waiting: { position: Position; resolve: () => void }[] = [];
  let markReady!: () => void;
  let failReady!: (error: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  ready.catch(() => undefined); // observed by callers who await it; never an unhandled rejection

  const subscription = store.subscribeToAll({ filter: { streamPrefixes: [options.streamPrefix] } });

  function apply(recorded: RecordedEvent): void {
    const event = options.decode(recorded);
    if (event === undefined) return;
    const next = options.evolve(states.get(recorded.stream) ?? options.initial(), event);
    states.set(recorded.stream, next);
    options.onChange?.(recorded.stream, next);
  }

  function advance(to: Position | undefined): void {
    if (to === undefined) return;
    if (position === undefined || comparePositions(to, position) > 0) position = to;
    const still: typeof waiting = [];
    for (const waiter of waiting) {
      if (comparePositions(waiter.position, to) <= 0) waiter.resolve();
      else still.push(waiter);
    }
    waiting = still;
  }

  const loop = (async () => {
    for await (const message of subscription) {
      if (message.type === 'event') {
        apply(message.event);
        advance(message.event.position);
      } else {
        advance(message.position);
        markReady();
      }
    }
  })();
  loop.catch((error: unknown) => {
    logger.error({ err: error, view: options.name }, `the ${options.name} subscription failed; it no longer sees changes`);
    failReady(error);
  });

  return {
    ready,
    get: (stream) => states.get(stream),
    entries: () => states.entries(),
    reached(target) {
      if (position !== undefined && comparePositions(target, position) <= 0) return Promise.resolve();
      return new Promise<void>((resolve) => waiting.push({ position: target, resolve }));
    },
    async close() {
      await subscription.close();
      await loop.catch(() => undefined);
      for (const waiter of waiting) waiter.resolve();
      waiting = [];
    },
  };
}
