// The composable services in one process (startServices / startSystem): health and
// readiness per service, Prometheus metrics read from the parts' own counters, and the
// graceful drain (in-flight requests finish, new connections are refused, live streams end).
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../config.ts';
import { silentLogger } from '../logger.ts';
import { positionNumber } from '../metrics.ts';
import { startServices, startSystem } from '../system.ts';
import { createCountProjection } from '../../projections/test/count-projection.ts';
import { EMBEDDED_READ_MODELS_FILE } from '../../storage/readstore/open.ts';
import { BROWSER_UA, createPropertyIn, PROPERTY, tempDir, within } from './child.ts';

const ADMIN_KEY = 'admin-key-for-the-services-test-0123456789';
const ADMIN = { authorization: `Bearer ${ADMIN_KEY}` };
const configFor = (dataDir: string, extra: Record<string, string> = {}) =>
  loadConfig({ WEBALYTIC_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', COLLECT_RATE_LIMIT_PER_MINUTE: '0', ADMIN_API_KEY: ADMIN_KEY, RETENTION_INTERVAL_MINUTES: '0', ...extra });

const hit = (path: string) =>
  new URLSearchParams({ v: '1', tid: PROPERTY, cid: 'metrics-visitor', t: 'pageview', dp: path, dh: 'shop.example', z: randomUUID() }).toString();

/** The value of one sample line of the Prometheus text, found by name and every given label. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length, line.lastIndexOf(' '));
    if (Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

const test = suite('services');

test('startSystem: /healthz, /readyz with every check, /metrics from the collector, projections and read API', async () => {
  const dataDir = tempDir();
  await createPropertyIn(dataDir);
  const system = await startSystem(configFor(dataDir), silentLogger(), { projections: [createCountProjection()] });
  try {
    assert.equal(await (await fetch(`${system.url}/healthz`)).json(), { status: 'ok' });
    const ready = await fetch(`${system.url}/readyz`);
    assert.is(ready.status, 200);
    const readiness = (await ready.json()) as { status: string; service: string; eventStore: string; readStore: string; checks: Record<string, { ok: boolean }> };
    assert.equal([readiness.status, readiness.service, readiness.eventStore, readiness.readStore], ['ready', 'all', 'embedded', 'embedded']);
    assert.equal(Object.keys(readiness.checks).sort(), ['eventStore', 'projections', 'readStore']);

    const collected = await fetch(`${system.url}/collect`, { method: 'POST', body: hit('/first'), headers: { 'user-agent': BROWSER_UA } });
    assert.is(collected.status, 204);
    const appended = await system.eventStore.append('test-metrics', [{ id: randomUUID(), type: 'Counted', data: { n: 2 } }]);
    await within(system.projections.waitForPosition(appended.position), 'the test projection to commit');
    assert.is((await fetch(`${system.url}/api/v1/properties`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status, 200);
    assert.is((await fetch(`${system.url}/api/v1/no-such-endpoint?token=secret-value`)).status, 404);

    // /metrics: an admin key only.
    assert.is((await fetch(`${system.url}/metrics`)).status, 401);
    const readKey = await fetch(`${system.url}/api/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'read', propertyIds: [PROPERTY] }),
    });
    const { key } = (await readKey.json()) as { key: string };
    const asReader = await fetch(`${system.url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
    assert.is(asReader.status, 403);
    assert.match(((await asReader.json()) as { detail: string }).detail, /admin key/);
    const response = await fetch(`${system.url}/metrics`, { headers: ADMIN });
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await response.text();
    const all = { service: 'all' };
    assert.is(sample(text, 'webalytic_collector_requests_total', all), 1);
    assert.is(sample(text, 'webalytic_collector_hits_total', { ...all, outcome: 'recorded' }), 1);
    assert.is(sample(text, 'webalytic_collector_hits_total', { outcome: 'dropped' }), 0);
    assert.is(sample(text, 'webalytic_collector_requests_rejected_total', { reason: 'rate_limited' }), 0);
    assert.is(sample(text, 'webalytic_collector_append_conflicts_total'), 0);
    assert.is(sample(text, 'webalytic_eventstore_append_duration_seconds_count', { result: 'ok' }), 1);
    assert.ok((sample(text, 'webalytic_eventstore_transactions_total') ?? 0) >= 2, 'the hit and the test event');
    const live = { projection: 'test-counts', version: '1', role: 'live' };
    assert.is(sample(text, 'webalytic_projection_position', live), positionNumber(appended.position));
    assert.is(sample(text, 'webalytic_projection_state', { ...live, state: 'live' }), 1);
    assert.is(sample(text, 'webalytic_projection_state', { ...live, state: 'failed' }), 0);
    assert.is(sample(text, 'webalytic_projection_events_behind', live), 0);
    assert.ok(sample(text, 'webalytic_projection_last_batch_duration_seconds', live) !== undefined);
    assert.is(sample(text, 'webalytic_api_request_duration_seconds_count', { method: 'GET', route: '/api/v1/properties', status: '2xx' }), 1);
    assert.is(sample(text, 'webalytic_api_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status: '4xx' }), 1);
    assert.ok(sample(text, 'process_cpu_user_seconds_total', all) !== undefined, 'the default process metrics');
    // Route templates, never URLs: no ids, no tokens, no keys.
    assert.not.ok(text.includes('secret-value'));
    assert.not.ok(text.includes(ADMIN_KEY));
    assert.not.ok(text.includes('no-such-endpoint'));
  } finally {
    await system.stop();
  }
});

test('a failed projection makes /readyz answer 503 naming it; /healthz stays 200', async () => {
  const system = await startSystem(configFor(tempDir()), silentLogger(), { projections: [createCountProjection()] });
  try {
    await system.eventStore.append('test-poisoned', [{ id: randomUUID(), type: 'Poison', data: {} }]);
    const running = await system.projections.status();
    assert.is(running.length, 1);
    await within(
      (async () => {
        // The runner stops on the poison event; its status settles as failed.
        for (;;) {
          const [status] = await system.projections.status();
          if (status?.state === 'failed') return;
          await new Promise((resolve) => setImmediate(resolve));
        }
      })(),
      'the projection to fail',
    );
    const ready = await fetch(`${system.url}/readyz`);
    assert.is(ready.status, 503);
    const body = (await ready.json()) as { status: string; checks: { projections: { ok: boolean; error: string }; eventStore: { ok: boolean } } };
    assert.is(body.status, 'unavailable');
    assert.is(body.checks.projections.ok, false);
    assert.match(body.checks.projections.error, /test-counts v1/);
    assert.is(body.checks.eventStore.ok, true);
    assert.is((await fetch(`${system.url}/healthz`)).status, 200);
  } finally {
    await system.stop();
  }
});

test('a collector alone: no read store opened, readiness on the event store only, no read API', async () => {
  const dataDir = tempDir();
  await createPropertyIn(dataDir);
  const running = await startServices(configFor(dataDir), silentLogger(), { services: ['collector'] });
  try {
    assert.is(running.readStore, undefined);
    assert.not.ok(existsSync(join(dataDir, EMBEDDED_READ_MODELS_FILE)), 'the read store file was never created');
    const readiness = (await (await fetch(`${running.url}/readyz`)).json()) as { service: string; checks: Record<string, unknown> };
    assert.is(readiness.service, 'collector');
    assert.equal(Object.keys(readiness.checks), ['eventStore']);
    assert.is((await fetch(`${running.url}/collect`, { method: 'POST', body: hit('/alone'), headers: { 'user-agent': BROWSER_UA } })).status, 204);
    const api = await fetch(`${running.url}/api/v1/properties`);
    assert.is(api.status, 404);
    assert.equal(await api.json(), { error: 'not found' });
    assert.is((await fetch(`${running.url}/metrics`)).status, 401, 'a collector-only process asks for the key too');
    assert.is(sample(await (await fetch(`${running.url}/metrics`, { headers: ADMIN })).text(), 'webalytic_collector_hits_total', { service: 'collector', outcome: 'recorded' }), 1);
  } finally {
    await running.stop();
  }
});

/** A raw HTTP request whose body is sent in two parts, so the test decides when it completes. */
function partialPost(url: string, path: string, body: string): { socket: Socket; finish: () => void; response: Promise<string> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const half = Math.floor(body.length / 2);
  socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nUser-Agent: ${BROWSER_UA}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`);
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  const response = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  return { socket, finish: () => socket.write(body.slice(half)), response };
}

test('drain: new connections are refused, the hit in flight is answered and stored, live streams end', async () => {
  const dataDir = tempDir();
  await createPropertyIn(dataDir);
  const system = await startSystem(configFor(dataDir), silentLogger());
  const inFlight = partialPost(system.url, '/collect', hit('/in-flight'));
  // An open live event stream must not hold the shutdown up.
  const stream = await fetch(`${system.url}/api/v1/events/stream`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  assert.is(stream.status, 200);
  const streamEnded = stream.text();
  // The request is in the collector's hands once its headers are parsed: wait for that.
  await within(
    (async () => {
      while (system.collector.stats().inFlight === 0) await new Promise((resolve) => setImmediate(resolve));
    })(),
    'the request to be in flight',
  );

  const stopping = system.stop();
  await within(streamEnded, 'the live stream to end');
  const refused = await fetch(`${system.url}/healthz`).then(
    () => 'answered',
    (error: unknown) => String((error as { cause?: { code?: string } }).cause?.code ?? error),
  );
  assert.is(refused, 'ECONNREFUSED');
  inFlight.finish();
  const raw = await within(inFlight.response, 'the answer to the hit in flight');
  assert.match(raw, /^HTTP\/1\.1 204 /);
  assert.match(raw.toLowerCase(), /\r\nconnection: close\r\n/);
  const report = await within(stopping, 'the shutdown');
  assert.equal([report.completed, report.abandoned], [true, 0]);

  const { openEmbeddedEventStore } = await import('../../storage/eventstore/embedded.ts');
  const store = openEmbeddedEventStore({ file: join(dataDir, 'events.sqlite') });
  try {
    const paths: string[] = [];
    for await (const event of store.readAll({ filter: { streamPrefixes: ['client-'] } })) paths.push(String((event.data as { hit: { page: { path: string } } }).hit.page.path));
    assert.equal(paths, ['/in-flight']);
  } finally {
    await store.close();
  }
});

test('drain deadline: a request that never completes is cut off after SHUTDOWN_TIMEOUT_MS, nothing acknowledged', async () => {
  const dataDir = tempDir();
  await createPropertyIn(dataDir);
  const system = await startSystem(configFor(dataDir, { SHUTDOWN_TIMEOUT_MS: '100' }), silentLogger());
  const stuck = partialPost(system.url, '/collect', hit('/never-finished'));
  await within(
    (async () => {
      while (system.collector.stats().inFlight === 0) await new Promise((resolve) => setImmediate(resolve));
    })(),
    'the request to be in flight',
  );
  const report = await within(system.stop(), 'the shutdown');
  assert.equal([report.completed, report.abandoned], [false, 1]);
  assert.is(await within(stuck.response, 'the connection to close'), '', 'no answer at all: never a false acknowledgement');
});

test('retention: set over the read API, seen by the projections service\'s retention job', async () => {
  const dataDir = tempDir();
  await createPropertyIn(dataDir);
  const running = await startServices(configFor(dataDir), silentLogger());
  try {
    const patched = await fetch(`${running.url}/api/v1/properties/${PROPERTY}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ retentionDays: 30 }),
    });
    assert.is(patched.status, 200);
    assert.is(((await patched.json()) as { retentionDays?: number }).retentionDays, 30);
    const refused = await fetch(`${running.url}/api/v1/properties/${PROPERTY}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ retentionDays: -1 }),
    });
    assert.is(refused.status, 400);
    assert.match(await refused.text(), /retentionDays/);
    // Nothing is 30 days old in a fresh log: the job knows the property and deletes nothing.
    assert.equal(await running.projections!.retention.runOnce(), { mode: 'truncate', properties: 1, deleted: 0, streamsUpdated: 0 });
  } finally {
    await running.stop();
  }
});

test.run();
