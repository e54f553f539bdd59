// Test helper for embedded-kill.ts (not a test itself): appends without pause from 32
// concurrent writers and prints each event id once its append is acknowledged, until the
// parent kills the process with SIGKILL. Usage: node --import tsx embedded-kill-child.ts FILE [WRITER]
// (WRITER: the store's `writer` option, default its own default).
import { randomUUID } from 'node:crypto';
import { openEmbeddedEventStore } from './embedded.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: embedded-kill-child.ts FILE [auto|thread|inline]');
const mode = process.argv[3];
if (mode !== undefined && mode !== 'auto' && mode !== 'thread' && mode !== 'inline') throw new Error(`unknown writer ${mode}`);
const store = openEmbeddedEventStore({ file, ...(mode ? { writer: mode } : {}) });
// Never outlive the parent: it holds our stdin open until it kills us.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

for (let writer = 0; writer < 32; writer++) {
  void (async () => {
    for (let revision = 0; revision < 100_000; revision++) {
      const id = randomUUID();
      await store.append(`kill-${writer}`, [{ id, type: 'Acknowledged', data: { writer, revision } }], {
        expectedRevision: revision === 0 ? 'no_stream' : revision - 1,
      });
      process.stdout.write(`${id}\n`);
    }
  })();
}
