// Helpers every test suite uses: a condition that fails instead of hanging, and fresh
// temp directories that go away when the test process ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Fails after `ms` instead of hanging; the wait itself is on a condition, never a sleep. */
export async function within<T>(promise: Promise<T>, what: string, ms = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A maker of fresh directories under one temp root named `prefix…`, removed at exit. */
export function tempDirs(prefix: string): () => string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  return () => mkdtempSync(join(root, 'case-'));
}
