// Test support for the read API: a real embedded event store and read store in a temp
// dir, the key directory, the read API mounted at /api/v1 on an Express app listening
// on 127.0.0.1:0, and small HTTP helpers. Test code only; other read API tests may use it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import express from 'express';
import { pino } from 'pino';
import { runPropertyCommand } from '../../administration/properties.ts';
import { openPropertyDirectory, type PropertyDirectory } from '../../administration/property-directory.ts';
import type { PropertyCommand } from '../../domain/property/commands.ts';
import type { PropertySettings } from '../../domain/property/settings.ts';
import { loadConfig, type Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/logger.ts';
import { openEmbeddedEventStore, type EmbeddedEventStore } from '../../storage/eventstore/embedded.ts';
import { openEmbeddedReadStore } from '../../storage/readstore/embedded.ts';
import type { EmbeddedReadStore } from '../../storage/readstore/port.ts';
import { apiFallback, createReadApi, type ReadApiDeps } from '../app.ts';
import { issueApiKey } from '../keys/api-keys.ts';
import { openApiKeyDirectory, type ApiKeyDirectory } from '../keys/directory.ts';
import { tempDirs, within } from '../../platform/test-support.ts';

export { within };

/** A fresh directory under the suite's temp root. */
export const tempDir = tempDirs('webalytic-read-api-');

export const NOW = Date.UTC(2024, 5, 3, 10, 0, 0);
/** The bootstrap admin key every test API accepts (ADMIN_API_KEY). */
export const BOOTSTRAP_KEY = 'bootstrap-admin-key-for-tests-0123456789';

export interface TestApi {
  url: string;
  dir: string;
  config: Config;
  eventStore: EmbeddedEventStore;
  readStore: EmbeddedReadStore;
  keys: ApiKeyDirectory;
  properties: PropertyDirectory;
  /** Every log line the API wrote (JSON text), at debug level. */
  logs: string[];
  /** Resolves with the first log line (already written or to come) that `match` accepts. */
  logged(match: (line: string) => boolean): Promise<string>;
  /** The clock the API reads; tests move it with `clock.now = ...`. */
  clock: { now: number };
  /** The Express app: the read API at /api/v1, then the /api fallback. */
  app: express.Express;
  /** Issues a key straight through the store and waits until the API's directory has it. */
  issueKey(role: 'admin' | 'read', propertyIds?: string[], name?: string): Promise<{ key: string; id: string }>;
  createProperty(propertyId: string, settings?: Record<string, unknown>): Promise<PropertySettings>;
  close(): Promise<void>;
}

export interface TestApiOptions {
  /** Everything else of ReadApiDeps (projections, publicUrl, ...). */
  deps?: Partial<Omit<ReadApiDeps, 'config' | 'logger' | 'eventStore' | 'readStore' | 'keys' | 'properties'>>;
  env?: Record<string, string>;
  /** Runs on the fresh stores before the API starts (e.g. to start projections) and adds to its deps. */
  setup?(stores: { eventStore: EmbeddedEventStore; readStore: EmbeddedReadStore; logger: Logger }): Promise<Partial<ReadApiDeps>>;
}

function captureLogger(lines: string[], listeners: Set<(line: string) => void>): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        lines.push(line);
        for (const listener of listeners) listener(line);
      }
      done();
    },
  });
  return pino({ level: 'debug', redact: { paths: ['authorization', 'headers.authorization', '*.apiKey'], censor: '***' } }, sink);
}

export async function startTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  const dir = tempDir();
  const config = loadConfig({ WEBALYTIC_DATA_DIR: dir, ...options.env });
  const logs: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const logger = captureLogger(logs, listeners);
  const eventStore = openEmbeddedEventStore({ file: join(dir, 'events.sqlite'), logger });
  const readStore = openEmbeddedReadStore(join(dir, 'read.sqlite'));
  const keys = openApiKeyDirectory({ store: eventStore, logger });
  const properties = openPropertyDirectory({ store: eventStore, logger });
  await Promise.all([keys.ready, properties.ready]);
  const extra = options.setup ? await options.setup({ eventStore, readStore, logger }) : {};
  const clock = { now: NOW };
  const shutdown = new AbortController();
  const app = express();
  app.disable('x-powered-by');
  app.use(
    '/api/v1',
    createReadApi({
      config,
      logger,
      eventStore,
      readStore,
      keys,
      properties,
      now: () => clock.now,
      adminApiKey: BOOTSTRAP_KEY,
      validateResponses: true,
      signal: shutdown.signal,
      ...options.deps,
      ...extra,
    }),
  );
  app.use('/api', ...apiFallback(logger));
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    dir,
    config,
    eventStore,
    readStore,
    keys,
    properties,
    logs,
    logged(match) {
      const found = logs.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve) => {
        const listener = (line: string): void => {
          if (!match(line)) return;
          listeners.delete(listener);
          resolve(line);
        };
        listeners.add(listener);
      });
    },
    clock,
    app,
    async issueKey(role, propertyIds = [], name) {
      const issued = await issueApiKey(eventStore, { role, propertyIds, ...(name ? { name } : {}) }, clock.now);
      await keys.reached(issued.position);
      return { key: issued.key, id: issued.issued.keyId };
    },
    async createProperty(propertyId, settings = {}) {
      const created = await runPropertyCommand(eventStore, {
        type: 'CreateProperty',
        data: { propertyId, name: `Site ${propertyId}`, defaultUrl: 'https://www.example.com/', ...settings },
        metadata: { now: clock.now },
      } as PropertyCommand);
      // As the API's own writes do: answer once its directory has the property.
      if (created.position !== undefined) await properties.reached(created.position);
      return created.settings;
    },
    async close() {
      shutdown.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await keys.close();
      await properties.close();
      await eventStore.close();
      await readStore.close();
    },
  };
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
}

/** One HTTP request; `key` goes in `Authorization: Bearer`, `body` is sent as JSON (a string as it is). */
export async function call(
  api: Pick<TestApi, 'url'>,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<TestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers['authorization'] = `Bearer ${options.key}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${api.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** The fields of a problem document, for assertions. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  field?: string;
  in?: string;
  issues?: { field: string; rule: string }[];
}

/** Asserts the answer is a problem document with `status` and returns it. */
export function problemOf(response: TestResponse, status: number): Problem {
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${response.text}`);
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('application/problem+json')) throw new Error(`expected application/problem+json, got ${type}`);
  const problem = response.json as Problem;
  for (const field of ['type', 'title', 'detail'] as const) {
    if (typeof problem[field] !== 'string' || problem[field] === '') throw new Error(`problem document without ${field}: ${response.text}`);
  }
  if (problem.status !== status) throw new Error(`problem status ${problem.status} is not the HTTP status ${status}`);
  return problem;
}

