import Database from 'better-sqlite3';
const db = new Database('/tmp/benchdir/read.sqlite', { readonly: true });
console.log(db.prepare("select id, started_at, channel, landingPage, doc from analytics_v1_sessions where day = '2026-11-28' limit 2").all());
const es = new Database('/tmp/benchdir/events.sim.sqlite', { readonly: true });
const r = es.prepare("select data from events where stream like 'client-%' and data like '%\"sessionDay\":\"2026-11-28\"%' limit 1").get() as any;
const d = JSON.parse(r.data); console.log(d.hit.time, d.hit.sentTime, d.hit.receivedAt, d.params);
