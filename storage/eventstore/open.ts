// Chooses the event store adapter from the configuration: a real EventStoreDB when
// EVENTSTORE_URL is set, the embedded SQLite file under the data dir otherwise.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/logger.ts';
import type { EventStore } from './port.ts';

export const EMBEDDED_EVENTS_FILE = 'events.sqlite';

/** Adapters are imported on demand: the embedded default never loads the gRPC client. */
export async function openEventStore(config: Pick<Config, 'WEBALYTIC_DATA_DIR' | 'EVENTSTORE_URL'>, logger: Logger): Promise<EventStore> {
  if (config.EVENTSTORE_URL) {
    logger.info({ eventStore: 'eventstoredb' }, 'event store: EventStoreDB');
    const { openEventStoreDb } = await import('./eventstoredb.ts');
    return openEventStoreDb({ connectionString: config.EVENTSTORE_URL, logger });
  }
  mkdirSync(config.WEBALYTIC_DATA_DIR, { recursive: true });
  const file = join(config.WEBALYTIC_DATA_DIR, EMBEDDED_EVENTS_FILE);
  logger.info({ eventStore: 'embedded', file }, 'event store: embedded SQLite');
  const { openEmbeddedEventStore } = await import('./embedded.ts');
  return openEmbeddedEventStore({ file, logger });
}
