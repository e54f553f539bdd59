import { openEmbeddedEventStore } from './storage/eventstore/embedded.ts';
const es = openEmbeddedEventStore({ file: '/tmp/benchdir/events.sqlite' });
for (const filter of [undefined, { streamPrefixes: ['client-', 'property-'] }]) {
  const t0 = performance.now(); let n = 0;
  for await (const e of es.readAll(filter ? { filter } : {})) { n++; }
  console.log(filter ? 'filtered' : 'plain', n, Math.round(n / (performance.now() - t0) * 1000), '/s');
}
const Database = (await import('better-sqlite3')).default;
const db = new Database('/tmp/benchdir/events.sqlite', { readonly: true });
console.log(db.prepare("select name, sql from sqlite_master").all().map((r: any) => r.sql).join('\n'));
const t1 = performance.now(); let bytes = 0, n = 0;
for (const r of db.prepare('select data from events').raw().iterate() as any) { bytes += r[0].length; n++; JSON.parse(r[0]); }
console.log('raw parse', n, Math.round(n / (performance.now() - t1) * 1000), '/s avg bytes', Math.round(bytes / n));
