// The collector's in-memory view of every property: a subscription to the log's
// `property-` streams, each folded with the property aggregate's evolve. The hot path
// asks it for a tid's settings without touching the store.
import { evolve, initialState, type PropertyState } from '../domain/property/decider.ts';
import { propertyEventSchemas, type PropertyEvent } from '../domain/property/events.ts';
import type { PropertySettings } from '../domain/property/settings.ts';
import type { Logger } from '../platform/logger.ts';
import { comparePositions, type EventStore, type Position, type RecordedEvent } from '../storage/eventstore/port.ts';

import { PROPERTY_STREAM_PREFIX } from '../domain/property/decider.ts';

export interface PropertyDirectory {
  /** Resolves once every property event that existed at start was folded. */
  readonly ready: Promise<void>;
  /** The settings of an existing property (active or not); undefined for an unknown tid. */
  get(tid: string): PropertySettings | undefined;
  /** Resolves once the directory has folded the log up to `position` (e.g. an append's result). */
  reached(position: Position): Promise<void>;
  close(): Promise<void>;
}

export function openPropertyDirectory(options: { store: EventStore; logger: Logger }): PropertyDirectory {
  const { store, logger } = options;
  const states = new Map<string, PropertyState>();
  const byTid = new Map<string, PropertySettings>();
  let position: Position | undefined;
  let waiting: { position: Position; resolve: () => void }[] = [];
  let markReady!: () => void;
  let failReady!: (error: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  ready.catch(() => undefined); // observed by callers who await it; never an unhandled rejection

  const subscription = store.subscribeToAll({ filter: { streamPrefixes: [PROPERTY_STREAM_PREFIX] } });

  function apply(recorded: RecordedEvent): void {
    const schema = (propertyEventSchemas as Record<string, (typeof propertyEventSchemas)[keyof typeof propertyEventSchemas] | undefined>)[recorded.type];
    if (schema === undefined) return; // a type this version does not know: evolve would ignore it too
    const parsed = schema.safeParse(recorded.data);
    if (!parsed.success) {
      logger.error({ stream: recorded.stream, revision: recorded.revision, type: recorded.type }, 'property event with invalid data ignored');
      return;
    }
    const event = { type: recorded.type, data: parsed.data } as PropertyEvent;
    const next = evolve(states.get(recorded.stream) ?? initialState(), event);
    states.set(recorded.stream, next);
    if (next.status === 'present') byTid.set(next.settings.id, next.settings);
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
    logger.error({ err: error }, 'the property directory subscription failed; the collector no longer sees property changes');
    failReady(error);
  });

  return {
    ready,
    get: (tid) => byTid.get(tid),
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
