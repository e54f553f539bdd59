// Read API benchmark (`npm run bench:query`): stats queries and realtime over real HTTP
// against `webalytic start` (startSystem) on an embedded store filled by the simulator.
//
//   1. fill: the simulator's history (simulator/, through the import core: validation,
//      GeoIP test database, the real client decider) of about BENCH_PAGEVIEWS human page
//      views (default 1,000,000; the issue also documents 10,000,000) over BENCH_DAYS days
//      (default 35, so the 30-day range is full), ending now.
//   2. replay (a child process): replayProjection builds the analytics read model, as
//      `POST /projections/analytics/replay` does.
//   3. serve (a child process): startSystem with an admin key issued through the key
//      commands; a constant-JSON route on the same Express app is the baseline. Before the
//      realtime phase the last 30 minutes of a day of the same traffic are imported through
//      POST /api/v1/import, so realtime sees the site's usual activity.
//   4. measure from this process, one request at a time, BENCH_WARMUP (3) warm-up then
//      BENCH_REPS (30) timed requests each: the overview (the dashboard's KPI tiles and
//      time series, and the whole overview page as it loads: 8 requests at once), every
//      single-dimension breakdown the rollups serve (30 days, the dashboard's metrics for
//      that report), a two-dimension ad-hoc query with a filter (session documents), and
//      GET /api/v1/realtime. The first request of each is also printed ("first": cold
//      caches); the ad hoc queries warm up with idle seconds between requests (see `time`).
//
// BENCH_DIR reuses (or keeps) a filled store and its read model; BENCH_REPLAY=1 rebuilds
// the read model of a kept store. BENCH_PROFILE=dir writes a CPU profile of the server.
// BENCH_ONLY=regex measures only the queries whose name matches. Figures go to stdout;
// docs/benchmarks.md "## Read API" records runs.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { executePropertyCommand } from '../administration/properties.ts';
import { openGeoLookup } from '../collector/geo.ts';
import { settings as fixtureSettings } from '../domain/client/fixtures.ts';
import type { PropertySettings } from '../domain/property/settings.ts';
import { loadConfig } from '../platform/config.ts';
import { silentLogger } from '../platform/logger.ts';
import { startSystem, type RunningSystem } from '../platform/system.ts';
import { TIME_DIMENSIONS } from '../projections/analytics/calendar.ts';
import { EVENT_DIMENSIONS, PRODUCT_DIMENSIONS, SESSION_DIMENSIONS } from '../projections/analytics/dimensions.ts';
import { analyticsProjection } from '../projections/analytics/index.ts';
import { replayProjection } from '../projections/replay.ts';
import { issueApiKey } from '../read-api/keys/api-keys.ts';
import { generateTraffic, hitToJson, loadGeoNetworks, simulateHistory } from '../simulator/index.ts';
import { trafficOptionsFor } from '../simulator/history.ts';
import { openEmbeddedEventStore } from '../storage/eventstore/embedded.ts';
import { EMBEDDED_EVENTS_FILE } from '../storage/eventstore/open.ts';
import { openEmbeddedReadStore } from '../storage/readstore/embedded.ts';
import { EMBEDDED_READ_MODELS_FILE } from '../storage/readstore/open.ts';

const size = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};
const PAGEVIEWS = size('BENCH_PAGEVIEWS', 1_000_000);
const DAYS = size('BENCH_DAYS', 35);
const REPS = size('BENCH_REPS', 30);
const WARMUP = Number(process.env['BENCH_WARMUP'] ?? 3);
const ONLY = process.env['BENCH_ONLY'] === undefined ? undefined : new RegExp(process.env['BENCH_ONLY']);
const TID = 'UA-777000-1';
const SEED = 'bench-query';
const GEOIP_DB = fileURLToPath(new URL('../../shared/geoip/GeoIP2-City-Test.mmdb', import.meta.url));
const self = fileURLToPath(import.meta.url);
const META = 'bench-query.json';

const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);
const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const count = (n: number): string => Math.round(n).toLocaleString('en-US');
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

interface Meta {
  pageviewsTarget: number;
  visitors: number;
  days: number;
  now: number;
  fill?: { hits: number; humanPageviews: number; sessions: number; events: number; seconds: number };
  replay?: { events: number; seconds: number; peakRssMb: number };
}

// ---- 1. fill ------------------------------------------------------------------------

const propertyCommand = { propertyId: TID, name: 'Bench coffee shop', defaultUrl: 'https://shop.example/', timeZone: 'Europe/Berlin', currency: 'EUR', retentionDays: 0 };

/** Human page views per visitor of the simulator's traffic, from a sample (generation alone is fast). */
function pageviewsPerVisitor(property: PropertySettings, now: number): number {
  const visitors = 4000;
  let pageviews = 0;
  for (const hit of generateTraffic(trafficOptionsFor(property, { visitors, days: DAYS, seed: `${SEED}-sample`, now, networks: loadGeoNetworks() }))) {
    if (!hit.bot && hit.params['t'] === 'pageview') pageviews += 1;
  }
  return pageviews / visitors;
}

async function fill(dir: string): Promise<Meta> {
  const store = openEmbeddedEventStore({ file: join(dir, EMBEDDED_EVENTS_FILE), synchronous: 'normal' });
  try {
    const property = await executePropertyCommand(store, { type: 'CreateProperty', data: propertyCommand, metadata: { now: Date.now() } });
    const now = Date.now();
    const visitors = Math.ceil(PAGEVIEWS / pageviewsPerVisitor(property, now));
    console.log(`filling ${count(visitors)} visitors over ${DAYS} days (about ${count(PAGEVIEWS)} page views) ...`);
    const geo = await openGeoLookup(GEOIP_DB, silentLogger());
    const started = performance.now();
    let reported = 0;
    const summary = await simulateHistory({
      store,
      geo,
      property,
      visitors,
      days: DAYS,
      seed: SEED,
      now,
      onProgress: ({ hits }) => {
        if (hits - reported < 250_000) return;
        reported = hits;
        console.log(`  ${count(hits)} hits, ${count(hits / ((performance.now() - started) / 1000))} hits/s, load ${load()}`);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const events = Number((await store.headPosition()) ?? 0);
    // The summary counts bot hits too; the collector discards them (bot filtering).
    const botShare = summary.botHits / Math.max(1, summary.hits);
    const humanPageviews = Math.round((summary.byType['pageview'] ?? 0) * (1 - botShare));
    return { pageviewsTarget: PAGEVIEWS, visitors, days: DAYS, now, fill: { hits: summary.hits, humanPageviews, sessions: summary.sessions, events, seconds } };
  } finally {
    await store.close();
  }
}

// ---- 2. replay (child) -----------------------------------------------------------------

async function replay(dir: string): Promise<NonNullable<Meta['replay']>> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `${EMBEDDED_READ_MODELS_FILE}${suffix}`), { force: true });
  const eventStore = openEmbeddedEventStore({ file: join(dir, EMBEDDED_EVENTS_FILE) });
  const readStore = openEmbeddedReadStore(join(dir, EMBEDDED_READ_MODELS_FILE));
  const started = performance.now();
  try {
    const result = await replayProjection({ projection: analyticsProjection, eventStore, readStore, logger: silentLogger(), batchSize: 5000 });
    if (result.outcome !== 'switched') throw new Error(`replay ended ${result.outcome}`);
    return { events: result.eventsApplied, seconds: (performance.now() - started) / 1000, peakRssMb: peakRssMb() };
  } finally {
    await eventStore.close();
    await readStore.close();
  }
}

// ---- 3. the server (child) -------------------------------------------------------------

type ToChild = { type: 'mark' } | { type: 'settle' } | { type: 'stop' };
type FromChild = { type: 'listening'; url: string; key: string } | { type: 'marked' } | { type: 'settled' } | { type: 'result'; value: unknown };

/** A breakdown-sized answer: what the baseline route sends for every request. */
const CONSTANT_ANSWER = JSON.stringify({
  property: TID,
  time_zone: 'Europe/Berlin',
  currency: 'EUR',
  date_range: { from: '2026-01-01', to: '2026-01-30' },
  compare_range: null,
  dimensions: ['country'],
  metrics: ['users', 'newUsers', 'sessions', 'bounceRate', 'pageviewsPerSession', 'avgSessionDuration'],
  rows: Array.from({ length: 10 }, (_, i) => ({ dimensions: [`Country ${i}`], metrics: [12345 - i, 9876, 23456, 0.4321, 3.21, 123.4], compare: null, change: null })),
  totals: { metrics: [123456, 98765, 234567, 0.4321, 3.21, 123.4], compare: null, change: null },
  row_count: 42,
  source: 'rollups',
});

async function serve(dir: string): Promise<void> {
  const send = (message: FromChild): void => void process.send?.(message);
  const store = openEmbeddedEventStore({ file: join(dir, EMBEDDED_EVENTS_FILE) });
  // An admin key as `webalytic keys create --role admin` issues it (hashed in the log).
  const { key } = await issueApiKey(store, { role: 'admin', name: 'bench:query' }, Date.now());
  await store.close();
  const config = loadConfig({ WEBALYTIC_DATA_DIR: dir, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', GEOIP_DB, ADMIN_API_KEY: 'bench-query-admin-key-0123456789', RETENTION_INTERVAL_MINUTES: '0' });
  const system: RunningSystem = await startSystem(config, silentLogger());
  system.app.post('/bench/constant', (_req, res) => void res.type('application/json').send(CONSTANT_ANSWER));
  send({ type: 'listening', url: system.url, key });
  let mark: Awaited<ReturnType<typeof system.eventStore.headPosition>>;
  process.on('message', (message: ToChild) => {
    void (async () => {
      if (message.type === 'mark') {
        mark = await system.eventStore.headPosition();
        send({ type: 'marked' });
      } else if (message.type === 'settle') {
        // Every event the projection handles recorded since the mark (the imported hits) is in
        // the read model. The head itself may be an event it does not handle (the API key).
        let last: typeof mark;
        for await (const event of system.eventStore.readAll({ ...(mark === undefined ? {} : { fromPosition: mark }), filter: analyticsProjection.filter })) last = event.position;
        if (last !== undefined) await system.projections.waitForPosition(last, 'analytics');
        send({ type: 'settled' });
      } else {
        await system.stop();
        send({ type: 'result', value: { peakRssMb: peakRssMb() } });
        process.disconnect();
      }
    })();
  });
}

function startServer(dir: string): Promise<{ child: ChildProcess; url: string; key: string }> {
  const profile = process.env['BENCH_PROFILE'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROFILE']}`] : [];
  const child = fork(self, ['--serve', dir], { execArgv: ['--import', 'tsx', ...profile], stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (message: FromChild) => (message.type === 'listening' ? resolve({ child, url: message.url, key: message.key }) : reject(new Error('unexpected message'))));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

function ask<T extends FromChild['type']>(child: ChildProcess, message: ToChild, answer: T): Promise<Extract<FromChild, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: FromChild): void => {
      if (reply.type !== answer) return;
      child.off('message', onMessage);
      resolve(reply as Extract<FromChild, { type: T }>);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
    child.send(message);
  });
}

/** Runs `--replay dir` in a child process and returns its result line. */
function replayInChild(dir: string): Promise<NonNullable<Meta['replay']>> {
  const child = fork(self, ['--replay', dir], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (message: FromChild) => (message.type === 'result' ? resolve(message.value as NonNullable<Meta['replay']>) : reject(new Error('unexpected message'))));
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`replay exited with ${code}`))));
  });
}

// ---- 4. measuring ----------------------------------------------------------------------

interface Timed {
  name: string;
  source: string;
  rows: string;
  p50: number;
  p95: number;
  max: number;
  /** The first request (a warm-up one): cold caches. */
  first: number;
}

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;

function client(url: string, key: string) {
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json' };
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  /** Warm-up, then REPS timed rounds of `run` (one request or several at once). */
  /**
   * `idleWarmUp`: after the first request, warm-up requests one second apart (a person
   * reading the answer) until one takes under a third of the first, at most 15: the ad hoc
   * reports answer in SQL while the server reads the range's sessions into memory in the
   * background, which needs idle time that back-to-back requests do not leave.
   */
  const time = async (name: string, run: () => Promise<Record<string, unknown>>, options: { idleWarmUp?: boolean } = {}): Promise<Timed | undefined> => {
    if (ONLY !== undefined && !ONLY.test(name)) return undefined;
    let last: Record<string, unknown> = {};
    // The first request of a query meets cold caches (the ad hoc reports' session columns): timed apart.
    let first = 0;
    for (let i = 0; i < WARMUP; i++) {
      const started = performance.now();
      last = await run();
      if (i === 0) first = performance.now() - started;
    }
    if (options.idleWarmUp === true) {
      for (let i = 0; i < 15; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const started = performance.now();
        last = await run();
        if (performance.now() - started < first / 3) break;
      }
    }
    const samples: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const started = performance.now();
      last = await run();
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    const rows = Array.isArray(last['rows']) ? `${(last['rows'] as unknown[]).length}/${String(last['row_count'])}` : '';
    const timed = { name, source: String(last['source'] ?? ''), rows, p50: quantile(samples, 0.5), p95: quantile(samples, 0.95), max: samples[samples.length - 1] ?? 0, first };
    console.log(`  ${name.padEnd(44)} p50 ${timed.p50.toFixed(1).padStart(8)} ms  p95 ${timed.p95.toFixed(1).padStart(8)} ms  first ${first.toFixed(1).padStart(8)} ms  ${timed.source} ${timed.rows}`);
    return timed;
  };
  return { call, time };
}

// What the dashboard asks (ui/src/pages, ui/src/components): the same bodies.
const OVERVIEW_METRICS = ['users', 'sessions', 'pageviews', 'bounceRate', 'avgSessionDuration', 'transactions', 'transactionRevenue'];
const AUDIENCE_METRICS = ['users', 'newUsers', 'sessions', 'bounceRate', 'pageviewsPerSession', 'avgSessionDuration'];
const RANGE = '30d';

/** The body of a dashboard report table (ReportTable.svelte): first page of 10, sorted by its first metric. */
const report = (dimensions: string[], metrics: string[], extra: Record<string, unknown> = {}) => ({
  property: TID,
  date_range: RANGE,
  compare: null,
  metrics,
  dimensions,
  filters: null,
  order_by: [[metrics[0], 'desc']],
  limit: 10,
  offset: 0,
  ...extra,
});

const tiles = { property: TID, date_range: RANGE, compare: null, metrics: OVERVIEW_METRICS, dimensions: [], filters: null };
const series = { property: TID, metrics: ['users'], dimensions: ['date'], filters: null, order_by: [['date', 'asc']], limit: 5000, date_range: RANGE, compare: null };
const overviewTables = [
  report(['channel'], ['users']),
  report(['source'], ['users']),
  report(['pagePath'], ['pageviews']),
  report(['country'], ['users']),
  report(['deviceCategory'], ['users']),
  report(['landingPage'], ['sessions']),
];

/** Every dimension the rollups serve, with the metrics the dashboard's report for it asks (Audience's where it has none). */
const BREAKDOWNS: [string, string[]][] = [
  ...TIME_DIMENSIONS.map((d): [string, string[]] => [d, AUDIENCE_METRICS]),
  ...SESSION_DIMENSIONS.map((d): [string, string[]] => [d, AUDIENCE_METRICS]),
  ['pagePath', ['pageviews', 'uniquePageviews', 'avgTimeOnPage', 'entrances', 'bounceRate', 'exitRate']],
  ['pageTitle', ['pageviews', 'uniquePageviews', 'avgTimeOnPage', 'bounceRate', 'exitRate']],
  ['hostname', ['pageviews', 'uniquePageviews', 'avgTimeOnPage', 'entrances', 'bounceRate', 'exitRate']],
  ...EVENT_DIMENSIONS.map((d): [string, string[]] => [d, ['totalEvents', 'uniqueEvents', 'eventValue']]),
  ...PRODUCT_DIMENSIONS.map((d): [string, string[]] => [d, ['itemRevenue', 'itemQuantity']]),
];

/** Acquisition's "Referrals" table: two session dimensions and a filter on a third, answered from the session documents. */
const adhoc = report(['source', 'referralPath'], AUDIENCE_METRICS, { filters: { and: [['is', 'medium', ['referral']]] } });
const adhocCountry = report(['deviceCategory', 'country'], ['users', 'sessions', 'bounceRate', 'pageviews'], { filters: { and: [['is', 'channel', ['Organic Search']]] } });

/** The last 30 minutes of one more day of the same traffic, through POST /api/v1/import. */
async function importRecentActivity(url: string, meta: Meta): Promise<number> {
  const now = Date.now();
  const window = now - 30 * 60_000;
  const lines: string[] = [];
  // Two days (yesterday and today so far) at the history's daily rate: the curves place about the usual share in the last 30 minutes.
  for (const hit of generateTraffic(trafficOptionsFor(simulated, { visitors: Math.ceil((2 * meta.visitors) / meta.days), days: 2, seed: `${SEED}-recent-${now}`, now, networks: loadGeoNetworks() }))) {
    if (hit.time >= window) lines.push(hitToJson(hit, 'epoch'));
  }
  if (lines.length === 0) return 0;
  const response = await fetch(`${url}/api/v1/import`, { method: 'POST', headers: { authorization: 'Bearer bench-query-admin-key-0123456789', 'content-type': 'application/x-ndjson' }, body: `${lines.join('\n')}\n` });
  if (response.status !== 200) throw new Error(`import answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return lines.length;
}

/** The settings the simulator reads (id, site URL, time zone, currency) of the bench property. */
const simulated: PropertySettings = { ...fixtureSettings, id: TID, defaultUrl: propertyCommand.defaultUrl, timeZone: propertyCommand.timeZone, currency: propertyCommand.currency };

function fileMb(dir: string, name: string): number {
  let bytes = 0;
  for (const suffix of ['', '-wal']) if (existsSync(join(dir, name + suffix))) bytes += statSync(join(dir, name + suffix)).size;
  return mb(bytes);
}

async function measure(dir: string, meta: Meta): Promise<void> {
  const server = await startServer(dir);
  const results: Timed[] = [];
  const add = (t: Timed | undefined): void => void (t && results.push(t));
  try {
    const { call, time } = client(server.url, server.key);
    await ask(server.child, { type: 'mark' }, 'marked');
    const imported = await importRecentActivity(server.url, meta);
    await ask(server.child, { type: 'settle' }, 'settled');
    console.log(`imported ${count(imported)} hits of the last 30 minutes through POST /api/v1/import; load ${load()}`);

    const totals = await call('POST', '/api/v1/query', { ...tiles, metrics: ['users', 'sessions', 'pageviews'] });
    const [users, sessions, pageviews] = (totals['totals'] as { metrics: number[] }).metrics;
    console.log(`30-day range ${JSON.stringify(totals['date_range'])}: ${count(users ?? 0)} users, ${count(sessions ?? 0)} sessions, ${count(pageviews ?? 0)} page views`);

    console.log(`\nbaseline and overview (${WARMUP} warm-up + ${REPS} timed requests each, one at a time):`);
    add(await time('baseline: constant JSON, same server', () => call('POST', '/bench/constant', report(['country'], AUDIENCE_METRICS))));
    add(await time('overview: KPI tiles (7 metrics, totals)', () => call('POST', '/api/v1/query', tiles)));
    add(await time('overview: time series (users by date)', () => call('POST', '/api/v1/query', series)));
    add(await time('overview: whole page (8 requests at once)', async () => (await Promise.all([tiles, series, ...overviewTables].map((body) => call('POST', '/api/v1/query', body))))[0]!));

    console.log('\nsingle-dimension breakdowns, 30 days, first 10 rows:');
    for (const [dimension, metrics] of BREAKDOWNS) add(await time(`breakdown: ${dimension}`, () => call('POST', '/api/v1/query', report([dimension], metrics))));

    console.log('\nad hoc (two dimensions and a filter) and realtime:');
    add(await time('ad hoc: source × referralPath, medium=referral', () => call('POST', '/api/v1/query', adhoc), { idleWarmUp: true }));
    add(await time('ad hoc: deviceCategory × country, organic', () => call('POST', '/api/v1/query', adhocCountry), { idleWarmUp: true }));
    add(await time('realtime', () => call('GET', `/api/v1/realtime?property=${TID}`)));
    const realtime = await call('GET', `/api/v1/realtime?property=${TID}`);
    console.log(`realtime saw ${String(realtime['active_users'])} active users (5 min), ${String(realtime['active_users_30m'])} over 30 min`);
  } finally {
    const stopped = await ask(server.child, { type: 'stop' }, 'result').catch(() => undefined);
    const serverRss = (stopped?.value as { peakRssMb?: number } | undefined)?.peakRssMb;
    print(results, meta, dir, serverRss);
  }
}

function print(results: Timed[], meta: Meta, dir: string, serverRss: number | undefined): void {
  const baseline = results.find((r) => r.name.startsWith('baseline'));
  console.log('\n| Query | Source | Rows shown/total | p50 ms | p95 ms | max ms | first request ms | p50 / baseline p50 | Bar |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const ratio = baseline === undefined || r === baseline ? '' : `${(r.p50 / baseline.p50).toFixed(1)}×`;
    const bar = r.name.startsWith('overview: whole') || r.name.startsWith('baseline') || r.name === 'realtime' ? '' : r.name.startsWith('ad hoc') ? (r.p95 < 2000 ? 'p95 < 2 s: met' : 'p95 < 2 s: missed') : r.p95 < 100 ? 'p95 < 100 ms: met' : 'p95 < 100 ms: missed';
    console.log(`| ${r.name} | ${r.source} | ${r.rows} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.max.toFixed(1)} | ${r.first.toFixed(1)} | ${ratio} | ${bar} |`);
  }
  const f = meta.fill;
  console.log(
    `\nstore: ${f ? `${count(f.hits)} simulated hits (${count(f.humanPageviews)} human page views, ${count(f.sessions)} visits), ${count(f.events)} events, filled in ${f.seconds.toFixed(0)} s; ` : ''}` +
      `events.sqlite ${fileMb(dir, EMBEDDED_EVENTS_FILE)} MB, readmodels.sqlite ${fileMb(dir, EMBEDDED_READ_MODELS_FILE)} MB`,
  );
  if (meta.replay) console.log(`replay: ${count(meta.replay.events)} events in ${meta.replay.seconds.toFixed(0)} s, peak RSS ${meta.replay.peakRssMb} MB`);
  console.log(`server peak RSS ${serverRss ?? '?'} MB; load average now ${load()}`);
}

// ---- main ------------------------------------------------------------------------------

async function main(): Promise<void> {
  const [flag, dir] = process.argv.slice(2);
  if (flag === '--serve' && dir) return serve(dir);
  if (flag === '--replay' && dir) {
    process.send?.({ type: 'result', value: await replay(dir) });
    return void process.disconnect();
  }

  const kept = process.env['BENCH_DIR'];
  const work = kept ?? mkdtempSync(join(tmpdir(), 'webalytic-bench-query-'));
  const metaFile = join(work, META);
  try {
    mkdirSync(work, { recursive: true });
    console.log(`load average at the start: ${load()}`);
    let meta: Meta;
    if (existsSync(metaFile) && (JSON.parse(readFileSync(metaFile, 'utf8')) as Meta).fill !== undefined) {
      meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Meta;
      console.log(`reusing the store in ${work} (${count(meta.pageviewsTarget)} page views asked, ${meta.days} days)`);
    } else {
      meta = await fill(work);
      writeFileSync(metaFile, JSON.stringify(meta));
      const f = meta.fill!;
      console.log(`fill: ${count(f.hits)} hits (${count(f.humanPageviews)} human page views), ${count(f.events)} events in ${f.seconds.toFixed(0)} s = ${count(f.hits / f.seconds)} hits/s`);
    }
    if (meta.replay === undefined || process.env['BENCH_REPLAY'] === '1') {
      console.log(`replaying the analytics projection ... (load ${load()})`);
      meta.replay = await replayInChild(work);
      writeFileSync(metaFile, JSON.stringify(meta));
      console.log(`replay: ${count(meta.replay.events)} events in ${meta.replay.seconds.toFixed(0)} s, peak RSS ${meta.replay.peakRssMb} MB`);
    }
    await measure(work, meta);
  } finally {
    if (kept === undefined) rmSync(work, { recursive: true, force: true });
  }
}

await main();
