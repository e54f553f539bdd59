import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../../platform/logger.ts';
import type { ImportReport } from '../importer.ts';
import { createImportRoute, IMPORT_PATH, type ImportRouteDeps } from '../route.ts';
import { clientHits, line, ndjson, NOW, setUp, type Setup } from './helpers.ts';

const KEY = 'test-admin-key-0123456789abcdef';
const DAY = 24 * 60 * 60 * 1000;

interface Running {
  url: string;
  setup: Setup;
  stop(): Promise<void>;
}

async function serve(options: Partial<Omit<ImportRouteDeps, 'importer' | 'logger'>> = {}): Promise<Running> {
  const setup = await setUp();
  const route = createImportRoute({ importer: setup.pipeline.importer, logger: silentLogger(), adminApiKey: KEY, ...options });
  const server: Server = createServer((req, res) => {
    if ((req.url ?? '').split('?')[0] === IMPORT_PATH) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${IMPORT_PATH}`,
    setup,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await setup.close();
    },
  };
}

const body = ndjson([line('10.1', NOW - DAY, { dp: '/x' }), line('10.1', NOW - DAY + 60_000, { dp: '/y' }), '{broken']);

const send = (url: string, payload: string | ReadableStream<Uint8Array>, key: string | null = KEY): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    body: payload,
    headers: { 'content-type': 'application/x-ndjson', ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
    ...(typeof payload === 'string' ? {} : { duplex: 'half' }),
  } as RequestInit);

test('no ADMIN_API_KEY configured: 503 with a clear JSON error, nothing recorded', async () => {
  const running = await serve({ adminApiKey: undefined });
  const response = await send(running.url, body);
  assert.is(response.status, 503);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  assert.match(((await response.json()) as { error: string }).error, /ADMIN_API_KEY/);
  assert.is((await clientHits(running.setup.store)).length, 0);
  await running.stop();
});

test('missing or wrong key: 401; nothing recorded', async () => {
  const running = await serve();
  const missing = await send(running.url, body, null);
  assert.is(missing.status, 401);
  assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);
  assert.match(((await missing.json()) as { error: string }).error, /Authorization: Bearer/);
  const wrong = await send(running.url, body, `${KEY}x`);
  assert.is(wrong.status, 401);
  assert.equal(await wrong.json(), { error: 'wrong admin API key' });
  const prefix = await send(running.url, body, KEY.slice(0, 10));
  assert.is(prefix.status, 401);
  assert.is((await clientHits(running.setup.store)).length, 0);
  await running.stop();
});

test('the right key: 200 with the report; the hits are durable when it answers; a re-run adds nothing', async () => {
  const running = await serve();
  const response = await send(running.url, body);
  assert.is(response.status, 200);
  const report = (await response.json()) as ImportReport;
  assert.equal(report.totals, { lines: 3, valid: 2, invalid: 1, recorded: 2, discarded: 0, duplicates: 0, late: 0 });
  assert.equal(report.errors.map((e) => e.line), [3]);
  assert.equal((await clientHits(running.setup.store)).map((hit) => hit.dp), ['/x', '/y']);
  const again = (await (await send(running.url, body)).json()) as ImportReport;
  assert.equal([again.totals.recorded, again.totals.duplicates], [0, 2]);
  assert.is((await clientHits(running.setup.store)).length, 2);
  await running.stop();
});

test('?dryRun=1 validates without recording', async () => {
  const running = await serve();
  const report = (await (await send(`${running.url}?dryRun=1`, body)).json()) as ImportReport;
  assert.ok(report.dryRun);
  assert.equal([report.totals.valid, report.totals.invalid, report.totals.recorded], [2, 1, 0]);
  assert.is((await clientHits(running.setup.store)).length, 0);
  await running.stop();
});

test('oversized: 413 by Content-Length, by streamed bytes and by line count, before anything is recorded', async () => {
  const running = await serve({ maxBodyBytes: 2000, maxLines: 5 });
  const big = ndjson(Array.from({ length: 12 }, (_, i) => line('11.1', NOW - DAY + i * 1000, { dp: `/p${i}` })));
  assert.ok(Buffer.byteLength(big) > 2000);
  const declared = await send(running.url, big);
  assert.is(declared.status, 413);
  assert.match(((await declared.json()) as { error: string }).error, /at most 2000 bytes/);

  const encoder = new TextEncoder();
  const chunks = [big.slice(0, 1000), big.slice(1000, 2000), big.slice(2000)];
  const streamed = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(encoder.encode(next));
    },
  });
  const chunked = await send(running.url, streamed);
  assert.is(chunked.status, 413);

  const sixLines = ndjson(Array.from({ length: 6 }, (_, i) => JSON.stringify({ t: i })));
  assert.ok(Buffer.byteLength(sixLines) < 2000);
  const tooManyLines = await send(running.url, sixLines);
  assert.is(tooManyLines.status, 413);
  assert.is((await clientHits(running.setup.store)).length, 0);

  const fits = await send(running.url, ndjson([line('11.2', NOW - DAY)]));
  assert.is(fits.status, 200, 'the server still serves after refusing');
  await running.stop();
});

test('GET is refused with 405', async () => {
  const running = await serve();
  const response = await fetch(running.url, { headers: { authorization: `Bearer ${KEY}` } });
  assert.is(response.status, 405);
  assert.is(response.headers.get('allow'), 'POST');
  await running.stop();
});

test.run();
