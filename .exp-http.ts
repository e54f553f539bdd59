// experiment: the collector handler on its own server, store synchronous from env
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { createCollectorHandler } from './collector/http.ts';
import { createEnricher } from './collector/enrich.ts';
import { openGeoLookup } from './collector/geo.ts';
import { openCookielessIds } from './collector/cookieless.ts';
import { createHitRecorder } from './collector/record-hit.ts';
import { openPropertyDirectory } from './collector/property-directory.ts';
import { silentLogger } from './platform/logger.ts';
import { decide, initialState } from './domain/property/decider.ts';
import { openEmbeddedEventStore } from './storage/eventstore/embedded.ts';
const logger = silentLogger();
if (process.argv[2] === 'serve') {
  const store = openEmbeddedEventStore({ file: join(mkdtempSync(join(tmpdir(), 'x-')), 'e.sqlite'), synchronous: (process.env.SYNC as 'full') ?? 'full' });
  const ev = decide({ type: 'CreateProperty', data: { propertyId: 'UA-424242-1', name: 'B', defaultUrl: 'https://www.example.com/' }, metadata: { now: Date.now() } }, initialState());
  await store.append('property-UA-424242-1', ev.map((e) => ({ id: randomUUID(), type: e.type, data: e.data as never })));
  const properties = openPropertyDirectory({ store, logger }); await properties.ready;
  const real = createHitRecorder({ store, logger }); const recorder = process.env.NOREC ? { record: async (h: never) => ({ stream: '', revision: 0, eventType: '', duplicate: false }), stats: real.stats } : real;
  const handler = createCollectorHandler({ properties, recorder, enrich: createEnricher({ geo: await openGeoLookup('../shared/geoip/GeoIP2-City-Test.mmdb', logger), trustProxy: true, cookieless: openCookielessIds({ logger, purgeEveryMs: false }) }), logger, trustProxy: true, rateLimitPerMinute: 0, maxInFlight: 10000, bodyTimeoutMs: 10000 });
  const server = createServer((req, res) => { if (!handler(req, res)) res.writeHead(404).end(); });
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as { port: number }).port));
  process.on('message', () => { process.send!(JSON.stringify({ ...handler.stats(), ...store.stats() }), () => process.exit(0)); });
} else {
  const { fork } = await import('node:child_process');
  const child = fork(new URL(import.meta.url).pathname, ['serve'], { execArgv: ['--import', 'tsx', ...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.PROF] : [])] });
  const port = await new Promise((r) => child.once('message', r));
  let n = 0;
  const r = await autocannon({ url: `http://127.0.0.1:${port}`, connections: Number(process.env.CONN ?? 64), duration: 8, requests: [{ method: 'POST', path: '/collect', setupRequest: (req) => { const k = n++; req.body = `v=1&_v=j101&tid=UA-424242-1&cid=${1e9 + (k * 7919) % 10000}.1700000000&ul=en-gb&de=UTF-8&sr=1920x1080&vp=1280x720&sd=24-bit&t=pageview&dl=${encodeURIComponent('https://www.example.com/blog/event-sourcing?utm_source=x')}&dt=Pricing&dr=${encodeURIComponent('https://www.google.com/')}&z=${k}`; req.headers = { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'x-forwarded-for': '81.2.69.142' }; return req; } }] });
  child.send('stop');
  const stats = await new Promise((r) => child.once('message', r));
  console.log(process.env.SYNC, 'rps', r.requests.average, 'p50', r.latency.p50, 'p99', r.latency.p99, stats);
}
