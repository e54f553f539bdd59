// Chooses the read store from the configuration: the embedded SQLite file under the data
// dir by default; MongoDB (a replica set) when MONGODB_URL is set.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/logger.ts';
import { openEmbeddedReadStore } from './embedded.ts';
import type { ReadStore } from './port.ts';

export const EMBEDDED_READ_MODELS_FILE = 'readmodels.sqlite';

export async function openReadStore(config: Pick<Config, 'WEBALYTIC_DATA_DIR' | 'MONGODB_URL' | 'READ_MODELS_MMAP_MB'>, logger: Logger): Promise<ReadStore> {
  if (config.MONGODB_URL) {
    // Imported only here: without MONGODB_URL the driver is not even loaded.
    const { openMongoReadStore } = await import('./mongodb.ts');
    return openMongoReadStore({ url: config.MONGODB_URL, logger });
  }
  mkdirSync(config.WEBALYTIC_DATA_DIR, { recursive: true });
  const file = join(config.WEBALYTIC_DATA_DIR, EMBEDDED_READ_MODELS_FILE);
  logger.info({ readStore: 'embedded', file, queryMmapMb: config.READ_MODELS_MMAP_MB }, 'read store: embedded SQLite');
  return openEmbeddedReadStore(file, { queryMmapBytes: config.READ_MODELS_MMAP_MB * 1024 * 1024 });
}
