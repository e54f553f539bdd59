// Shared by the projection tests: temp stores, event fixtures, child processes, and a
// within that fails a wait which never comes instead of hanging the suite.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openEmbeddedEventStore, type EmbeddedEventStore } from '../../storage/eventstore/embedded.ts';
import type { EventToAppend, Position } from '../../storage/eventstore/port.ts';
import { openEmbeddedReadStore } from '../../storage/readstore/embedded.ts';
import type { EmbeddedReadStore } from '../../storage/readstore/port.ts';
import { tempDirs, within } from '../../platform/test-support.ts';

export { within };

export const here = dirname(fileURLToPath(import.meta.url));

export const EVENTS_FILE = 'events.sqlite';
export const READ_MODELS_FILE = 'readmodels.sqlite';

/** A fresh data directory (events.sqlite + readmodels.sqlite, like WEBALYTIC_DATA_DIR). */
export const tempDir = tempDirs('webalytic-projections-');

export interface Stores {
  dir: string;
  eventStore: EmbeddedEventStore;
  readStore: EmbeddedReadStore;
  /** Another connection to the same read models file (as a second process would have). */
  openReadStore(): EmbeddedReadStore;
  close(): Promise<void>;
}

export function openStores(dir = tempDir()): Stores {
  const eventStore = openEmbeddedEventStore({ file: join(dir, EVENTS_FILE), synchronous: 'normal', crossProcessPollMs: 20 });
  const readStore = openEmbeddedReadStore(join(dir, READ_MODELS_FILE));
  const extra: EmbeddedReadStore[] = [];
  return {
    dir,
    eventStore,
    readStore,
    openReadStore() {
      const store = openEmbeddedReadStore(join(dir, READ_MODELS_FILE));
      extra.push(store);
      return store;
    },
    async close() {
      for (const store of extra) await store.close();
      await readStore.close();
      await eventStore.close();
    },
  };
}

const TYPES = ['Viewed', 'Clicked', 'Bought'];

/**
 * Appends `count` test events spread over `streams` streams (several events per append),
 * each with a varying `n`, and returns the last position.
 */
export async function appendTestEvents(store: EmbeddedEventStore, count: number, options: { streams?: number; perAppend?: number; seed?: number } = {}): Promise<Position> {
  const streams = options.streams ?? 20;
  const perAppend = options.perAppend ?? 10;
  const seed = options.seed ?? 1;
  let last: Position | undefined;
  const appends: Promise<{ position: Position }>[] = [];
  for (let i = 0; i < count; i += perAppend) {
    const events: EventToAppend[] = [];
    for (let j = i; j < Math.min(count, i + perAppend); j++) {
      events.push({ id: randomUUID(), type: TYPES[(j * 7 + seed) % TYPES.length]!, data: { n: ((j * 13 + seed) % 17) + 1 } });
    }
    appends.push(store.append(`test-${(i / perAppend + seed) % streams}`, events));
  }
  for (const result of await Promise.all(appends)) if (last === undefined || result.position > last) last = result.position;
  if (last === undefined) throw new Error('appendTestEvents: nothing appended');
  return last;
}

export type ChildLine = { type: string; [key: string]: unknown };

export interface Child {
  process: ChildProcess;
  /** Resolves with the first line (seen or to come) that matches. */
  line(predicate: (line: ChildLine) => boolean, what: string): Promise<ChildLine>;
  /** Resolves with how it ended. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Runs crash-child.ts on a data dir with the given environment; its stdout is JSON lines. */
export function spawnChild(dir: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'crash-child.ts'), dir], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const seen: ChildLine[] = [];
  const waiting = new Set<(line: ChildLine) => void>();
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let parsed: ChildLine;
    try {
      parsed = JSON.parse(text) as ChildLine;
    } catch {
      return;
    }
    seen.push(parsed);
    for (const wake of [...waiting]) wake(parsed);
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return {
    process: child,
    exit,
    line(predicate, what) {
      const found = seen.find(predicate);
      if (found) return Promise.resolve(found);
      return within(
        new Promise<ChildLine>((resolve, reject) => {
          const wake = (line: ChildLine): void => {
            if (!predicate(line)) return;
            waiting.delete(wake);
            resolve(line);
          };
          waiting.add(wake);
          void exit.then((ended) => {
            if (waiting.delete(wake)) reject(new Error(`child ended (${ended.code ?? ended.signal}) before ${what}: ${ended.stderr.slice(-2000)}`));
          });
        }),
        what,
      );
    },
  };
}
