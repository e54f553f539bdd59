// Test support (not used in production): builds an event log the way the write side
// does: property events for the properties, then one event per hit decided by the REAL
// client decider, appended to the client's stream, with global positions in log order.
import type { ClientEvent, ClientState } from '../../domain/client/events.ts';
import { decide, evolve, initialState } from '../../domain/client/decider.ts';
import { clientStreamName } from '../../domain/client/stream.ts';
import { hit as fixtureHit, settings as fixtureSettings, type Params } from '../../domain/client/fixtures.ts';
import type { ReceivedHit } from '../../domain/hit.ts';
import type { PropertySettings } from '../../domain/property/settings.ts';
import type { JsonValue, RecordedEvent } from '../../storage/eventstore/port.ts';

export { fixtureSettings };

export const positionOf = (n: number): string => String(n).padStart(20, '0');

export interface EventLog {
  /** Appends PropertyCreated.v1 for the property (its settings as the snapshot). */
  property(settings: PropertySettings, at?: number): EventLog;
  /** Appends any property event. */
  propertyEvent(propertyId: string, type: string, data: JsonValue): EventLog;
  /** Decides the hit with the real decider against the property and appends the client event. */
  hit(settings: PropertySettings, hit: ReceivedHit): ClientEvent;
  /** Many hits, in the order given. */
  hits(settings: PropertySettings, hits: readonly ReceivedHit[]): EventLog;
  readonly events: RecordedEvent[];
}

export function createEventLog(): EventLog {
  const events: RecordedEvent[] = [];
  const streams = new Map<string, { revision: number; state: ClientState }>();
  const append = (stream: string, id: string, type: string, data: JsonValue, created: number): RecordedEvent => {
    const entry = streams.get(stream);
    const revision = entry === undefined ? 0 : entry.revision + 1;
    const event: RecordedEvent = { stream, revision, position: positionOf(events.length + 1), id, type, data, metadata: {}, created };
    events.push(event);
    return event;
  };
  const log: EventLog = {
    events,
    property(settings, at = 0) {
      const { id: _id, active: _active, ...snapshot } = settings;
      const stream = `property-${settings.id}`;
      append(stream, `00000000-0000-4000-9000-${String(events.length + 1).padStart(12, '0')}`, 'PropertyCreated.v1', JSON.parse(JSON.stringify({ propertyId: settings.id, at, settings: snapshot })) as JsonValue, at);
      streams.set(stream, { revision: (streams.get(stream)?.revision ?? -1) + 1, state: initialState() });
      return log;
    },
    propertyEvent(propertyId, type, data) {
      const stream = `property-${propertyId}`;
      append(stream, `00000000-0000-4000-9000-${String(events.length + 1).padStart(12, '0')}`, type, data, 0);
      streams.set(stream, { revision: (streams.get(stream)?.revision ?? -1) + 1, state: initialState() });
      return log;
    },
    hit(settings, received) {
      const stream = clientStreamName(settings.id, received.params, settings);
      const entry = streams.get(stream);
      const state = entry?.state ?? initialState();
      const decided = decide({ type: 'RecordHit', hit: received, property: settings }, state);
      if (decided.length !== 1) throw new Error(`the decider returned ${decided.length} events for one hit`);
      const event = decided[0]!;
      // A JSON round trip, as a stored event is read back.
      append(stream, event.id, event.type, JSON.parse(JSON.stringify(event.data)) as JsonValue, received.receivedAt);
      streams.set(stream, { revision: (entry?.revision ?? -1) + 1, state: evolve(state, event) });
      return event;
    },
    hits(settings, hits) {
      for (const h of hits) log.hit(settings, h);
      return log;
    },
  };
  return log;
}

/** A hit for `settings` from client `cid` at `at` (ISO or epoch ms): a pageview of https://mysite.com/ unless `params` say otherwise. */
export function visit(settings: PropertySettings, cid: string, at: string | number, params: Params = {}, extra: Partial<Omit<ReceivedHit, 'params'>> = {}): ReceivedHit {
  return fixtureHit(at, { tid: settings.id, cid, ...params }, extra);
}

/** dl for a path on the fixture site. */
export const page = (path: string, title?: string): Params => ({ t: 'pageview', dl: `https://mysite.com${path}`, ...(title === undefined ? {} : { dt: title }) });
export const event = (category: string, action: string, label?: string, value?: number, ni = false): Params => ({
  t: 'event',
  ec: category,
  ea: action,
  ...(label === undefined ? {} : { el: label }),
  ...(value === undefined ? {} : { ev: value }),
  ...(ni ? { ni: '1' } : {}),
});
