// Test support for the import: a real embedded store in a temp dir with one property,
// the import pipeline over it (GeoIP test database, the clock fixed at NOW), and
// NDJSON line builders. Test code only.
import { silentLogger } from '../../../platform/logger.ts';
import type { EmbeddedEventStore } from '../../../storage/eventstore/embedded.ts';
import type { RecordedEvent } from '../../../storage/eventstore/port.ts';
import { openGeoLookup } from '../../geo.ts';
import { clientEvents, createProperty, GEOIP_TEST_DB, NOW, openTempStore } from '../../test/support.ts';
import { openImportPipeline, type ImportPipeline } from '../open.ts';

export { NOW } from '../../test/support.ts';
export const TID = 'UA-4242-1';
export const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
export const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

export interface Setup {
  store: EmbeddedEventStore;
  pipeline: ImportPipeline;
  close(): Promise<void>;
}

export async function setUp(settings: Record<string, unknown> = {}): Promise<Setup> {
  const store = openTempStore();
  await createProperty(store, TID, { domains: ['shop.example'], defaultUrl: 'https://shop.example/', ...settings });
  const logger = silentLogger();
  const pipeline = await openImportPipeline({ store, logger, geo: await openGeoLookup(GEOIP_TEST_DB, logger), now: () => NOW });
  return {
    store,
    pipeline,
    async close() {
      await pipeline.close();
      await store.close();
    },
  };
}

/** One NDJSON line: a pageview of `cid` at `at` (epoch ms) unless told otherwise. */
export function line(cid: string, at: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ v: 1, tid: TID, cid, t: 'pageview', dl: 'https://shop.example/', uip: '81.2.69.160', ua: CHROME, timestamp: new Date(at).toISOString(), ...extra });
}

export const ndjson = (lines: string[]): string => `${lines.join('\n')}\n`;

export interface ClientHit {
  stream: string;
  type: string;
  dp: string | undefined;
  sentTime: number;
  hitIndex: number | undefined;
}

/** The client events of the store, in log order, reduced to what the tests look at. */
export async function clientHits(store: EmbeddedEventStore): Promise<ClientHit[]> {
  return (await clientEvents(store)).map((event: RecordedEvent) => {
    const data = event.data as { hit: { sentTime: number }; params: Record<string, unknown>; session?: { hitIndex: number } };
    return { stream: event.stream, type: event.type, dp: data.params.dp as string | undefined, sentTime: data.hit.sentTime, hitIndex: data.session?.hitIndex };
  });
}
