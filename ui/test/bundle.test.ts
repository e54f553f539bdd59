// The initial-JavaScript budget of the dashboard: the scripts index.html loads (entry
// and modulepreloads), gzipped, must stay at or under 150 KB. Pages are separate chunks
// loaded on demand and do not count. Uses ui/dist when it is newer than every source
// file, else builds with Vite's JS API into a temp dir.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DIST_DIR, isBuildFresh, UI_DIR } from '../build.ts';

const BUDGET_BYTES = 150 * 1024;
const uiDir = UI_DIR;
const distDir = DIST_DIR;

async function builtDir(): Promise<{ dir: string; cleanup: () => void }> {
  if (isBuildFresh(distDir)) return { dir: distDir, cleanup: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'webalytic-ui-bundle-'));
  const { build } = await import('vite');
  await build({ configFile: join(uiDir, 'vite.config.ts'), logLevel: 'error', build: { outDir: dir, emptyOutDir: true } });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The same-origin scripts a browser fetches before the app runs. */
function initialScripts(indexHtml: string): string[] {
  const urls = new Set<string>();
  for (const tag of indexHtml.match(/<script\b[^>]*>/g) ?? []) {
    const src = /\bsrc="([^"]+)"/.exec(tag)?.[1];
    if (src) urls.add(src);
  }
  for (const tag of indexHtml.match(/<link\b[^>]*>/g) ?? []) {
    if (!/\brel="modulepreload"/.test(tag)) continue;
    const href = /\bhref="([^"]+)"/.exec(tag)?.[1];
    if (href) urls.add(href);
  }
  return [...urls];
}

test('the initial JavaScript is at most 150 KB gzipped', async () => {
  const { dir, cleanup } = await builtDir();
  try {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    const scripts = initialScripts(html);
    assert.ok(scripts.length > 0, 'index.html loads no script');
    let raw = 0;
    let gzipped = 0;
    for (const url of scripts) {
      assert.ok(url.startsWith('/'), `unexpected script URL ${url}`);
      const bytes = readFileSync(join(dir, url.replace(/^\//, '')));
      raw += bytes.length;
      gzipped += gzipSync(bytes, { level: 9 }).length;
    }
    const lazy = readdirSync(join(dir, 'assets')).filter((f) => f.endsWith('.js') && !scripts.some((s) => s.endsWith(f)));
    const lazyGzipped = lazy.reduce((sum, f) => sum + gzipSync(readFileSync(join(dir, 'assets', f)), { level: 9 }).length, 0);
    process.stdout.write(
      `\n  dashboard initial JS: ${(gzipped / 1024).toFixed(1)} KB gzipped (${(raw / 1024).toFixed(1)} KB raw, ${scripts.length} file(s)); ` +
        `budget ${BUDGET_BYTES / 1024} KB; ${lazy.length} lazy chunks ${(lazyGzipped / 1024).toFixed(1)} KB gzipped\n`,
    );
    assert.ok(gzipped <= BUDGET_BYTES, `initial JS is ${gzipped} bytes gzipped, over the ${BUDGET_BYTES} budget`);
  } finally {
    cleanup();
  }
});

test.run();
