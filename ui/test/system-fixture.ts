// The real Webalytic (collector, projections, read API, dashboard) on a temp data dir,
// for the browser tests and the screenshot script: startSystem from platform/system.ts
// (which serves the dashboard), a property created over the API and hits sent to /collect.
// Everything is imported lazily so a checkout where a part is still missing can skip.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureUiBuilt } from '../build.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ADMIN_KEY = 'ui-test-admin-key-0123456789abcdef';
export const PROPERTY_ID = 'UA-424242-1';
export const XSS_SCRIPT = '<script>window.__xss=1</script>';
export const XSS_IMG = '<img src=x onerror="window.__xss=1">';
export const GEOIP_DB = join(REPO_ROOT, '..', 'shared', 'geoip', 'GeoIP2-City-Test.mmdb');

/** Why the fixture cannot run in this checkout, or undefined when it can. */
export function missingPart(): string | undefined {
  for (const part of ['read-api/app.ts', 'platform/system.ts']) if (!existsSync(join(REPO_ROOT, part))) return `${part} does not exist yet`;
  return undefined;
}

export interface Fixture {
  url: string;
  key: string;
  propertyId: string;
  dataDir: string;
  /** POSTs one Measurement Protocol hit to /collect (tid is the fixture property's unless given). */
  hit(params: Record<string, string>): Promise<void>;
  /** Resolves when the read models reflect every event appended so far. */
  settled(): Promise<void>;
  /** One read API call with the admin key. */
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export interface FixtureOptions {
  /** Fill the store with the simulator's history too (when simulator/ provides it). */
  simulate?: { visitors: number; days: number };
  /** Keep the data dir after close (screenshots). */
  keepDataDir?: boolean;
  /** Also send hits whose title, campaign and event label are hostile HTML (the XSS test). Default true. */
  hostile?: boolean;
  propertyName?: string;
  /** A fresh install: no property and no hits (the onboarding test). */
  fresh?: boolean;
}

export const DESKTOP_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const MOBILE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
export const LONDON = '81.2.69.142';
const MILTON_US = '216.160.83.56';

export async function startFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const missing = missingPart();
  if (missing) throw new Error(`the system cannot start: ${missing}`);
  ensureUiBuilt();
  const { loadConfig } = await import('../../platform/config.ts');
  const { silentLogger } = await import('../../platform/logger.ts');
  const { startSystem } = await import('../../platform/system.ts');

  const dataDir = mkdtempSync(join(tmpdir(), 'webalytic-ui-system-'));
  const config = loadConfig({
    WEBALYTIC_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ADMIN_API_KEY: ADMIN_KEY,
    COLLECT_RATE_LIMIT_PER_MINUTE: '0',
    ...(existsSync(GEOIP_DB) ? { GEOIP_DB } : {}),
  });
  const system = await startSystem(config, silentLogger());
  const url = system.url;

  async function api<T>(method: string, path: string, payload?: unknown): Promise<T> {
    const response = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async function hit(params: Record<string, string>): Promise<void> {
    const response = await fetch(`${url}/collect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ v: '1', tid: PROPERTY_ID, ...params }).toString(),
    });
    await response.arrayBuffer();
    if (response.status >= 400) throw new Error(`collect answered ${response.status} for ${JSON.stringify(params)}`);
  }

  const settled = async (): Promise<void> => {
    const head = await system.eventStore.headPosition();
    // Without projections in the catalog there are no read models to wait for.
    if (head !== undefined && (await system.projections.status()).length > 0) await system.projections.waitForPosition(head);
  };

  const fixture: Fixture = {
    url,
    key: ADMIN_KEY,
    propertyId: PROPERTY_ID,
    dataDir,
    hit,
    settled,
    api,
    async close() {
      await system.stop();
      if (!options.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  if (options.fresh) return fixture;
  try {
    await api('POST', '/properties', { propertyId: PROPERTY_ID, name: options.propertyName ?? 'Coffee & Co <test>', defaultUrl: 'https://coffee.example.com/', timeZone: 'UTC', currency: 'EUR' });
    // The collector learns about the new property from the event log: wait until it has.
    const created = await system.eventStore.headPosition();
    if (created !== undefined) await system.properties.reached(created);
    if (options.simulate) await simulate(system.eventStore, config.GEOIP_DB, options.simulate);
    await sendRecentVisits(hit);
    if (options.hostile !== false) await sendHostileHits(hit);
    await settled();
  } catch (error) {
    await system.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return fixture;
}

/** The simulator's history (simulator/history.ts), written straight into the event store. */
async function simulate(store: unknown, geoDb: string | undefined, size: { visitors: number; days: number }): Promise<void> {
  if (!existsSync(join(REPO_ROOT, 'simulator', 'index.ts'))) {
    process.stderr.write('ui fixture: simulator/ is not there yet; using the fixture hits only\n');
    return;
  }
  const { simulateHistory } = await import('../../simulator/index.ts');
  const { openGeoLookup } = await import('../../collector/geo.ts');
  const { silentLogger } = await import('../../platform/logger.ts');
  const geo = await openGeoLookup(geoDb, silentLogger());
  await simulateHistory({ store: store as Parameters<typeof simulateHistory>[0]['store'], property: PROPERTY_ID, seed: 'ui-dashboard', geo, ...size });
}

/** A small, known set of visits happening now: two countries, two devices, a referral, a search. */
async function sendRecentVisits(hit: (params: Record<string, string>) => Promise<void>): Promise<void> {
  const visitors = [
    { cid: '1001.1', uip: LONDON, ua: DESKTOP_UA, pages: ['/', '/pricing'], dr: 'https://news.example.org/post/1' },
    { cid: '1002.1', uip: LONDON, ua: MOBILE_UA, pages: ['/', '/blog/espresso'] },
    { cid: '1003.1', uip: LONDON, ua: DESKTOP_UA, pages: ['/docs'] },
    { cid: '1004.1', uip: MILTON_US, ua: DESKTOP_UA, pages: ['/', '/docs', '/pricing'], dr: 'https://www.google.com/search?q=coffee' },
    { cid: '1005.1', uip: MILTON_US, ua: MOBILE_UA, pages: ['/blog/espresso'] },
  ];
  for (const visitor of visitors) {
    for (const [i, page] of visitor.pages.entries()) {
      await hit({
        cid: visitor.cid,
        uip: visitor.uip,
        ua: visitor.ua,
        t: 'pageview',
        dp: page,
        dt: page === '/' ? 'Home' : page.slice(1),
        dh: 'coffee.example.com',
        ...(i === 0 && visitor.dr ? { dr: visitor.dr } : {}),
      });
    }
  }
}

/** Hostile strings in a page title, a campaign name and an event label; a sale. */
async function sendHostileHits(hit: (params: Record<string, string>) => Promise<void>): Promise<void> {
  await hit({ cid: '2001.1', uip: LONDON, ua: DESKTOP_UA, t: 'pageview', dp: '/xss', dt: XSS_SCRIPT, dh: 'coffee.example.com', cn: XSS_SCRIPT, cs: 'newsletter', cm: 'email' });
  await hit({ cid: '2001.1', uip: LONDON, ua: DESKTOP_UA, t: 'event', ec: 'xss', ea: 'click', el: XSS_IMG, dp: '/xss' });
  await hit({ cid: '2002.1', uip: MILTON_US, ua: DESKTOP_UA, t: 'pageview', dp: '/checkout', dt: XSS_IMG, dh: 'coffee.example.com', cn: XSS_IMG, cs: 'ads', cm: 'cpc' });
  await hit({ cid: '2002.1', uip: MILTON_US, ua: DESKTOP_UA, t: 'transaction', ti: 'T-1001', tr: '49.90', tt: '4.00', ts: '5.00', dp: '/checkout' });
  await hit({ cid: '2002.1', uip: MILTON_US, ua: DESKTOP_UA, t: 'item', ti: 'T-1001', in: 'House blend 1kg', ip: '24.95', iq: '2', ic: 'HB-1', iv: 'Coffee' });
}
