import { join } from 'node:path'; import { rmSync } from 'node:fs';
import { openEmbeddedEventStore } from './storage/eventstore/embedded.ts';
import { openEmbeddedReadStore } from './storage/readstore/embedded.ts';
import { createAnalyticsProjection } from './projections/analytics/index.ts';
import { silentLogger } from './platform/logger.ts';
import type { RecordedEvent } from './storage/eventstore/port.ts';
rmSync('/tmp/benchdir/read.sqlite', { force: true }); rmSync('/tmp/benchdir/read.sqlite-wal', { force: true }); rmSync('/tmp/benchdir/read.sqlite-shm', { force: true });
const es = openEmbeddedEventStore({ file: process.env.ES ?? '/tmp/benchdir/events.sqlite' });
const rs = openEmbeddedReadStore('/tmp/benchdir/read.sqlite'); if (process.env.WAL) rs.db.pragma('wal_autocheckpoint = ' + process.env.WAL); if (process.env.SYNC) rs.db.pragma('synchronous = ' + process.env.SYNC);
const sink = await createAnalyticsProjection({ sessionCacheSize: Number(process.env.CACHE ?? 50000) }).openSink(rs, 1, silentLogger());
const B = Number(process.env.B ?? 2000);
let batch: RecordedEvent[] = []; let n = 0; let tread = 0, tapply = 0;
const t0 = performance.now(); let a = performance.now();
for await (const e of es.readAll({ filter: { streamPrefixes: ['client-', 'property-'] } })) {
  batch.push(e);
  if (batch.length >= B) { const b = performance.now(); tread += b - a; await sink.applyBatch(batch, e.position); a = performance.now(); tapply += a - b; n += batch.length; batch = []; }
}
if (batch.length) { await sink.applyBatch(batch, batch[batch.length-1]!.position); n += batch.length; }
const ms = performance.now() - t0; const cpu = process.cpuUsage(); console.log('cpu user+sys s', ((cpu.user + cpu.system) / 1e6).toFixed(2));
console.log({ n, ms: Math.round(ms), perSec: Math.round(n / ms * 1000), readMs: Math.round(tread), applyMs: Math.round(tapply), rss: Math.round(process.resourceUsage().maxRSS/1024) });
