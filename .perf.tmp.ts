import { mkdtempSync } from 'node:fs'; import { tmpdir } from 'node:os'; import { join } from 'node:path';
import { openEmbeddedReadStore } from './storage/readstore/embedded.ts';
import { createAnalyticsProjection } from './projections/analytics/index.ts';
import { createEventLog, visit, page, event, fixtureSettings as settings } from './projections/analytics/test-support.ts';
import { silentLogger } from './platform/logger.ts';
const N = Number(process.env.N ?? 100000);
const log = createEventLog(); log.property(settings);
const uas = ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36','Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1'];
let t = Date.parse('2024-05-01T00:00:00Z'); let r = 1;
const rnd = () => { r = (r * 16807) % 2147483647; return r / 2147483647; };
const active: { cid: string; left: number }[] = [];
let c = 0;
const t0 = performance.now();
while (log.events.length < N) {
  if (active.length < 200 || rnd() < 0.2) active.push({ cid: `${++c}.1`, left: 1 + Math.floor(rnd() * 8) });
  const i = Math.floor(rnd() * active.length); const v = active[i]!;
  t += Math.floor(rnd() * 2000);
  const p = rnd() < 0.7 ? page(`/p${Math.floor(rnd() * 200)}`, `T${Math.floor(rnd()*50)}`) : event('cat' + Math.floor(rnd()*5), 'act' + Math.floor(rnd()*10), 'l' + Math.floor(rnd()*20));
  log.hit(settings, visit(settings, v.cid, t, { ...p, ...(v.left > 5 && rnd() < 0.3 ? { dr: 'https://www.google.com/search?q=x' } : {}), sr: '1920x1080', ul: 'en-us' }, { userAgent: uas[c % 2]!, geo: { country: ['DE','FR','US'][c%3]!, region: 'r', city: 'c' + (c % 50), continent: 'Europe' } }));
  if (--v.left <= 0) active.splice(i, 1);
}
console.log('generated', log.events.length, 'in', Math.round(performance.now() - t0), 'ms');
const dir = mkdtempSync(join(tmpdir(), 'perf-'));
const store = openEmbeddedReadStore(join(dir, 'read.sqlite'));
const sink = await createAnalyticsProjection({ clock: () => t + 1e12 }).openSink(store, 1, silentLogger());
const B = Number(process.env.B ?? 1000);
const t1 = performance.now();
for (let i = 0; i < log.events.length; i += B) { const batch = log.events.slice(i, i + B); await sink.applyBatch(batch, batch[batch.length - 1]!.position); }
const ms = performance.now() - t1;
console.log('applied', log.events.length, 'events in', Math.round(ms), 'ms =', Math.round(log.events.length / ms * 1000), 'events/s; rss', Math.round(process.memoryUsage().rss / 1e6), 'MB');
