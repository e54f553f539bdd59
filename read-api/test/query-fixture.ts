// Test support for the stats endpoints: the whole system (startSystem: collector,
// analytics projection, read API) on a temp data dir and port 0, with an injectable
// clock, the GeoIP test database, and helpers to create a property, send hits to
// /collect as a browser would, and wait until the read models have caught up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../platform/config.ts';
import { silentLogger } from '../../platform/logger.ts';
import { startSystem, type RunningSystem } from '../../platform/system.ts';
import { openGeoLookup } from '../../collector/geo.ts';
import { createAnalyticsProjection } from '../../projections/analytics/index.ts';
import { simulateHistory } from '../../simulator/index.ts';
import type { ReadStore } from '../../storage/readstore/port.ts';
import { call, within, type TestResponse } from './harness.ts';

export const GEOIP_DB = fileURLToPath(new URL('../../../shared/geoip/GeoIP2-City-Test.mmdb', import.meta.url));
export const ADMIN_KEY = 'query-test-admin-key-0123456789abcdef';

/** Addresses the GeoIP test database places. */
export const IP = { GB: '81.2.69.142', US: '216.160.83.56', SE: '89.160.20.112' } as const;
export const UA = {
  desktop: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  mobile: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
} as const;

const root = mkdtempSync(join(tmpdir(), 'webalytic-query-'));
process.once('exit', () => rmSync(root, { recursive: true, force: true }));

export interface QuerySystem {
  url: string;
  system: RunningSystem;
  clock: { now: number };
  /** Creates a property over the API and waits until the collector knows it. */
  createProperty(id: string, settings?: Record<string, unknown>): Promise<void>;
  /** POSTs one hit to /collect at `at` (the clock moves there; it never moves back). */
  hit(property: string, at: number, params: Record<string, string>, userAgent?: string): Promise<void>;
  /** Resolves when the projections have applied every event appended so far (call after hits: the last event must be one they read). */
  settled(): Promise<void>;
  /** A read API call (path under /api/v1), with the admin key unless another is given. */
  api(method: string, path: string, options?: { body?: unknown; key?: string | null; headers?: Record<string, string> }): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface QuerySystemOptions {
  /** A read store instead of the data dir's embedded one (the MongoDB adapter on its in-memory executor). */
  readStore?: ReadStore;
}

export async function startQuerySystem(start: number, options: QuerySystemOptions = {}): Promise<QuerySystem> {
  const dataDir = mkdtempSync(join(root, 'case-'));
  const config = loadConfig({
    WEBALYTIC_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    GEOIP_DB,
    ADMIN_API_KEY: ADMIN_KEY,
    COLLECT_RATE_LIMIT_PER_MINUTE: '0',
  });
  const clock = { now: start };
  const now = (): number => clock.now;
  const system = await startSystem(config, silentLogger(), { now, projections: [createAnalyticsProjection({ clock: now })], ...(options.readStore ? { readStore: options.readStore } : {}) });
  const settled = async (): Promise<void> => {
    const head = await system.eventStore.headPosition();
    if (head !== undefined) await within(system.projections.waitForPosition(head), 'the projections to catch up', 30_000);
  };
  const api: QuerySystem['api'] = (method, path, options = {}) =>
    call({ url: `${system.url}/api/v1` }, method, path, {
      ...(options.key === null ? {} : { key: options.key ?? ADMIN_KEY }),
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.headers ? { headers: options.headers } : {}),
    });
  return {
    url: system.url,
    system,
    clock,
    async createProperty(id, settings = {}) {
      const created = await api('POST', '/properties', { body: { propertyId: id, name: `Site ${id}`, defaultUrl: 'https://www.example.com/', ...settings } });
      if (created.status !== 201 && created.status !== 200) throw new Error(`property ${id}: ${created.status} ${created.text}`);
      const head = await system.eventStore.headPosition();
      if (head !== undefined) await system.properties.reached(head);
    },
    async hit(property, at, params, userAgent = UA.desktop) {
      if (at < clock.now) throw new Error('the test clock never moves back');
      clock.now = at;
      const response = await fetch(`${system.url}/collect`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': userAgent },
        body: new URLSearchParams({ v: '1', tid: property, ...params }).toString(),
      });
      await response.arrayBuffer();
      if (response.status >= 300) throw new Error(`collect answered ${response.status} for ${JSON.stringify(params)}`);
    },
    settled,
    api,
    async close() {
      await system.stop();
    },
  };
}

/** The answer's rows as { dimension values joined by ' | ' → metric values }. */
export function rowsByKey(answer: { rows: { dimensions: string[]; metrics: number[] }[] }): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const row of answer.rows) out[row.dimensions.join(' | ')] = row.metrics;
  return out;
}

// ---- the standard traffic of the stats tests --------------------------------------------

export const PROPERTY = 'UA-5000-1';
/** 27 Nov 2026, 10:00 in Berlin (UTC+1). */
export const YESTERDAY = Date.UTC(2026, 10, 27, 9, 0, 0);
/** 28 Nov 2026, 11:00 in Berlin. */
export const TODAY = Date.UTC(2026, 10, 28, 10, 0, 0);
const MIN = 60_000;
export const HOME_TITLE = 'Home, "sweet" home';
export const FORMULA_TITLE = '=SUM(1+1)';

/**
 * Two visitors yesterday and four today (Europe/Berlin):
 * - yesterday: V5 (US, desktop, google organic) / pricing then / (3 min); V6 (GB, desktop, direct) /blog/a, a bounce.
 * - today: V1 (GB, desktop, google organic) / , /pricing (+1 min), event Video/play/intro value 3 (+2 min);
 *   V2 (US, mobile, direct) / at +5, a bounce; V3 (GB, mobile, referral news.example.org) /blog/a at +10, /pricing at
 *   +12, transaction T-1 (revenue 20, tax 2, shipping 3) and item Beans (SKU1, Coffee, 2 × 10) at +13;
 *   V4 (SE, desktop, newsletter / email) / at +20 titled "=SUM(1+1)", a bounce.
 */
export async function sendStandardTraffic(sys: QuerySystem): Promise<void> {
  const p = PROPERTY;
  const page = (path: string, title: string) => ({ t: 'pageview', dp: path, dt: title, dh: 'www.example.com' });
  await sys.hit(p, YESTERDAY, { cid: '5', uip: IP.US, ...page('/pricing', 'Pricing'), dr: 'https://www.google.com/' });
  await sys.hit(p, YESTERDAY + 3 * MIN, { cid: '5', uip: IP.US, ...page('/', HOME_TITLE) });
  await sys.hit(p, YESTERDAY + 10 * MIN, { cid: '6', uip: IP.GB, ...page('/blog/a', 'Blog A') });

  await sys.hit(p, TODAY, { cid: '1', uip: IP.GB, ...page('/', HOME_TITLE), dr: 'https://www.google.com/' });
  await sys.hit(p, TODAY + 1 * MIN, { cid: '1', uip: IP.GB, ...page('/pricing', 'Pricing') });
  await sys.hit(p, TODAY + 2 * MIN, { cid: '1', uip: IP.GB, t: 'event', ec: 'Video', ea: 'play', el: 'intro', ev: '3', dp: '/pricing' });
  await sys.hit(p, TODAY + 5 * MIN, { cid: '2', uip: IP.US, ...page('/', HOME_TITLE) }, UA.mobile);
  await sys.hit(p, TODAY + 10 * MIN, { cid: '3', uip: IP.GB, ...page('/blog/a', 'Blog A'), dr: 'https://news.example.org/a' }, UA.mobile);
  await sys.hit(p, TODAY + 12 * MIN, { cid: '3', uip: IP.GB, ...page('/pricing', 'Pricing') }, UA.mobile);
  await sys.hit(p, TODAY + 13 * MIN, { cid: '3', uip: IP.GB, t: 'transaction', ti: 'T-1', tr: '20', tt: '2', ts: '3', dp: '/pricing' }, UA.mobile);
  await sys.hit(p, TODAY + 13 * MIN, { cid: '3', uip: IP.GB, t: 'item', ti: 'T-1', in: 'Beans', ic: 'SKU1', iv: 'Coffee', ip: '10', iq: '2', dp: '/pricing' }, UA.mobile);
  await sys.hit(p, TODAY + 20 * MIN, {
    cid: '4',
    uip: IP.SE,
    t: 'pageview',
    dl: 'https://www.example.com/?utm_source=newsletter&utm_medium=email',
    dp: '/',
    dt: FORMULA_TITLE,
    dh: 'www.example.com',
  });
  await sys.settled();
}

/** A started system with the standard traffic, clock at `TODAY` + 22 minutes. */
export async function standardSystem(): Promise<QuerySystem> {
  const sys = await startQuerySystem(YESTERDAY - 60 * MIN);
  try {
    await sys.createProperty(PROPERTY, { timeZone: 'Europe/Berlin', currency: 'EUR' });
    await sendStandardTraffic(sys);
    sys.clock.now = TODAY + 22 * MIN;
    return sys;
  } catch (error) {
    await sys.close();
    throw error;
  }
}

// ---- simulated history with custom dimensions and metrics -----------------------------

/**
 * A property in New York time with cd1 (session scope) and cd2 (hit scope), the
 * simulator's history of `visitors` over 5 days before `now` (through the import core),
 * then four hits with custom dimensions and metrics sent to /collect; resolves once
 * the projections have caught up.
 */
export async function sendSimulatedHistory(sys: QuerySystem, property: string, now: number, options: { visitors: number; seed: string }): Promise<void> {
  await sys.createProperty(property, { timeZone: 'America/New_York', currency: 'USD' });
  for (const [index, scope] of [[1, 'session'], [2, 'hit']] as const) {
    const defined = await sys.api('PUT', `/properties/${property}/custom-dimensions/${index}`, { body: { name: `cd ${scope}`, scope } });
    if (defined.status !== 200) throw new Error(`custom dimension ${index}: ${defined.status} ${defined.text}`);
  }
  const head = await sys.system.eventStore.headPosition();
  if (head !== undefined) await sys.system.properties.reached(head);
  const geo = await openGeoLookup(GEOIP_DB, silentLogger());
  await simulateHistory({ store: sys.system.eventStore, property, visitors: options.visitors, days: 5, seed: options.seed, now, geo });
  const page = (path: string) => ({ t: 'pageview', dp: path, dh: 'shop.example' });
  await sys.hit(property, now + 60_000, { cid: 'cd.1', uip: IP.GB, ...page('/plans'), cd1: 'Pro', cd2: 'header', cm1: '5' });
  await sys.hit(property, now + 120_000, { cid: 'cd.1', uip: IP.GB, t: 'event', ec: 'CTA', ea: 'click', cd2: 'footer', cm1: '2.5', dp: '/plans' });
  await sys.hit(property, now + 180_000, { cid: 'cd.1', uip: IP.GB, ...page('/signup'), cd1: 'Team' });
  await sys.hit(property, now + 240_000, { cid: 'cd.2', uip: IP.US, ...page('/plans'), cd1: 'Free', cd2: 'header' }, UA.mobile);
  await sys.settled();
}
