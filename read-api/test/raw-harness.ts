// Test support for the raw-data and live-stream endpoints: a real embedded event store
// in a temp dir, properties made through the property aggregate, hits recorded through
// the collector's enricher and hit recorder, real API keys, and the read API router
// (createReadApi) on a real HTTP server on 127.0.0.1. Test code only.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { loadProperty, runPropertyCommand } from '../../administration/properties.ts';
import { openPropertyDirectory } from '../../administration/property-directory.ts';
import { openCookielessIds } from '../../collector/cookieless.ts';
import { createEnricher } from '../../collector/enrich.ts';
import { notSetGeoLookup } from '../../collector/geo.ts';
import { createHitRecorder, type RecordedHit } from '../../collector/record-hit.ts';
import type { PropertyCommand } from '../../domain/property/commands.ts';
import { loadConfig } from '../../platform/config.ts';
import { silentLogger } from '../../platform/logger.ts';
import { openEmbeddedEventStore, type EmbeddedEventStore } from '../../storage/eventstore/embedded.ts';
import type { EventStore, RecordedEvent, Subscription, SubscribeOptions } from '../../storage/eventstore/port.ts';
import { openEmbeddedReadStore } from '../../storage/readstore/embedded.ts';
import { createReadApi } from '../app.ts';
import { problemErrorHandler, problemNotFound } from '../http/problem.ts';
import { mountRoutes } from '../http/route.ts';
import { issueApiKey } from '../keys/api-keys.ts';
import { createAuthenticator } from '../keys/authenticate.ts';
import { openApiKeyDirectory, type ApiKeyDirectory } from '../keys/directory.ts';
import { eventsStreamRoute, type EventsStreamOptions } from '../routes/events-stream.ts';
import { rawRoutes } from '../routes/raw.ts';
import { tempDirs, within } from '../../platform/test-support.ts';

export { within };

export const NOW = Date.UTC(2026, 10, 2, 9, 0, 0);
export const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

/** Counts the store's live subscriptions, so a test can see the stream's one closed on disconnect. */
export interface SubscriptionCounter {
  open(): number;
  /** Messages the server has taken from its subscriptions so far. */
  pulled(): number;
  /** Resolves once no subscription is open. */
  allClosed(): Promise<void>;
}

/** The store the routes get: it counts its live subscriptions and can fail deletions. */
function instrumented(store: EventStore): { store: EventStore; counter: SubscriptionCounter; failDeletes(count: number): void } {
  let open = 0;
  let pulled = 0;
  let waiters: (() => void)[] = [];
  const settle = (): void => {
    if (open !== 0) return;
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };
  const counted: EventStore = Object.create(store) as EventStore;
  counted.subscribeToAll = (options?: SubscribeOptions): Subscription => {
    const inner = store.subscribeToAll(options);
    open += 1;
    let closed = false;
    const markClosed = (): void => {
      if (closed) return;
      closed = true;
      open -= 1;
      settle();
    };
    return {
      [Symbol.asyncIterator]: () => {
        const iterator = inner[Symbol.asyncIterator]();
        return {
          async next() {
            const result = await iterator.next();
            if (!result.done) pulled += 1;
            return result;
          },
          return: async () => (iterator.return ? iterator.return() : { done: true as const, value: undefined }),
        };
      },
      async close() {
        await inner.close();
        markClosed();
      },
    };
  };
  let failingDeletes = 0;
  counted.deleteStream = async (stream: string): Promise<void> => {
    if (failingDeletes > 0) {
      failingDeletes -= 1;
      throw new Error('injected failure: the process died before deleting the stream');
    }
    return store.deleteStream(stream);
  };
  return {
    store: counted,
    failDeletes: (count: number) => {
      failingDeletes = count;
    },
    counter: {
      open: () => open,
      pulled: () => pulled,
      allClosed: () => (open === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    },
  };
}

export interface Harness {
  url: string;
  store: EmbeddedEventStore;
  keys: ApiKeyDirectory;
  subscriptions: SubscriptionCounter;
  /** Aborting ends every open event stream (as a shutdown would). */
  shutdown: AbortController;
  adminKey: string;
  /** A read key for `properties[0]`. */
  readKey: string;
  clock: { now: number };
  /** Records a hit for `tid` through the collector's enricher and recorder. */
  hit(tid: string, params: Record<string, string>, at?: number, userAgent?: string): Promise<RecordedHit>;
  createProperty(tid: string, settings?: Record<string, unknown>): Promise<void>;
  /** The next `count` stream deletions by the routes fail, as if the process died first. */
  failDeletes(count: number): void;
  /** Cuts every open connection, as a network failure or a proxy restart would. */
  dropConnections(): void;
  stop(): Promise<void>;
}

export async function startHarness(options: { properties?: string[]; stream?: EventsStreamOptions; propertySettings?: Record<string, unknown> } = {}): Promise<Harness> {
  const dir = tempDir();
  const store = openEmbeddedEventStore({ file: join(dir, 'events.sqlite') });
  const logger = silentLogger();
  const clock = { now: NOW };
  const properties = options.properties ?? ['UA-1111-1'];
  let closeReadStore = async (): Promise<void> => undefined;
  const directory = openPropertyDirectory({ store, logger });

  async function createProperty(tid: string, settings: Record<string, unknown> = {}): Promise<void> {
    const created = await runPropertyCommand(store, {
      type: 'CreateProperty',
      data: { propertyId: tid, name: `Site ${tid}`, defaultUrl: 'https://www.example.com/', timeZone: 'UTC', ...settings },
      metadata: { now: NOW },
    } as PropertyCommand);
    if (created.position !== undefined) await directory.reached(created.position);
  }
  for (const tid of properties) await createProperty(tid, options.propertySettings);

  const keys = openApiKeyDirectory({ store, logger });
  await keys.ready;
  const admin = await issueApiKey(store, { role: 'admin', name: 'test admin' }, NOW);
  const reader = await issueApiKey(store, { role: 'read', name: 'test reader', propertyIds: [properties[0]!] }, NOW);
  await keys.reached(reader.position);

  const { store: countedStore, counter, failDeletes } = instrumented(store);
  const shutdown = new AbortController();
  const app = express();
  if (options.stream === undefined) {
    // The whole read API, as platform/system.ts mounts it.
    const readStore = openEmbeddedReadStore(join(dir, 'read.sqlite'));
    closeReadStore = () => readStore.close();
    app.use(
      '/api/v1',
      createReadApi({
        config: loadConfig({ WEBALYTIC_DATA_DIR: dir }),
        logger,
        eventStore: countedStore,
        readStore,
        keys,
        properties: directory,
        now: () => clock.now,
        signal: shutdown.signal,
        validateResponses: true,
        failedAuthPerMinute: 1000,
      }),
    );
  } else {
    // Stream options (heartbeat interval, backpressure hook) are not read API settings:
    // these routes are mounted alone, the way createReadApi mounts them.
    const deps = { eventStore: countedStore, logger, now: () => clock.now };
    const router = express.Router();
    mountRoutes(router, [...rawRoutes(deps), eventsStreamRoute(deps, { ...options.stream, signal: shutdown.signal })], {
      authenticate: createAuthenticator({ keys, trustProxy: false, now: () => clock.now, failuresPerMinute: 1000 }),
      logger,
      validateResponses: true,
    });
    router.use(problemNotFound());
    router.use(problemErrorHandler(logger));
    app.use('/api/v1', router);
  }
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const cookieless = openCookielessIds({ logger, purgeEveryMs: false, now: () => clock.now });
  const enrich = createEnricher({ geo: notSetGeoLookup(), trustProxy: false, cookieless });
  const recorder = createHitRecorder({ store, logger });

  return {
    url,
    store,
    keys,
    subscriptions: counter,
    shutdown,
    adminKey: admin.key,
    readKey: reader.key,
    clock,
    createProperty,
    dropConnections: () => server.closeAllConnections(),
    failDeletes,
    async hit(tid, params, at = clock.now, userAgent = CHROME_UA) {
      const settings = await loadProperty(store, tid);
      if (!settings) throw new Error(`no property ${tid}`);
      const enriched = enrich({ v: '1', tid, t: 'pageview', ...params }, { remoteAddress: '81.2.69.160', forwardedFor: undefined, userAgent, receivedAt: at }, settings);
      if (!enriched.ok) throw new Error(`hit refused: ${enriched.problem.description}`);
      return recorder.record(enriched.hit, settings);
    },
    async stop() {
      shutdown.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      cookieless.close();
      await keys.close();
      await directory.close();
      await closeReadStore();
      await store.close();
    },
  };
}

export const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: unknown }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

const tempDir = tempDirs('webalytic-raw-');

export async function readAllEvents(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readAll()) events.push(event);
  return events;
}

// ---- a small SSE reader over fetch --------------------------------------------------

export interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

export interface SseConnection {
  status: number;
  headers: Headers;
  events: SseEvent[];
  comments: string[];
  /** Resolves once `predicate` holds (checked after every block received). */
  until(predicate: (connection: SseConnection) => boolean, what: string): Promise<void>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const waiters: { predicate: (c: SseConnection) => boolean; resolve: () => void }[] = [];
  const connection: SseConnection = {
    status: res.status,
    headers: res.headers,
    events: [],
    comments: [],
    until(predicate, what) {
      if (predicate(connection)) return Promise.resolve();
      return within(new Promise<void>((resolve) => waiters.push({ predicate, resolve })), what);
    },
    ended: Promise.resolve(),
    close: () => abort.abort(),
  };
  const check = (): void => {
    for (const waiter of [...waiters]) {
      if (waiter.predicate(connection)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  connection.ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { id: undefined, event: undefined, data: '' };
          let hasData = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) connection.comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) event.id = line.slice(4);
            else if (line.startsWith('event: ')) event.event = line.slice(7);
            else if (line.startsWith('data: ')) {
              event.data += (hasData ? '\n' : '') + line.slice(6);
              hasData = true;
            }
          }
          if (hasData) connection.events.push(event);
        }
        check();
      }
    } catch {
      // aborted by close()
    }
  })();
  return connection;
}
