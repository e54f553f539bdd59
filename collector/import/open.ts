// Everything an import needs outside the server (the `import` and `simulate` commands):
// the property directory, the geo database, an enricher and a hit recorder over a
// given event store. The HTTP route gets the running collector's parts instead.
import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/logger.ts';
import type { EventStore } from '../../storage/eventstore/port.ts';
import { openCookielessIds } from '../cookieless.ts';
import { createEnricher } from '../enrich.ts';
import { openGeoLookup, type GeoLookup } from '../geo.ts';
import { openPropertyDirectory, type PropertyDirectory } from '../../administration/property-directory.ts';
import { createHitRecorder, type HitRecorder } from '../record-hit.ts';
import { createImporter, type Importer } from './importer.ts';

export interface ImportPipeline {
  importer: Importer;
  properties: PropertyDirectory;
  recorder: HitRecorder;
  geo: GeoLookup;
  /** Closes what this opened (not the store). */
  close(): Promise<void>;
}

export interface ImportPipelineOptions {
  store: EventStore;
  logger: Logger;
  /** GEOIP_DB, or a ready lookup (tests, the simulator). */
  geo: Pick<Config, 'GEOIP_DB'> | GeoLookup;
  now?: () => number;
}

export async function openImportPipeline(options: ImportPipelineOptions): Promise<ImportPipeline> {
  const { store, logger } = options;
  const geo = 'lookup' in options.geo ? options.geo : await openGeoLookup(options.geo.GEOIP_DB, logger);
  const properties = openPropertyDirectory({ store, logger });
  try {
    await properties.ready;
  } catch (error) {
    await properties.close();
    throw error;
  }
  // Imports refuse cookieless hits without cid (importer.ts), so this is never asked for an id.
  const cookieless = openCookielessIds({ logger, purgeEveryMs: false });
  const recorder = createHitRecorder({ store, logger });
  const enrich = createEnricher({ geo, trustProxy: false, cookieless });
  const importer = createImporter({ properties, enrich, recorder, logger, ...(options.now ? { now: options.now } : {}) });
  return {
    importer,
    properties,
    recorder,
    geo,
    async close() {
      cookieless.close();
      await properties.close();
    },
  };
}
