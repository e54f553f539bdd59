// startSystem: the collector and the Express app on one port, over a fresh data dir.
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../platform/config.ts';
import { silentLogger } from '../../platform/logger.ts';
import { COOKIELESS_SALT_FILE, startSystem } from '../../platform/system.ts';
import { openEmbeddedEventStore } from '../../storage/eventstore/embedded.ts';
import { EMBEDDED_EVENTS_FILE } from '../../storage/eventstore/open.ts';
import { GeoDatabaseError } from '../geo.ts';
import { pageview, post } from './harness.ts';
import { createProperty, GEOIP_BROKEN_DB, GEOIP_TEST_DB, readStream, tempDir, within } from './support.ts';

const configFor = (dataDir: string, extra: Record<string, string> = {}) =>
  loadConfig({ WEBALYTIC_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', GEOIP_DB: GEOIP_TEST_DB, ...extra });

test('one port: /collect records, /healthz and /readyz answer, /wa.js is the SDK, anything else is a JSON 404', async () => {
  const dataDir = tempDir();
  const setup = openEmbeddedEventStore({ file: join(dataDir, EMBEDDED_EVENTS_FILE) });
  await createProperty(setup, 'UA-3333-1');
  await setup.close();

  const system = await startSystem(configFor(dataDir), silentLogger());
  try {
    assert.is((await post(`${system.url}/collect`, pageview({ cid: 'sys', uip: '89.160.20.112' }, 'UA-3333-1'))).status, 204);
    const [event] = await readStream(system.eventStore, 'client-UA-3333-1.c.sys');
    assert.is(event?.type, 'PageviewRecorded.v1');
    assert.is((event!.data as { hit: { geo: { city: string } } }).hit.geo.city, 'Linköping');

    assert.equal(await (await fetch(`${system.url}/healthz`)).json(), { status: 'ok' });
    const ready = (await (await fetch(`${system.url}/readyz`)).json()) as { status: string; eventStore: string };
    assert.equal([ready.status, ready.eventStore], ['ready', 'embedded']);

    const missing = await fetch(`${system.url}/nothing/here`);
    assert.is(missing.status, 404);
    assert.equal(await missing.json(), { error: 'not found' });

    const sdk = await fetch(`${system.url}/wa.js`);
    assert.is(sdk.status, 200);
    assert.match(sdk.headers.get('content-type') ?? '', /javascript/);
    const etag = sdk.headers.get('etag')!;
    assert.ok((await sdk.text()).length > 100);
    assert.is((await fetch(`${system.url}/wa.js`, { headers: { 'if-none-match': etag } })).status, 304);

    // A cookieless hit keeps its salt in the data dir for restarts the same day.
    await post(`${system.url}/collect`, 'v=1&tid=UA-3333-1&_cl=1&t=pageview&dp=%2F');
    assert.ok(existsSync(join(dataDir, COOKIELESS_SALT_FILE)));
  } finally {
    await system.stop();
  }
});

test('slow-loris: a request whose headers never finish is cut off after REQUEST_TIMEOUT_MS', async () => {
  const system = await startSystem(configFor(tempDir(), { REQUEST_TIMEOUT_MS: '1000' }), silentLogger());
  try {
    const { port } = new URL(system.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.write('POST /collect HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n'); // and nothing more
    const started = Date.now();
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    await within(once(socket, 'close'), 'the server to close the connection', 5000);
    assert.ok(Date.now() - started < 4000);
    assert.ok(answer === '' || answer.startsWith('HTTP/1.1 408'), answer);
  } finally {
    await system.stop();
  }
});

test('a corrupt GEOIP_DB stops the start with a clear error, and leaves nothing open', async () => {
  const dataDir = tempDir();
  try {
    await startSystem(configFor(dataDir, { GEOIP_DB: GEOIP_BROKEN_DB }), silentLogger());
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.instance(error, GeoDatabaseError);
  }
  // The store was closed: another process may open the file at once.
  const store = openEmbeddedEventStore({ file: join(dataDir, EMBEDDED_EVENTS_FILE) });
  assert.is(await store.headPosition(), undefined);
  await store.close();
});

test.run();
