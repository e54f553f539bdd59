// Test helper (not a test itself): runs embedded-kill-child.ts, which appends without
// pause, and kills it with SIGKILL mid-stream once 3,000 appends were acknowledged.
// The tests then check that every acknowledged append is in the file.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The ids of the appends the child saw acknowledged before it was killed. */
export async function killWriterMidStream(file: string, writer?: 'auto' | 'thread' | 'inline'): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'embedded-kill-child.ts'), file, ...(writer ? [writer] : [])], {
    cwd: join(here, '..', '..'),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const acknowledged: string[] = [];
  let partial = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the writer exited early (code ${code})`)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      acknowledged.push(...lines);
      if (acknowledged.length >= 3000 && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL'); // mid-stream: more appends are in flight
        resolve();
      }
    });
  });
  const signal = await exited;
  if (signal !== 'SIGKILL') throw new Error(`the writer ended by ${signal ?? 'exit'}, not SIGKILL`);
  return acknowledged;
}
