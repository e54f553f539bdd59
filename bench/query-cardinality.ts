// The first page of a high-cardinality report at a larger cardinality than a store on this
// machine can hold (10M page views need some 60 GB of event store): a synthetic read model
// from a filled one, timed through the embedded source as served (the threshold algorithm,
// and the settled users for a users sort it cannot prove), by the threshold algorithm alone
// and by grouping every value (as before analytics v5), back to back.
//
//   node --import tsx bench/query-cardinality.ts DIR [FACTOR]
//
// DIR holds a bench:query store (readmodels.sqlite at the current analytics version).
// The rollups and user_values rows of four high-cardinality dimensions are copied into
// DIR/cardinality.sqlite: head values (1,000 hits or page views or more over the store)
// with their numbers ×FACTOR (default 3), every other value as FACTOR variants ('', '~1',
// '~2', …) with its own numbers: FACTOR times the values of the tail and the traffic of the
// heads, as a store FACTOR times larger would have. The other tables are left empty: this
// measures `rollupPage` (the page of 10, its row count and totals), not the whole query.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ANALYTICS_PROJECTION_VERSION } from '../projections/analytics/index.ts';
import { q, tablesOf } from '../projections/analytics/embedded-schema.ts';
import { BASE_METRICS, M } from '../projections/analytics/metrics.ts';
import { createEmbeddedReadSource } from '../projections/analytics/queries-embedded.ts';
import type { RollupPageRequest, SortKey } from '../projections/analytics/queries.ts';
import { openEmbeddedReadStore } from '../storage/readstore/embedded.ts';

const DIMENSIONS = ['pagePath', 'landingPage', 'exitPage', 'referralPath'] as const;
const SORTS: Record<(typeof DIMENSIONS)[number], SortKey> = { pagePath: { metric: M.pageviews }, landingPage: { users: true }, exitPage: { users: true }, referralPath: { users: true } };
const REPS = 7;

function build(source: string, target: string, factor: number): void {
  rmSync(target, { force: true });
  const db = new Database(target);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.prepare('ATTACH ? AS s').run(source);
  const t = tablesOf('analytics', ANALYTICS_PROJECTION_VERSION);
  const names = db.prepare(`SELECT name, sql FROM s.sqlite_master WHERE name LIKE ? AND sql IS NOT NULL ORDER BY type DESC`).raw(true).all(`analytics_v${ANALYTICS_PROJECTION_VERSION}_%`) as [string, string][];
  if (names.length === 0) throw new Error(`${source} has no analytics v${ANALYTICS_PROJECTION_VERSION} read model: run bench:query on it first`);
  for (const [, sql] of names) db.exec(sql);
  const dims = DIMENSIONS.map((d) => `'${d}'`).join(', ');
  const metrics = BASE_METRICS.map(q);
  const scaled = metrics.map((m) => `${factor} * ${m}`).join(', ');
  const head = (alias: string) => `EXISTS (SELECT 1 FROM heads h WHERE h.dimension = ${alias}.dimension AND h.value = ${alias}.value)`;
  db.exec(`CREATE TEMP TABLE heads AS SELECT dimension, value FROM s.${q(t.daily)} WHERE dimension IN (${dims}) GROUP BY dimension, value HAVING SUM(hits) + SUM(pageviews) >= 1000`);
  db.exec('CREATE UNIQUE INDEX temp.heads_key ON heads (dimension, value)');
  const variants = Array.from({ length: factor }, (_, k) => (k === 0 ? '' : `~${k}`));
  db.transaction(() => {
    db.exec(`INSERT INTO ${q(t.daily)} SELECT property, dimension, day, value, ${scaled} FROM s.${q(t.daily)} d WHERE dimension IN (${dims}) AND ${head('d')}`);
    db.exec(`INSERT INTO ${q(t.dailyTotals)} SELECT property, dimension, day, ${scaled} FROM s.${q(t.dailyTotals)} WHERE dimension IN (${dims})`);
    db.exec(`INSERT INTO ${q(t.userValues)} SELECT property, dimension, value, day, prev_day, ${factor} * clients FROM s.${q(t.userValues)} u WHERE dimension IN (${dims}) AND ${head('u')}`);
    for (const suffix of variants) {
      db.prepare(`INSERT INTO ${q(t.daily)} SELECT property, dimension, day, value || ?, ${metrics.join(', ')} FROM s.${q(t.daily)} d WHERE dimension IN (${dims}) AND NOT ${head('d')}`).run(suffix);
      db.prepare(`INSERT INTO ${q(t.userValues)} SELECT property, dimension, value || ?, day, prev_day, clients FROM s.${q(t.userValues)} u WHERE dimension IN (${dims}) AND NOT ${head('u')}`).run(suffix);
    }
  })();
  db.close();
}

async function time(file: string): Promise<void> {
  const store = openEmbeddedReadStore(file);
  try {
    const t = tablesOf('analytics', ANALYTICS_PROJECTION_VERSION);
    const [property, to] = store.queryDb.prepare(`SELECT property, MAX(day) FROM ${q(t.daily)}`).raw(true).get() as [string, string];
    const first = new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
    // As served: the threshold algorithm, then the settled users kept for a users sort it cannot prove.
    const served = createEmbeddedReadSource(store, 'analytics', ANALYTICS_PROJECTION_VERSION);
    const threshold = createEmbeddedReadSource(store, 'analytics', ANALYTICS_PROJECTION_VERSION, { settledUsers: false });
    const grouping = createEmbeddedReadSource(store, 'analytics', ANALYTICS_PROJECTION_VERSION, { thresholdDepths: [], settledUsers: false });
    const wanted = [M.pageviews, M.uniquePageviews, M.timeOnPage, M.exits, M.entrances, M.bounces, M.sessions];
    console.log(`30 days ${first}..${to}, page of 10, median of ${REPS} after the first request (ms):`);
    for (const dimension of DIMENSIONS) {
      const request: RollupPageRequest = { property, dimension, from: first, to, wanted, sortKey: SORTS[dimension], direction: 'desc', limit: 10, offset: 0 };
      const line: string[] = [];
      let rowCount = 0;
      for (const [label, source] of [['served', served], ['threshold alone', threshold], ['grouping', grouping]] as const) {
        const cold = performance.now();
        await source.rollupPage!(request);
        if (label === 'served') line.push(`first ${(performance.now() - cold).toFixed(1)}`);
        const samples: number[] = [];
        for (let i = 0; i < REPS; i++) {
          const started = performance.now();
          const page = await source.rollupPage!(request);
          samples.push(performance.now() - started);
          rowCount = page?.rowCount ?? 0;
        }
        samples.sort((a, b) => a - b);
        line.push(`${label} ${samples[REPS >> 1]!.toFixed(1)}`);
      }
      console.log(`  ${dimension.padEnd(13)} ${rowCount.toLocaleString('en-US').padStart(8)} values   ${line.join('   ')}`);
    }
  } finally {
    await store.close();
  }
}

const [dir, factorArg = '3'] = process.argv.slice(2);
if (dir === undefined || !/^[1-9][0-9]?$/.test(factorArg)) {
  console.error('usage: node --import tsx bench/query-cardinality.ts DIR [FACTOR 1..99]');
  process.exit(2);
}
const target = join(dir, 'cardinality.sqlite');
console.log(`the store as it is (${join(dir, 'readmodels.sqlite')}):`);
await time(join(dir, 'readmodels.sqlite'));
const started = performance.now();
build(join(dir, 'readmodels.sqlite'), target, Number(factorArg));
console.log(`synthetic ×${factorArg} built in ${((performance.now() - started) / 1000).toFixed(0)} s (${target}):`);
await time(target);
rmSync(target, { force: true });
for (const suffix of ['-wal', '-shm']) rmSync(target + suffix, { force: true });
