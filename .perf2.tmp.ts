import { createEventLog, visit, page, event, fixtureSettings as settings } from './projections/analytics/test-support.ts';
import { processBatch } from './projections/analytics/process-batch.ts';
import { createDeviceParser } from './projections/analytics/user-agent.ts';
import type { SessionDoc } from './projections/analytics/model.ts';
const N = Number(process.env.N ?? 100000);
const log = createEventLog(); log.property(settings);
const uas = ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36','Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1'];
let t = Date.parse('2024-05-01T00:00:00Z'); let r = 1;
const rnd = () => { r = (r * 16807) % 2147483647; return r / 2147483647; };
const active: { cid: string; left: number }[] = [];
let c = 0;
while (log.events.length < N) {
  if (active.length < 200 || rnd() < 0.2) active.push({ cid: `${++c}.1`, left: 1 + Math.floor(rnd() * 8) });
  const i = Math.floor(rnd() * active.length); const v = active[i]!;
  t += Math.floor(rnd() * 2000);
  const p = rnd() < 0.7 ? page(`/p${Math.floor(rnd() * 200)}`, `T${Math.floor(rnd()*50)}`) : event('cat' + Math.floor(rnd()*5), 'act' + Math.floor(rnd()*10), 'l' + Math.floor(rnd()*20));
  log.hit(settings, visit(settings, v.cid, t, { ...p, ...(v.left > 5 && rnd() < 0.3 ? { dr: 'https://www.google.com/search?q=x' } : {}), sr: '1920x1080', ul: 'en-us' }, { userAgent: uas[c % 2]!, geo: { country: ['DE','FR','US'][c%3]!, region: 'r', city: 'c' + (c % 50), continent: 'Europe' } }));
  if (--v.left <= 0) active.splice(i, 1);
}
const store = new Map<string, string>();
const device = createDeviceParser();
const B = Number(process.env.B ?? 1000);
let tp = 0, ts = 0, tl = 0, rows = 0, sess = 0;
for (let i = 0; i < log.events.length; i += B) {
  const batch = log.events.slice(i, i + B);
  const a = performance.now();
  const out = await processBatch({ events: batch, properties: new Map(), device, realtimeFrom: Infinity, loadSessions: async (ids) => { const b = performance.now(); const m = new Map<string, SessionDoc>(); for (const id of ids) { const s = store.get(id); if (s) m.set(id, JSON.parse(s)); } tl += performance.now() - b; return m; } });
  const b = performance.now();
  for (const d of out.sessions) store.set(d.id, JSON.stringify(d));
  ts += performance.now() - b; tp += b - a; rows += out.accumulator.dailyRows.size; sess += out.sessions.length;
}
console.log({ processMs: Math.round(tp), loadParseMs: Math.round(tl), stringifyMs: Math.round(ts), dailyRowsPerBatch: Math.round(rows / (N / B)), sessionsPerBatch: Math.round(sess / (N / B)) });
