// A collector on a real HTTP server (127.0.0.1, port 0) over a real embedded store in
// a temp dir, with the GeoIP test database and a clock the test controls. Test code only.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { PropertySettings } from '../../domain/property/settings.ts';
import { silentLogger } from '../../platform/logger.ts';
import type { EmbeddedEventStore } from '../../storage/eventstore/embedded.ts';
import { openCookielessIds } from '../cookieless.ts';
import { createEnricher } from '../enrich.ts';
import { openGeoLookup } from '../geo.ts';
import { createCollectorHandler, type CollectorHandler, type CollectorOptions } from '../http.ts';
import { openPropertyDirectory, type PropertyDirectory } from '../../administration/property-directory.ts';
import { createHitRecorder } from '../record-hit.ts';
import { CHROME_UA, createProperty, GEOIP_TEST_DB, NOW, openTempStore, tempDir } from './support.ts';

export interface Harness {
  url: string;
  server: Server;
  store: EmbeddedEventStore;
  properties: PropertyDirectory;
  collector: CollectorHandler;
  clock: { now: number };
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** tid → CreateProperty settings; default one property UA-1111-1 with its defaults. */
  properties?: Record<string, Partial<Record<keyof PropertySettings, unknown>>>;
  trustProxy?: boolean;
  rateLimitPerMinute?: number;
  maxInFlight?: number;
  bodyTimeoutMs?: number;
  sdk?: CollectorOptions['sdk'];
}

export const TID = 'UA-1111-1';

export async function startCollector(options: HarnessOptions = {}): Promise<Harness> {
  const store = openTempStore();
  for (const [tid, settings] of Object.entries(options.properties ?? { [TID]: {} })) await createProperty(store, tid, settings);
  const logger = silentLogger();
  const clock = { now: NOW };
  const properties = openPropertyDirectory({ store, logger });
  await properties.ready;
  const trustProxy = options.trustProxy ?? false;
  const cookieless = openCookielessIds({ file: join(tempDir(), 'salt.json'), logger, purgeEveryMs: false, now: () => clock.now });
  const collector = createCollectorHandler({
    properties,
    recorder: createHitRecorder({ store, logger }),
    enrich: createEnricher({ geo: await openGeoLookup(GEOIP_TEST_DB, logger), trustProxy, cookieless }),
    logger,
    trustProxy,
    rateLimitPerMinute: options.rateLimitPerMinute ?? 0,
    maxInFlight: options.maxInFlight ?? 1000,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 10_000,
    now: () => clock.now,
    ...(options.sdk ? { sdk: options.sdk } : {}),
  });
  const server = createServer((req, res) => {
    if (!collector(req, res)) res.writeHead(404).end('not the collector');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let stopped: Promise<void> | undefined;
  const harness: Harness = {
    url,
    server,
    store,
    properties,
    collector,
    clock,
    stop() {
      stopped ??= (async () => {
        running.delete(harness);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        cookieless.close();
        await properties.close();
        await store.close();
      })();
      return stopped;
    },
  };
  running.add(harness);
  return harness;
}

const running = new Set<Harness>();

/** Stops what a failed test left running, so the suite reports instead of hanging. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((harness) => harness.stop()));
}

/** A typical analytics.js pageview payload. */
export const pageview = (extra: Record<string, string> = {}, tid = TID): string =>
  new URLSearchParams({
    v: '1',
    _v: 'j101',
    tid,
    cid: '1234567890.1717400000',
    t: 'pageview',
    dl: 'https://www.example.com/pricing?plan=pro',
    dt: 'Pricing',
    dr: 'https://www.google.com/',
    ul: 'en-gb',
    sr: '1920x1080',
    ...extra,
  }).toString();

export const post = (url: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    body: typeof body === 'string' ? body : new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength),
    // A browser's user agent: fetch's own ('node') is a bot to isbot.
    headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': CHROME_UA, ...headers },
  });
