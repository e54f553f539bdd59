// `webalytic simulate`: realistic synthetic traffic for a property, as history in the
// event store (default), live over HTTP to a collector (--live), or as NDJSON (--out).
import cliProgress from 'cli-progress';
import { openGeoLookup } from '../../collector/geo.ts';
import { PROPERTY_DEFAULTS } from '../../domain/property/defaults.ts';
import type { PropertySettings } from '../../domain/property/settings.ts';
import { openEventStore } from '../../storage/eventstore/open.ts';
import { generateTraffic } from '../../simulator/generate.ts';
import { writeNdjson } from '../../simulator/file.ts';
import { PropertyMissingError, resolveProperty, simulateHistory, trafficOptionsFor } from '../../simulator/history.ts';
import { sendLive } from '../../simulator/live.ts';
import { DEFAULT_GEOIP_JSON, GeoNetworksError, loadGeoNetworks } from '../../simulator/networks.ts';
import { describeSummary, type SimulationSummary } from '../../simulator/summary.ts';
import { UsageError, type Command, type CommandContext } from '../command.ts';
import { parseCommandArgs } from '../args.ts';

const help = `Usage: webalytic simulate --property ID [options]

Generates realistic traffic for a property from a seed (the same seed gives the same
traffic): new and returning visitors, sessions of several pages, campaigns (newsletter,
Facebook, Google Ads with gclid), organic search, referrals, social, direct, desktop,
mobile and tablet browsers with real user agents, crawlers, countries from the GeoIP
test networks (sent as uip), languages, screens, events (video, downloads, scroll),
timing, social and exception hits, and ecommerce (classic and enhanced purchases).

Modes:
  (default)          history: the last --days days up to now, straight into the event
                     store through the import path (the property must exist)
  --live             send hits to a running collector over HTTP (/collect and /batch)
                     at --rate hits/s, for at most --duration seconds
  --out FILE         write NDJSON for 'webalytic import' instead

Options:
  --property ID      the property's tracking id (required)
  --visitors N       distinct visitors (default 100)
  --days D           days of history (default 30)
  --seed S           seed of the simulation (default "webalytic")
  --url URL          collector for --live (default http://127.0.0.1:$PORT)
  --rate N           hits per second for --live (default 20: within the collector's
                     default rate limit of 1200/min per address; for more set
                     COLLECT_RATE_LIMIT_PER_MINUTE=0 on the server)
  --duration S       seconds --live runs at most (default 60)
  --geoip-json PATH  the GeoIP test networks (default ../shared/geoip/GeoIP2-City-Test.json)
  --site-url URL     --live/--out when the property is not in this data dir: the site's URL
  --time-zone TZ     --live/--out when the property is not in this data dir (default UTC)
  --json             print the summary as JSON

Countries resolve when the collector (or this command, for history) has GEOIP_DB set,
e.g. GEOIP_DB=../shared/geoip/GeoIP2-City-Test.mmdb.

Examples:
  webalytic property create --id UA-12345-1 --name "Demo shop" --url https://shop.example --time-zone Europe/Berlin
  GEOIP_DB=../shared/geoip/GeoIP2-City-Test.mmdb webalytic simulate --property UA-12345-1 --visitors 2000 --days 30
  webalytic simulate --property UA-12345-1 --visitors 50 --live --rate 10 --duration 30`;

const OPTIONS = {
  property: { type: 'string' },
  visitors: { type: 'string' },
  days: { type: 'string' },
  seed: { type: 'string' },
  live: { type: 'boolean' },
  url: { type: 'string' },
  rate: { type: 'string' },
  duration: { type: 'string' },
  out: { type: 'string' },
  'geoip-json': { type: 'string' },
  'site-url': { type: 'string' },
  'time-zone': { type: 'string' },
  json: { type: 'boolean' },
} as const;

const parse = (args: string[]) => parseCommandArgs(args, OPTIONS, false);

function wholeNumber(option: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new UsageError(`--${option} must be a whole number from ${min} to ${max}`);
  return Number(value);
}

function positiveNumber(option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new UsageError(`--${option} must be a number above 0`);
  return number;
}

function validTimeZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    throw new UsageError(`--time-zone must be an IANA time zone such as Europe/Berlin (got ${zone})`);
  }
}

function progressBar(enabled: boolean, format: string): cliProgress.SingleBar | undefined {
  return enabled && process.stderr.isTTY ? new cliProgress.SingleBar({ format, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
}

async function run(args: string[], { config, logger, out }: CommandContext): Promise<number> {
  const { values } = parse(args);
  const tid = values.property;
  if (!tid) throw new UsageError('--property is required (the tracking id, e.g. UA-12345-1)');
  if (values.live && values.out !== undefined) throw new UsageError('--live and --out exclude each other');
  const visitors = wholeNumber('visitors', values.visitors, 100, 1, 10_000_000);
  const days = wholeNumber('days', values.days, 30, 1, 3660);
  const seed = values.seed ?? 'webalytic';
  let networks;
  try {
    networks = loadGeoNetworks(values['geoip-json'] ?? DEFAULT_GEOIP_JSON);
  } catch (error) {
    if (error instanceof GeoNetworksError) throw new UsageError(error.message);
    throw error;
  }
  const print = (summary: SimulationSummary): void => {
    if (values.json) out(JSON.stringify(summary, null, 2));
    else for (const line of describeSummary(summary)) out(line);
  };

  const store = await openEventStore(config, logger);
  let storeOpen = true;
  const closeStore = async (): Promise<void> => {
    if (storeOpen) await store.close();
    storeOpen = false;
  };
  try {
    if (!values.live && values.out === undefined) {
      // History through the import path.
      const property = await resolveProperty(store, tid);
      const geo = await openGeoLookup(config.GEOIP_DB, logger);
      if (!geo.enabled) out('note: GEOIP_DB is not set, so countries will be "(not set)"; try GEOIP_DB=../shared/geoip/GeoIP2-City-Test.mmdb');
      const bar = progressBar(true, 'simulate [{bar}] {percentage}% of the period | {hits} hits');
      bar?.start(1000, 0, { hits: 0 });
      const summary = await simulateHistory({
        store,
        property,
        visitors,
        days,
        seed,
        logger,
        geo,
        networks,
        onProgress: ({ hits, fraction }) => bar?.update(Math.round(fraction * 1000), { hits }),
      });
      bar?.stop();
      print(summary);
      return summary.import.invalid > 0 ? 1 : 0;
    }

    // Live or file: the property's settings when this data dir has it, else the flags.
    const known: PropertySettings | undefined = await resolveProperty(store, tid).catch((error: unknown) => {
      if (error instanceof PropertyMissingError) return undefined;
      throw error;
    });
    await closeStore(); // a live run may last long; the collector owns the store meanwhile
    const siteUrl = values['site-url'] ?? known?.defaultUrl ?? 'https://www.example.com/';
    try {
      new URL(siteUrl);
    } catch {
      throw new UsageError(`--site-url must be an absolute URL (got ${siteUrl})`);
    }
    const property: PropertySettings = {
      ...PROPERTY_DEFAULTS,
      id: tid,
      name: known?.name ?? tid,
      defaultUrl: siteUrl,
      domains: known?.domains ?? [],
      active: true,
      timeZone: validTimeZone(values['time-zone'] ?? known?.timeZone ?? 'UTC'),
      currency: known?.currency ?? PROPERTY_DEFAULTS.currency,
    };
    const now = Date.now();
    const traffic = generateTraffic(trafficOptionsFor(property, { visitors, days: values.live ? 1 : days, seed, now, networks }));
    if (values.out !== undefined) {
      print(await writeNdjson(traffic, values.out));
      out(`written: ${values.out} (import it with: webalytic import ${values.out})`);
      return 0;
    }
    const url = values.url ?? `http://127.0.0.1:${config.PORT}`;
    const rate = positiveNumber('rate', values.rate, 20);
    const durationMs = positiveNumber('duration', values.duration, 60) * 1000;
    const abort = new AbortController();
    const stop = (): void => abort.abort();
    process.once('SIGINT', stop);
    const bar = progressBar(true, 'live [{bar}] {percentage}% of --duration | {hits} hits sent');
    bar?.start(Math.round(durationMs / 1000), 0, { hits: 0 });
    try {
      const summary = await sendLive({ url, hits: traffic, rate, durationMs, seed, signal: abort.signal, onProgress: ({ hits, elapsedMs }) => bar?.update(Math.round(elapsedMs / 1000), { hits }) });
      bar?.stop();
      print(summary);
      return summary.http.accepted > 0 || summary.hits === 0 ? 0 : 1;
    } finally {
      process.off('SIGINT', stop);
    }
  } catch (error) {
    if (error instanceof PropertyMissingError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await closeStore();
  }
}

export const simulateCommand: Command = { name: 'simulate', summary: 'generate realistic traffic (history, live or NDJSON)', help, run };
