import Database from 'better-sqlite3';
const stats = new Map<string, { n: number; ms: number }>();
const proto = (Database.prototype as any);
const origPrepare = proto.prepare;
proto.prepare = function (sql: string) {
  const st = origPrepare.call(this, sql);
  const key = sql.replace(/\s+/g, ' ').slice(0, 60);
  for (const m of ['run', 'all']) { const o = st[m].bind(st); st[m] = (...a: unknown[]) => { const t = performance.now(); const r = o(...a); const s = stats.get(key + ' ' + m) ?? { n: 0, ms: 0 }; s.n++; s.ms += performance.now() - t; stats.set(key + ' ' + m, s); return r; }; }
  return st;
};
const origStringify = JSON.stringify; let sms = 0, sn = 0, bytes = 0;
JSON.stringify = ((v: unknown, ...r: unknown[]) => { const t = performance.now(); const s = (origStringify as any)(v, ...r); sms += performance.now() - t; sn++; if (typeof s === 'string') bytes += s.length; return s; }) as typeof JSON.stringify;
await import('./.replay.tmp.ts');
for (const [k, v] of [...stats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)) console.log(Math.round(v.ms).toString().padStart(6), 'ms', String(v.n).padStart(8), k);
console.log('stringify', Math.round(sms), 'ms', sn, 'calls avg bytes', Math.round(bytes / sn));
