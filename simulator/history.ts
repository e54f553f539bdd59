// History: simulated hits straight into the event store through the import core (the
// same validation, enrichment and client aggregate as live hits), in this process.
// Re-running with the same seed and `now` records nothing twice.
import type { ImportReport } from '../collector/import/importer.ts';
import type { RawLine } from '../collector/import/lines.ts';
import { openImportPipeline } from '../collector/import/open.ts';
import { notSetGeoLookup, type GeoLookup } from '../collector/geo.ts';
import { loadProperty } from '../administration/properties.ts';
import type { PropertySettings } from '../domain/property/settings.ts';
import { silentLogger, type Logger } from '../platform/logger.ts';
import type { EventStore } from '../storage/eventstore/port.ts';
import { generateTraffic, type SimulatedHit, type TrafficOptions } from './generate.ts';
import { loadGeoNetworks, type GeoNetwork } from './networks.ts';
import { createTally, type SimulationSummary } from './summary.ts';

export interface SimulateHistoryOptions {
  store: EventStore;
  /** The property's settings, or its tracking id (then read from the store). */
  property: PropertySettings | string;
  visitors: number;
  days: number;
  seed: string | number;
  /** End of the simulated period; default the current time. */
  now?: number;
  logger?: Logger;
  /** Geo of the collector (GEOIP_DB); default none: countries '(not set)'. */
  geo?: GeoLookup;
  /** Default: the GeoIP test networks (networks.ts). */
  networks?: readonly GeoNetwork[];
  returningShare?: number;
  botShare?: number;
  /** Called every few thousand hits; `fraction` is how far into the period the hits are. */
  onProgress?: (progress: { hits: number; fraction: number }) => void;
}

export class PropertyMissingError extends Error {
  override readonly name = 'PropertyMissingError';
}

/** The NDJSON line of a hit, as `webalytic import` reads it. */
export function hitToJson(hit: SimulatedHit, timestamp: 'iso' | 'epoch' = 'iso'): string {
  return JSON.stringify({ timestamp: timestamp === 'iso' ? new Date(hit.time).toISOString() : hit.time, ...hit.params });
}

export async function resolveProperty(store: EventStore, property: PropertySettings | string): Promise<PropertySettings> {
  if (typeof property !== 'string') return property;
  const settings = await loadProperty(store, property);
  if (settings === undefined) {
    throw new PropertyMissingError(`property ${property} does not exist; create it first: webalytic property create --id ${property} --name "My site" --url https://example.com`);
  }
  return settings;
}

export function trafficOptionsFor(property: PropertySettings, options: Pick<SimulateHistoryOptions, 'visitors' | 'days' | 'seed' | 'returningShare' | 'botShare'> & { now: number; networks: readonly GeoNetwork[] }): TrafficOptions {
  return {
    tid: property.id,
    siteUrl: property.defaultUrl,
    timeZone: property.timeZone,
    currency: property.currency,
    visitors: options.visitors,
    days: options.days,
    seed: options.seed,
    now: options.now,
    networks: options.networks,
    ...(options.returningShare === undefined ? {} : { returningShare: options.returningShare }),
    ...(options.botShare === undefined ? {} : { botShare: options.botShare }),
  };
}

export async function simulateHistory(options: SimulateHistoryOptions): Promise<SimulationSummary & { import: ImportReport['totals'] }> {
  const started = performance.now();
  const logger = options.logger ?? silentLogger();
  const now = options.now ?? Date.now();
  const property = await resolveProperty(options.store, options.property);
  const networks = options.networks ?? loadGeoNetworks();
  const traffic = generateTraffic(trafficOptionsFor(property, { ...options, now, networks }));
  const pipeline = await openImportPipeline({ store: options.store, logger, geo: options.geo ?? notSetGeoLookup(), now: () => Math.max(Date.now(), now) });
  const tally = createTally();
  const periodStart = now - options.days * 24 * 60 * 60 * 1000;
  function* lines(): Generator<RawLine> {
    let number = 0;
    for (const hit of traffic) {
      tally.add(hit);
      number += 1;
      if (number % 5000 === 0) options.onProgress?.({ hits: number, fraction: Math.min(1, Math.max(0, (hit.time - periodStart) / (now - periodStart))) });
      yield { number, text: hitToJson(hit, 'epoch') };
    }
  }
  try {
    // The hits come in time order: a small sort window suffices and keeps memory low.
    const report = await pipeline.importer.run(lines(), { maxBufferedHits: 20_000 });
    if (report.totals.invalid > 0) logger.warn({ errors: report.errors.slice(0, 5) }, 'some simulated hits were refused');
    options.onProgress?.({ hits: tally.hits, fraction: 1 });
    return { ...tally.finish('history', performance.now() - started), import: report.totals };
  } finally {
    await pipeline.close();
  }
}
