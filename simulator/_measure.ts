import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../platform/logger.ts';
import { openEmbeddedEventStore } from '../storage/eventstore/embedded.ts';
import { createProperty } from '../collector/test/support.ts';
import { openGeoLookup } from '../collector/geo.ts';
import { simulateHistory } from './history.ts';
const dir = mkdtempSync(join(tmpdir(), 'measure-'));
const store = openEmbeddedEventStore({ file: join(dir, 'events.sqlite') });
await createProperty(store, 'UA-1-1', { defaultUrl: 'https://shop.example/', timeZone: 'Europe/Berlin' });
const geo = await openGeoLookup('../shared/geoip/GeoIP2-City-Test.mmdb', silentLogger());
for (const seed of [1, 2]) {
  const cpu0 = process.cpuUsage(); const t0 = performance.now();
  const s = await simulateHistory({ store, property: 'UA-1-1', visitors: 10000, days: 30, seed, geo });
  const cpu = process.cpuUsage(cpu0); const wall = performance.now() - t0;
  const cpuS = (cpu.user + cpu.system) / 1e6;
  console.log(`${s.hits} hits: wall ${(wall/1000).toFixed(1)} s = ${Math.round(s.hits/wall*1000)} hits/s; cpu ${cpuS.toFixed(1)} s = ${Math.round(s.hits/cpuS)} hits per cpu-second`);
}
await store.close();
