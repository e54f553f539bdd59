// Makes sure ui/dist holds a build of the current sources (the browser tests and the
// screenshots serve it); builds with the Vite CLI only when a source is newer.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const UI_DIR = fileURLToPath(new URL('..', import.meta.url));
export const DIST_DIR = join(UI_DIR, 'dist');

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

export function isBuildFresh(dir: string = DIST_DIR): boolean {
  try {
    return statSync(join(dir, 'index.html')).mtimeMs > newestSourceTime();
  } catch {
    return false;
  }
}

export function ensureUiBuilt(): void {
  if (isBuildFresh()) return;
  const vite = join(UI_DIR, '..', 'node_modules', 'vite', 'bin', 'vite.js');
  execFileSync(process.execPath, [vite, 'build', '--config', join(UI_DIR, 'vite.config.ts'), '--logLevel', 'error'], { stdio: ['ignore', 'ignore', 'inherit'] });
}
