// Test helper for crash.test.ts and lock.test.ts (not a test itself): runs the projection
// runner with the test projection on a data dir and prints JSON lines about what it did.
//   node --import tsx projections/test/crash-child.ts DIR
// Environment:
//   WEBALYTIC_TEST_CRASH     before-commit@N | mid-batch@N | after-commit@N: SIGKILL itself at
//                            that point of the N-th batch (before-commit: every write and the
//                            checkpoint done, COMMIT not; mid-batch: half the batch written)
//   WEBALYTIC_TEST_MODE      until-caught-up (default): stop cleanly once live; serve: run until killed
//   WEBALYTIC_TEST_BATCH     batch size (default 100)
//   WEBALYTIC_TEST_LEASE_MS  lease time to live (default 60000)
//   WEBALYTIC_TEST_CLOCK_OFFSET_MS  added to the clock: a restart "after" the dead holder's lease expired
import { join } from 'node:path';
import { silentLogger } from '../../platform/logger.ts';
import { openEmbeddedEventStore } from '../../storage/eventstore/embedded.ts';
import { openEmbeddedReadStore } from '../../storage/readstore/embedded.ts';
import { startProjection } from '../runner.ts';
import { createCountProjection } from './count-projection.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: crash-child.ts DIR');
const env = process.env;
const crash = /^(before-commit|mid-batch|after-commit)@(\d+)$/.exec(env.WEBALYTIC_TEST_CRASH ?? '');
const crashPoint = crash?.[1];
const crashBatch = Number(crash?.[2] ?? 0);
const mode = env.WEBALYTIC_TEST_MODE ?? 'until-caught-up';
const offset = Number(env.WEBALYTIC_TEST_CLOCK_OFFSET_MS ?? 0);

const print = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

/** Dies at once: the pending SQLite transaction never commits, nothing else runs. */
function die(point: string, batch: number): never {
  print({ type: 'crash', point, batch });
  process.kill(process.pid, 'SIGKILL');
  for (;;) {
    // SIGKILL may land a moment later; make sure no further statement (COMMIT) runs meanwhile.
  }
}

// Never outlive the parent: it holds our stdin open.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

const eventStore = openEmbeddedEventStore({ file: join(dir, 'events.sqlite'), synchronous: 'normal', crossProcessPollMs: 20 });
const readStore = openEmbeddedReadStore(join(dir, 'readmodels.sqlite'));
const projection = createCountProjection({
  hooks: {
    afterEvent(batch, index) {
      if (crashPoint === 'mid-batch' && batch === crashBatch && index === 10) die('mid-batch', batch);
    },
    beforeCommit(batch) {
      if (crashPoint === 'before-commit' && batch === crashBatch) die('before-commit', batch);
    },
  },
});

const runner = startProjection({
  projection,
  eventStore,
  readStore,
  logger: silentLogger(),
  owner: `child-${process.pid}`,
  batchSize: Number(env.WEBALYTIC_TEST_BATCH ?? 100),
  leaseMs: Number(env.WEBALYTIC_TEST_LEASE_MS ?? 60_000),
  now: () => Date.now() + offset,
  onBatch(batch) {
    if (crashPoint === 'after-commit' && batch.index === crashBatch) die('after-commit', batch.index);
    print({ type: 'committed', batch: batch.index, position: batch.position });
  },
});

print({ type: 'started', owner: runner.owner });
const live = await runner.waitFor((status) => status.state === 'live', 'live');
print({ type: 'live', position: live.position ?? null });
if (mode !== 'serve') {
  const final = await runner.stop('caught up');
  print({ type: 'done', position: final.position ?? null, state: final.state });
  await readStore.close();
  await eventStore.close();
  process.exit(0);
}
