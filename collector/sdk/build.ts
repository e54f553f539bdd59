// Builds the browser SDK (wa.js) into the minified script served at /wa.js.
// The collector calls loadSdk() at runtime, so no build step is needed before
// `npm start`; `tsx collector/sdk/build.ts` also writes dist/wa.min.js.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { transform } from 'esbuild';

const sourcePath = fileURLToPath(new URL('./wa.js', import.meta.url));
const distPath = fileURLToPath(new URL('./dist/wa.min.js', import.meta.url));

/** Upper bound of the gzipped SDK, in bytes (product brief: at most 2 KB). */
export const SDK_GZIP_BUDGET = 2048;

/** Minifies collector/sdk/wa.js with esbuild and returns the code. */
export async function buildSdk(): Promise<string> {
  const source = await readFile(sourcePath, 'utf8');
  // The source uses ES2020 (optional chaining, spread): browsers from 2020 on.
  const result = await transform(source, { minify: true, target: 'es2020', legalComments: 'none' });
  return result.code;
}

let cached: Promise<string> | undefined;

/** The minified SDK, built once per process and kept in memory. */
export function loadSdk(): Promise<string> {
  // A failed build is not cached, so the next request retries it.
  cached ??= buildSdk().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

/** Size of the code once gzipped, as a browser would receive it. */
export function gzipSize(code: string): number {
  return gzipSync(code, { level: 9 }).length;
}

/** Writes dist/wa.min.js (optional: for CDNs or inspection) and returns its sizes. */
export async function writeSdk(): Promise<{ path: string; bytes: number; gzipBytes: number }> {
  const code = await buildSdk();
  await mkdir(fileURLToPath(new URL('./dist/', import.meta.url)), { recursive: true });
  await writeFile(distPath, code);
  return { path: distPath, bytes: Buffer.byteLength(code), gzipBytes: gzipSize(code) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { path, bytes, gzipBytes } = await writeSdk();
  process.stdout.write(`${path}: ${bytes} bytes, ${gzipBytes} bytes gzipped (budget ${SDK_GZIP_BUDGET})\n`);
}
