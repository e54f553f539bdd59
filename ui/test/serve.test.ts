// uiMiddleware over real HTTP: the built files with their cache headers, the page
// fallback, the API left alone, and a clear 503 when the dashboard is not built.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { uiMiddleware } from '../serve.ts';

const root = mkdtempSync(join(tmpdir(), 'webalytic-ui-serve-'));
const built = join(root, 'dist');
const missing = join(root, 'nothing-here');
mkdirSync(join(built, 'assets'), { recursive: true });
writeFileSync(join(built, 'index.html'), '<!doctype html><title>dash</title><script type="module" src="/assets/app-abc123.js"></script>');
writeFileSync(join(built, 'assets', 'app-abc123.js'), 'console.log("app")');
writeFileSync(join(root, 'secret.txt'), 'do not serve');

let server: Server;
let base = '';

function start(dir: string): Promise<void> {
  const app = express();
  app.use(uiMiddleware({ dir }));
  app.get('/api/v1/ping', (_req, res) => {
    res.json({ pong: true });
  });
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  server = createServer(app);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

const stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
const html = { accept: 'text/html,application/xhtml+xml' };

test.after(() => rmSync(root, { recursive: true, force: true }));

test('serves index.html at / with no-cache and a strict CSP, assets as immutable', async () => {
  await start(built);
  try {
    const page = await fetch(`${base}/`, { headers: html });
    assert.is(page.status, 200);
    assert.ok((await page.text()).includes('<title>dash</title>'));
    assert.is(page.headers.get('cache-control'), 'no-cache');
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.ok(csp.includes("script-src 'self'"), csp);
    assert.not.ok(csp.includes("script-src 'self' 'unsafe-inline'"));
    assert.is(page.headers.get('x-content-type-options'), 'nosniff');

    const asset = await fetch(`${base}/assets/app-abc123.js`);
    assert.is(asset.status, 200);
    assert.is(await asset.text(), 'console.log("app")');
    assert.ok(asset.headers.get('cache-control')?.includes('immutable'));
    assert.ok(asset.headers.get('content-type')?.includes('javascript'));
  } finally {
    await stop();
  }
});

test('pages fall back to index.html; files, the API and other methods pass through', async () => {
  await start(built);
  try {
    const deep = await fetch(`${base}/overview`, { headers: html });
    assert.is(deep.status, 200);
    assert.ok((await deep.text()).includes('<title>dash</title>'));

    const api = await fetch(`${base}/api/v1/ping`, { headers: html });
    assert.equal(await api.json(), { pong: true });
    const apiMissing = await fetch(`${base}/api/v1/nope`, { headers: html });
    assert.is(apiMissing.status, 404);
    assert.equal(await apiMissing.json(), { error: 'not found' });

    const missingAsset = await fetch(`${base}/assets/gone-123.js`);
    assert.is(missingAsset.status, 404);
    const jsonClient = await fetch(`${base}/overview`, { headers: { accept: 'application/json' } });
    assert.is(jsonClient.status, 404);
    const post = await fetch(`${base}/`, { method: 'POST', headers: html });
    assert.is(post.status, 404);

    const traversal = await fetch(`${base}/assets/..%2f..%2fsecret.txt`);
    assert.is(traversal.status, 404);
    assert.not.ok((await traversal.text()).includes('do not serve'));
  } finally {
    await stop();
  }
});

test('without a build, pages answer 503 saying how to build; the API still works', async () => {
  await start(missing);
  try {
    const page = await fetch(`${base}/`, { headers: html });
    assert.is(page.status, 503);
    assert.ok((await page.text()).includes('npm run build:ui'));
    assert.is(page.headers.get('cache-control'), 'no-store');
    const api = await fetch(`${base}/api/v1/ping`);
    assert.equal(await api.json(), { pong: true });
  } finally {
    await stop();
  }
});

test.run();
