// Keeps ui/dist a build of the current sources. `npm run build:ui` always builds;
// `npm start` runs this first with --if-stale (the "prestart" script), so a fresh clone
// serves the dashboard without a separate step, and an up-to-date build costs nothing.
// Without Vite (a production install with --omit=dev) it says so and leaves ui/dist as
// it is: the Docker image builds the dashboard in its own stage.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const UI_DIR = fileURLToPath(new URL('.', import.meta.url));
export const DIST_DIR = join(UI_DIR, 'dist');
const VITE_BIN = join(UI_DIR, '..', 'node_modules', 'vite', 'bin', 'vite.js');

/** The newest modification time among the dashboard's sources. */
export function newestSourceTime(): number {
  let newest = 0;
  const visit = (path: string): void => {
    const stat = statSync(path);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const path of ['src', 'index.html', 'vite.config.ts']) visit(join(UI_DIR, path));
  return newest;
}

/** True when `dir` holds a build newer than every source file. */
export function isBuildFresh(dir: string = DIST_DIR): boolean {
  try {
    return statSync(join(dir, 'index.html')).mtimeMs > newestSourceTime();
  } catch {
    return false;
  }
}

export const viteAvailable = (): boolean => existsSync(VITE_BIN);

/** Builds ui/dist with the Vite CLI (errors on stderr); throws when the build fails. */
export function buildUi(): void {
  execFileSync(process.execPath, [VITE_BIN, 'build', '--config', join(UI_DIR, 'vite.config.ts'), '--logLevel', 'error'], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Builds only when a source is newer than ui/dist. */
export function ensureUiBuilt(): void {
  if (!isBuildFresh()) buildUi();
}

function main(args: string[]): number {
  const ifStale = args.includes('--if-stale');
  if (ifStale && isBuildFresh()) return 0;
  if (!viteAvailable()) {
    process.stderr.write(`dashboard: not built (Vite is not installed: 'npm install' with dev dependencies, then 'npm run build:ui')\n`);
    return ifStale ? 0 : 1;
  }
  const started = performance.now();
  buildUi();
  process.stderr.write(`dashboard: built ui/dist in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
