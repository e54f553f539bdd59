// The projections thread (platform/projections-thread.ts): its own connections to both
// stores, every projection of the catalog, and answers to the main thread's requests.
// Its log lines go to the main thread, which writes them with its own logger.
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from './config.ts';
import { createLogger } from './logger.ts';
import type { ThreadReply, ThreadRequest, ProjectionsThreadData } from './projections-thread.ts';
import { projections as catalog } from '../projections/catalog.ts';
import { startProjections, type RunningProjections } from '../projections/index.ts';
import { openEventStore } from '../storage/eventstore/open.ts';
import type { EventStore } from '../storage/eventstore/port.ts';
import { openReadStore } from '../storage/readstore/open.ts';
import type { ReadStore } from '../storage/readstore/port.ts';

const port = parentPort;
if (port === null) throw new Error('projections-thread-entry.ts runs as a worker thread');
const data = workerData as ProjectionsThreadData;
const post = (reply: ThreadReply): void => port.postMessage(reply);
const logger = createLogger(data.logLevel, { write: (line: string) => post({ type: 'log', line }) });
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

// The thread never answers reports: no memory-mapped report connection.
const config: Config = { ...data.config, READ_MODELS_MMAP_MB: 0 };
let eventStore: EventStore | undefined;
let readStore: ReadStore | undefined;
let running: RunningProjections | undefined;

async function close(): Promise<void> {
  await running?.stop();
  await eventStore?.close();
  await readStore?.close();
}

async function answer(id: number, work: () => Promise<unknown>): Promise<void> {
  try {
    post({ type: 'reply', id, ok: true, value: await work() });
  } catch (error) {
    post({ type: 'reply', id, ok: false, message: messageOf(error) });
  }
}

port.on('message', (request: ThreadRequest) => {
  if (request.type === 'stop') {
    void close()
      .catch((error: unknown) => logger.warn({ err: error }, 'stopping the projections thread failed'))
      .finally(() => post({ type: 'stopped' }));
    return;
  }
  const started = running;
  if (started === undefined) return void post({ type: 'reply', id: request.id, ok: false, message: 'the projections have not started' });
  if (request.type === 'status') void answer(request.id, () => started.status());
  else void answer(request.id, () => started.waitForPosition(request.position, request.name));
});

try {
  eventStore = await openEventStore(config, logger);
  readStore = await openReadStore(config, logger);
  running = await startProjections({ projections: catalog, eventStore, readStore, logger });
  post({ type: 'started' });
} catch (error) {
  await close().catch(() => undefined);
  post({ type: 'start-failed', message: messageOf(error) });
}
