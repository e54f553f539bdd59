// Benchmark of the collector end to end (HTTP → parse → enrich → decide → durable
// append on the embedded store), with a bare Node.js HTTP server answering 204 as the
// baseline, both loaded by autocannon in the same run.
//   npm run bench:collect
// Each server runs in its own child process (as in production); autocannon runs here.
// Sizes: BENCH_SECONDS (per server, default 15), BENCH_CONNECTIONS (default 64),
// BENCH_CLIENTS (distinct visitors, default 10000). BENCH_SERVICES: 'collector' (default,
// the process `webalytic collector` runs) or 'all' (`webalytic start`: the projections
// and the read API share the process and its CPU with the collector; PROJECTIONS_THREAD
// says where the projections run, default auto).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { decide, initialState, propertyStreamName } from '../domain/property/decider.ts';
import { loadConfig } from '../platform/config.ts';
import { silentLogger } from '../platform/logger.ts';
import { SERVICE_NAMES } from '../platform/service.ts';
import { startServices } from '../platform/system.ts';
import { openEmbeddedEventStore, type EmbeddedEventStore } from '../storage/eventstore/embedded.ts';
import { EMBEDDED_EVENTS_FILE } from '../storage/eventstore/open.ts';
import type { JsonValue } from '../storage/eventstore/port.ts';

const size = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};
const SECONDS = size('BENCH_SECONDS', 15);
const CONNECTIONS = size('BENCH_CONNECTIONS', 64);
const CLIENTS = size('BENCH_CLIENTS', 10_000);
const SERVICES = process.env.BENCH_SERVICES ?? 'collector';
if (SERVICES !== 'collector' && SERVICES !== 'all') throw new Error("BENCH_SERVICES must be 'collector' or 'all'");
const TID = 'UA-424242-1';
const self = fileURLToPath(import.meta.url);

// ---- the servers, each in a child process ----------------------------------------

type ChildMessage = { type: 'listening'; url: string } | { type: 'stopped'; stats: Record<string, number> };

/** CPU time of one thread of this process, microseconds; undefined off Linux. */
function threadCpuMicros(tid: number | string): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

const mainThreadCpuMicros = (): number | undefined => threadCpuMicros(process.pid);

/** CPU time of every thread of this process by thread id (worker threads, V8's GC helpers, libuv's pool). */
function threadsCpuMicros(): Map<string, number> {
  const threads = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) threads.set(tid, threadCpuMicros(tid) ?? 0);
  } catch {
    // not Linux: no breakdown
  }
  return threads;
}

interface Usage {
  cpu: NodeJS.CpuUsage;
  loop: EventLoopUtilization;
  main: number | undefined;
  threads: Map<string, number>;
}

const startUsage = (): Usage => ({ cpu: process.cpuUsage(), loop: performance.eventLoopUtilization(), main: mainThreadCpuMicros(), threads: threadsCpuMicros() });

/**
 * CPU the process used (all its threads, and its main thread alone) and how busy its
 * event loop was since `from`: less sensitive than throughput to other work on the machine.
 */
function usageSince(from: Usage): Record<string, number> {
  const used = process.cpuUsage(from.cpu);
  const main = mainThreadCpuMicros();
  // The three busiest threads besides the main one (in the collector: the store's writer thread first).
  const others = [...threadsCpuMicros()]
    .filter(([tid]) => tid !== String(process.pid))
    .map(([tid, micros]) => micros - (from.threads.get(tid) ?? 0))
    .sort((a, b) => b - a)
    .slice(0, 3);
  return {
    cpuMicros: used.user + used.system,
    ...Object.fromEntries(others.map((micros, i) => [`thread${i + 1}CpuMicros`, micros])),
    loopUtilisation: performance.eventLoopUtilization(from.loop).utilization,
    ...(main !== undefined && from.main !== undefined ? { mainCpuMicros: main - from.main } : {}),
  };
}

async function serveBare(): Promise<void> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const usage = startUsage();
  process.send!({ type: 'listening', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } satisfies ChildMessage);
  process.once('message', () => {
    const used = usageSince(usage);
    server.close();
    server.closeAllConnections();
    process.send!({ type: 'stopped', stats: used } satisfies ChildMessage, () => process.exit(0));
  });
}

async function serveCollector(dataDir: string): Promise<void> {
  const config = loadConfig({
    WEBALYTIC_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    GEOIP_DB: join(process.cwd(), '../shared/geoip/GeoIP2-City-Test.mmdb'),
    // One load generator is one address: the per-address limit would measure itself.
    COLLECT_RATE_LIMIT_PER_MINUTE: '0',
    TRUST_PROXY: 'true',
    // With BENCH_SERVICES=all: where the projections run beside the collector (default auto).
    PROJECTIONS_THREAD: process.env['PROJECTIONS_THREAD'] ?? 'auto',
  });
  const system = await startServices(config, silentLogger(), { services: SERVICES === 'all' ? SERVICE_NAMES : ['collector'] });
  const collector = system.collector;
  if (!collector) throw new Error('the collector service did not start');
  const usage = startUsage();
  process.send!({ type: 'listening', url: system.url } satisfies ChildMessage);
  process.once('message', () => {
    const used = usageSince(usage);
    const store = system.eventStore as Partial<EmbeddedEventStore>;
    const writes = store.stats?.();
    const stats = {
      ...collector.collector.stats(),
      ...used,
      ...(writes ? { transactions: writes.transactions, threadTransactions: writes.threadTransactions, appends: writes.appends } : {}),
    };
    void system.stop().then(() => process.send!({ type: 'stopped', stats: { ...stats } } satisfies ChildMessage, () => process.exit(0)));
  });
}

// ---- realistic hits ------------------------------------------------------------

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
];
/** Addresses of the GeoIP test database's networks (London, Milton, Linköping, Boxford, ...). */
const ADDRESSES = ['81.2.69.142', '216.160.83.56', '89.160.20.112', '2.125.160.216', '81.2.69.160', '175.16.199.5', '67.43.156.5', '202.196.224.5'];
const PAGES = ['/', '/pricing', '/blog/event-sourcing-for-analytics', '/blog/privacy-first', '/docs/getting-started', '/docs/api', '/about', '/contact', '/shop/t-shirt', '/shop/cart'];
const TITLES = ['Home', 'Pricing', 'Event sourcing for analytics', 'Privacy first', 'Getting started', 'API', 'About us', 'Contact', 'T-shirt', 'Cart'];
const REFERRERS = ['', '', 'https://www.google.com/', 'https://www.bing.com/search?q=web+analytics', 'https://news.ycombinator.com/', 'https://t.co/abc123'];

interface Visitor {
  cid: string;
  ua: string;
  ip: string;
  page: number;
}

const visitors: Visitor[] = Array.from({ length: CLIENTS }, (_, i) => ({
  cid: `${1_000_000_000 + i * 7919}.${1_700_000_000 + (i % 86_400)}`,
  ua: USER_AGENTS[i % USER_AGENTS.length]!,
  ip: ADDRESSES[i % ADDRESSES.length]!,
  page: i % PAGES.length,
}));

let sequence = 0;
const enc = encodeURIComponent;

/** The next hit of a random visitor: mostly pageviews, some events, a few purchases. */
function nextHit(): { body: string; ua: string; ip: string } {
  const n = sequence++;
  const visitor = visitors[(n * 7919) % CLIENTS]!;
  const kind = n % 20;
  let body = `v=1&_v=j101&tid=${TID}&cid=${visitor.cid}&ul=en-gb&de=UTF-8&sr=1920x1080&vp=1280x720&sd=24-bit`;
  if (kind < 14) {
    visitor.page = (visitor.page + 1 + (n % 3)) % PAGES.length;
    const referrer = visitor.page === 0 ? REFERRERS[n % REFERRERS.length]! : '';
    body += `&t=pageview&dl=${enc(`https://www.example.com${PAGES[visitor.page]}${n % 11 === 0 ? '?utm_source=newsletter&utm_medium=email&utm_campaign=june' : ''}`)}&dt=${enc(TITLES[visitor.page]!)}`;
    if (referrer) body += `&dr=${enc(referrer)}`;
  } else if (kind < 19) {
    body += `&t=event&ec=${enc('Video')}&ea=${n % 2 ? 'play' : 'pause'}&el=${enc('Intro video')}&ev=${n % 100}&dl=${enc(`https://www.example.com${PAGES[visitor.page]}`)}`;
  } else {
    body += `&t=transaction&ti=T${n}&ta=${enc('Web shop')}&tr=${(n % 200) + 9.99}&tt=2.00&ts=4.95&cu=EUR&dl=${enc('https://www.example.com/shop/cart')}`;
  }
  body += `&z=${n}`;
  return { body, ua: visitor.ua, ip: visitor.ip };
}

// ---- the run ----------------------------------------------------------------------

async function start(role: 'bare' | 'collector', dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  // BENCH_PROFILE=dir writes a V8 CPU profile of the collector process there.
  const profile = role === 'collector' && process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = fork(self, ['--serve', role, dataDir], { execArgv: ['--import', 'tsx', ...profile], stdio: 'inherit' });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: ChildMessage) => (message.type === 'listening' ? resolve(message.url) : reject(new Error('unexpected message'))));
    child.once('exit', (code) => reject(new Error(`${role} server exited with ${code}`)));
  });
  return { child, url };
}

async function stop(child: ChildProcess): Promise<Record<string, number>> {
  const stopped = new Promise<Record<string, number>>((resolve, reject) => {
    child.once('message', (message: ChildMessage) => (message.type === 'stopped' ? resolve(message.stats) : reject(new Error('unexpected message'))));
  });
  child.send('stop');
  const stats = await stopped;
  await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  return stats;
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  other: number;
  errors: number;
  /** CPU autocannon (this process) used during the load. */
  generatorMicros: number;
}

async function load(url: string, title: string): Promise<Figures> {
  const cpu = process.cpuUsage();
  const result = await autocannon({
    url,
    title,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'POST',
        path: '/collect',
        setupRequest: (request) => {
          const hit = nextHit();
          request.body = hit.body;
          request.headers = { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': hit.ua, 'x-forwarded-for': hit.ip, origin: 'https://www.example.com' };
          return request;
        },
      },
    ],
  });
  const used = process.cpuUsage(cpu);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    other: result.non2xx,
    errors: result.errors + result.timeouts,
    generatorMicros: used.user + used.system,
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'webalytic-bench-collect-'));
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));

  // The property, created through the property aggregate as the CLI does.
  const setup = openEmbeddedEventStore({ file: join(dataDir, EMBEDDED_EVENTS_FILE) });
  const created = decide({ type: 'CreateProperty', data: { propertyId: TID, name: 'Bench site', defaultUrl: 'https://www.example.com/' }, metadata: { now: Date.now() } }, initialState());
  await setup.append(propertyStreamName(TID), created.map((event) => ({ id: randomUUID(), type: event.type, data: event.data as unknown as JsonValue })), { expectedRevision: 'no_stream' });
  await setup.close();

  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const line = (name: string, f: Figures): string =>
    `${name.padEnd(34)} ${fmt(f.rps).padStart(8)} req/s   p50 ${String(f.p50).padStart(3)} ms   p99 ${String(f.p99).padStart(3)} ms   2xx ${fmt(f.ok)}   other ${f.other}   errors ${f.errors}`;

  process.stdout.write(
    `collector benchmark: ${SECONDS} s per server, ${CONNECTIONS} connections, ${fmt(CLIENTS)} visitors, POST /collect, services: ${SERVICES === 'all' ? `all (webalytic start, PROJECTIONS_THREAD=${process.env['PROJECTIONS_THREAD'] ?? 'auto'})` : 'collector'}\n`,
  );
  const bare = await start('bare', dataDir);
  const bareFigures = await load(bare.url, 'bare');
  const bareStats = await stop(bare.child);
  process.stdout.write(`${line('bare node:http server (204)', bareFigures)}\n`);

  const collector = await start('collector', dataDir);
  const collectorFigures = await load(collector.url, 'collector');
  const stats = await stop(collector.child);
  process.stdout.write(`${line('collector (embedded store)', collectorFigures)}\n`);
  process.stdout.write(`ratio: ${((collectorFigures.rps / bareFigures.rps) * 100).toFixed(0)}% of the bare server\n`);
  const perRequest = (usage: Record<string, number>, f: Figures): string => {
    const requests = Math.max(1, f.ok + f.other);
    const others = [usage.thread1CpuMicros, usage.thread2CpuMicros, usage.thread3CpuMicros].filter((m) => m !== undefined);
    const threads = others.length ? `, busiest other threads ${others.map((m) => Math.round(m / requests)).join(' / ')}` : '';
    const main = usage.mainCpuMicros === undefined ? '' : ` (main thread ${Math.round(usage.mainCpuMicros / requests)}${threads})`;
    return `${Math.round((usage.cpuMicros ?? 0) / requests)} µs CPU per request${main}, event loop ${Math.round((usage.loopUtilisation ?? 0) * 100)}% busy`;
  };
  process.stdout.write(`cost: bare ${perRequest(bareStats, bareFigures)}\n      collector ${perRequest(stats, collectorFigures)}\n`);
  process.stdout.write(
    `      load generator ${Math.round(bareFigures.generatorMicros / Math.max(1, bareFigures.ok + bareFigures.other))} µs CPU per request (bare run), ${Math.round(collectorFigures.generatorMicros / Math.max(1, collectorFigures.ok + collectorFigures.other))} (collector run)\n`,
  );

  // Every acknowledged hit must be in the store. Requests still in flight when the
  // load stopped may be stored without being counted as acknowledged, never the reverse.
  const db = new Database(join(dataDir, EMBEDDED_EVENTS_FILE), { readonly: true });
  const stored = (db.prepare("SELECT count(*) AS n FROM events WHERE stream LIKE 'client-%'").get() as { n: number }).n;
  const streams = (db.prepare("SELECT count(DISTINCT stream) AS n FROM events WHERE stream LIKE 'client-%'").get() as { n: number }).n;
  db.close();
  process.stdout.write(`stored: ${fmt(stored)} client events in ${fmt(streams)} streams for ${fmt(collectorFigures.ok)} acknowledged hits`);
  process.stdout.write(` (collector: ${fmt(stats.recorded ?? 0)} recorded, ${fmt(stats.dropped ?? 0)} dropped, ${fmt(stats.failed ?? 0)} failed)\n`);
  if (stats.transactions) {
    process.stdout.write(
      `group commit: ${fmt(stats.transactions)} transactions (${fmt(stats.threadTransactions ?? 0)} in the writer thread), ${((stats.appends ?? 0) / stats.transactions).toFixed(1)} appends each\n`,
    );
  }
  const bar = collectorFigures.rps >= 15_000 && collectorFigures.p99 < 50;
  process.stdout.write(`bar (>= 15,000 hits/s, p99 < 50 ms): ${bar ? 'met' : 'NOT met'}\n`);
  if (stored < collectorFigures.ok) {
    process.stdout.write(`LOST: ${fmt(collectorFigures.ok - stored)} acknowledged hits are not in the store\n`);
    process.exitCode = 1;
  }
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt !== -1) {
  const role = process.argv[serveAt + 1];
  const dataDir = process.argv[serveAt + 2]!;
  await (role === 'bare' ? serveBare() : serveCollector(dataDir));
} else {
  await main();
}
