// Test support for the collector: temp data dirs, a real embedded store, properties
// created through the property aggregate, and small HTTP helpers. Test code only.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { decide, initialState, propertyStreamName, stateFrom } from '../../domain/property/decider.ts';
import type { PropertyCommand } from '../../domain/property/commands.ts';
import type { PropertyEvent } from '../../domain/property/events.ts';
import { openEmbeddedEventStore, type EmbeddedEventStore } from '../../storage/eventstore/embedded.ts';
import type { EventStore, JsonValue, Position, RecordedEvent } from '../../storage/eventstore/port.ts';
import { tempDirs, within } from '../../platform/test-support.ts';

export { within };

export const GEOIP_TEST_DB = join(process.cwd(), '../shared/geoip/GeoIP2-City-Test.mmdb');
export const GEOIP_BROKEN_DB = join(process.cwd(), '../shared/geoip/GeoIP2-City-Test-Broken-Double-Format.mmdb');

/** A fresh directory under the suite's temp root. */
export const tempDir = tempDirs('webalytic-collector-');

export function openTempStore(): EmbeddedEventStore {
  return openEmbeddedEventStore({ file: join(tempDir(), 'events.sqlite') });
}

/** Decides a property command on the stream's history and appends the events, as the CLI would. */
export async function runPropertyCommand(store: EventStore, propertyId: string, command: PropertyCommand): Promise<Position | undefined> {
  const stream = propertyStreamName(propertyId);
  const history: PropertyEvent[] = [];
  for await (const event of store.readStream(stream)) history.push({ type: event.type, data: event.data } as PropertyEvent);
  const state = history.length === 0 ? initialState() : stateFrom(history);
  const events = decide(command, state);
  if (events.length === 0) return undefined;
  const result = await store.append(
    stream,
    events.map((event) => ({ id: randomUUID(), type: event.type, data: event.data as unknown as JsonValue })),
    { expectedRevision: history.length === 0 ? 'no_stream' : history.length - 1 },
  );
  return result.position;
}

export const NOW = Date.UTC(2024, 5, 3, 10, 0, 0);

export function createProperty(store: EventStore, propertyId: string, settings: Record<string, unknown> = {}): Promise<Position | undefined> {
  return runPropertyCommand(store, propertyId, {
    type: 'CreateProperty',
    data: { propertyId, name: 'Test site', defaultUrl: 'https://www.example.com/', ...settings },
    metadata: { now: NOW },
  } as PropertyCommand);
}

export async function readStream(store: EventStore, stream: string): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readStream(stream)) events.push(event);
  return events;
}

/** Every event of the log (a test store is small). */
export async function readAll(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readAll()) events.push(event);
  return events;
}

export const clientEvents = async (store: EventStore): Promise<RecordedEvent[]> =>
  (await readAll(store)).filter((event) => event.stream.startsWith('client-'));

export const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
export const GOOGLEBOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
