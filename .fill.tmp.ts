import { join } from 'node:path';
import { openEmbeddedEventStore } from './storage/eventstore/embedded.ts';
import { settings as fixtureSettings } from './domain/client/fixtures.ts';
import { generateDecidedTraffic } from './bench/projections-traffic.ts';
import type { JsonValue } from './storage/eventstore/port.ts';
const property = { ...fixtureSettings, timeZone: 'Europe/Berlin' };
const store = openEmbeddedEventStore({ file: join('/tmp/benchdir', 'events.sqlite'), synchronous: 'normal' });
const { id: _i, active: _a, ...snapshot } = property;
await store.append(`property-${property.id}`, [{ id: '00000000-0000-4000-9000-000000000001', type: 'PropertyCreated.v1', data: JSON.parse(JSON.stringify({ propertyId: property.id, at: 0, settings: snapshot })) }]);
const inFlight = new Set<Promise<unknown>>(); let n = 0; const N = Number(process.env.N);
for (const { stream, event } of generateDecidedTraffic({ property, visitors: Math.ceil(N / 5.8), days: 30, start: Date.parse('2026-01-01T00:00:00Z') })) {
  if (++n > N) break;
  const p: Promise<unknown> = store.append(stream, [{ id: event.id, type: event.type, data: event.data as unknown as JsonValue }]).then(() => inFlight.delete(p));
  inFlight.add(p); if (inFlight.size > 512) await Promise.race(inFlight);
}
await Promise.all(inFlight); await store.close(); console.log('filled', n);
