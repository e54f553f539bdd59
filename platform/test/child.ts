// Test support: `node bin/webalytic.js <command>` as a child process on a temp data dir,
// its JSON log lines parsed as they arrive, so tests wait for what the process says
// (its URL, a projection going live) instead of sleeping. Test code only.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decide, initialState, propertyStreamName } from '../../domain/property/decider.ts';
import type { JsonValue } from '../../storage/eventstore/port.ts';
import { openEmbeddedEventStore } from '../../storage/eventstore/embedded.ts';
import { EMBEDDED_EVENTS_FILE } from '../../storage/eventstore/open.ts';
import { tempDirs, within } from '../test-support.ts';

export { within };

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'webalytic.js');

export const tempDir = tempDirs('webalytic-platform-');

export type LogLine = Record<string, unknown> & { msg?: string };

export interface Child {
  readonly process: ChildProcess;
  readonly lines: LogLine[];
  /** Resolves with the first log line (already seen or to come) matching; rejects if the process exits first. */
  waitFor(predicate: (line: LogLine) => boolean, what: string, ms?: number): Promise<LogLine>;
  /** The server's URL, from its 'webalytic is running' line. */
  url(): Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills it (SIGKILL) if still running: for `finally` blocks. */
  dispose(): Promise<void>;
}

export function startChild(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const listeners = new Set<(line: LogLine) => void>();
  let partial = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) {
      if (!text.startsWith('{')) continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        continue;
      }
      lines.push(line);
      for (const listener of [...listeners]) listener(line);
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

  function waitFor(predicate: (line: LogLine) => boolean, what: string, ms = 20_000): Promise<LogLine> {
    const seen = lines.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const done = (): void => {
        listeners.delete(listener);
        clearTimeout(timer);
      };
      const listener = (line: LogLine): void => {
        if (!predicate(line)) return;
        done();
        resolve(line);
      };
      // A guard against a hang, not a wait: the line normally comes long before.
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}; stderr: ${stderr}`));
      }, ms);
      listeners.add(listener);
      void exited.then(({ code, signal }) => {
        if (!listeners.has(listener)) return;
        done();
        reject(new Error(`webalytic ${args.join(' ')} exited (${code ?? signal}) before ${what}; stderr: ${stderr}`));
      });
    });
  }

  return {
    process: child,
    lines,
    waitFor,
    async url() {
      const line = await waitFor((l) => l.msg === 'webalytic is running', 'the server to start');
      return String(line.url);
    },
    exited,
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

export const PROPERTY = 'UA-4242-1';
export const BROWSER_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** Creates a property in the data dir's embedded event store, as `webalytic property create` would. */
export async function createPropertyIn(dataDir: string, propertyId = PROPERTY, settings: Record<string, unknown> = {}): Promise<void> {
  const store = openEmbeddedEventStore({ file: join(dataDir, EMBEDDED_EVENTS_FILE) });
  try {
    const events = decide(
      { type: 'CreateProperty', data: { propertyId, name: 'Shutdown test', defaultUrl: 'https://shop.example/', ...settings }, metadata: { now: Date.now() } },
      initialState(),
    );
    await store.append(
      propertyStreamName(propertyId),
      events.map((event) => ({ id: randomUUID(), type: event.type, data: event.data as unknown as JsonValue })),
      { expectedRevision: 'no_stream' },
    );
  } finally {
    await store.close();
  }
}

