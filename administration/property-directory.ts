// The in-memory view of every property: a subscription to the log's `property-`
// streams, each folded with the property aggregate's evolve. The collector's hot path
// asks it for a tid's settings, and the read API lists properties from it, without
// touching the store (a listing read from the log would scan all of it).
import { evolve, initialState, PROPERTY_STREAM_PREFIX, type PropertyState } from '../domain/property/decider.ts';
import type { PropertySettings } from '../domain/property/settings.ts';
import type { Logger } from '../platform/logger.ts';
import { foldStreams } from '../storage/eventstore/fold-streams.ts';
import type { EventStore, Position } from '../storage/eventstore/port.ts';
import { toPropertyEvent } from './properties.ts';

export interface PropertyDirectory {
  /** Resolves once every property event that existed at start was folded. */
  readonly ready: Promise<void>;
  /** The settings of an existing property (active or not); undefined for an unknown tid. */
  get(tid: string): PropertySettings | undefined;
  /** Every existing property (active or not), in the order they were created. */
  list(): PropertySettings[];
  /** Resolves once the directory has folded the log up to `position` (e.g. an append's result). */
  reached(position: Position): Promise<void>;
  close(): Promise<void>;
}

export function openPropertyDirectory(options: { store: EventStore; logger: Logger }): PropertyDirectory {
  const { logger } = options;
  const byTid = new Map<string, PropertySettings>();
  const view = foldStreams<PropertyState, NonNullable<ReturnType<typeof toPropertyEvent>>>({
    store: options.store,
    logger,
    name: 'property directory',
    streamPrefix: PROPERTY_STREAM_PREFIX,
    initial: initialState,
    evolve,
    decode(recorded) {
      try {
        // undefined: a type this version does not know (evolve would ignore it too)
        return toPropertyEvent(recorded);
      } catch {
        logger.error({ stream: recorded.stream, revision: recorded.revision, type: recorded.type }, 'property event with invalid data ignored');
        return undefined;
      }
    },
    onChange(_stream, state) {
      if (state.status === 'present') byTid.set(state.settings.id, state.settings);
    },
  });
  return {
    ready: view.ready,
    get: (tid) => byTid.get(tid),
    list: () => [...byTid.values()],
    reached: (position) => view.reached(position),
    close: () => view.close(),
  };
}
