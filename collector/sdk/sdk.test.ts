import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gzipSync } from 'node:zlib';
import { buildSdk, loadSdk, gzipSize, SDK_GZIP_BUDGET } from './build.ts';

test('the minified SDK is at most 2 KB gzipped', async () => {
  const code = await buildSdk();
  const size = gzipSync(code).length;
  process.stderr.write(`wa.js: ${code.length} bytes minified, ${size} bytes gzipped (budget ${SDK_GZIP_BUDGET})\n`);
  assert.ok(size <= SDK_GZIP_BUDGET, `${size} bytes gzipped`);
  assert.ok(gzipSize(code) <= size, 'gzipSize uses the best compression');
});

test('the build is minified and a single statement', async () => {
  const code = await buildSdk();
  assert.not.ok(code.includes('\n  '), 'no indentation left');
  assert.not.ok(code.includes('// '), 'no comments left');
  // Parses as a script (throws on a syntax error); not run: it needs a browser.
  assert.type(new Function(code), 'function');
});

test('the SDK never touches web storage (cookieless mode relies on it)', async () => {
  const code = await buildSdk();
  for (const api of ['localStorage', 'sessionStorage', 'indexedDB']) assert.not.ok(code.includes(api), api);
});

test('loadSdk builds once and returns the same code', async () => {
  const first = loadSdk();
  assert.is(loadSdk(), first, 'the same cached promise');
  assert.is(await first, await buildSdk());
});

test.run();
