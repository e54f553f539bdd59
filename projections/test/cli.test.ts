// `webalytic projections status|replay` run in-process against a temp data dir.
import { PassThrough } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createProjectionsCommand } from '../../cli/commands/projections.ts';
import { UsageError, type CommandContext } from '../../cli/command.ts';
import { loadConfig } from '../../platform/config.ts';
import { silentLogger } from '../../platform/logger.ts';
import { openEmbeddedEventStore } from '../../storage/eventstore/embedded.ts';
import { openEmbeddedReadStore } from '../../storage/readstore/embedded.ts';
import { registryFor } from '../registry.ts';
import { countsFromLog, createCountProjection, readCounts } from './count-projection.ts';
import { appendTestEvents, EVENTS_FILE, READ_MODELS_FILE, tempDir } from './helpers.ts';
import { join } from 'node:path';

const test = suite('webalytic projections');

function context(dir: string): { context: CommandContext; lines: string[] } {
  const lines: string[] = [];
  return { lines, context: { config: loadConfig({ WEBALYTIC_DATA_DIR: dir, LOG_LEVEL: 'silent' }), logger: silentLogger(), out: (line) => lines.push(line) } };
}

async function fill(dir: string, count: number, seed = 1): Promise<string> {
  const store = openEmbeddedEventStore({ file: join(dir, EVENTS_FILE) });
  try {
    return await appendTestEvents(store, count, { seed });
  } finally {
    await store.close();
  }
}

test('replay builds the version with a progress bar, status shows it, and lag after new events', async () => {
  const dir = tempDir();
  await fill(dir, 3000);
  const progress = new PassThrough();
  let drawn = '';
  progress.on('data', (chunk: Buffer) => (drawn += chunk.toString()));
  const command = createProjectionsCommand({ projections: [createCountProjection({ version: 1 })], progressStream: progress });

  const replay = context(dir);
  assert.is(await command.run(['replay', 'test-counts'], replay.context), 0);
  assert.match(replay.lines.join('\n'), /^test-counts v1: replayed 3,000 events in [\d.]+ s \([\d,]+ events\/s\); reads switched to v1$/);
  assert.match(drawn, /test-counts v1 \|.*\| 100% \| 3000\/3000 events \| [\d,]+ events\/s \| ETA/);

  const readStore = openEmbeddedReadStore(join(dir, READ_MODELS_FILE));
  const eventStore = openEmbeddedEventStore({ file: join(dir, EVENTS_FILE) });
  try {
    assert.is(await registryFor(readStore).activeVersion('test-counts'), 1);
    assert.equal(readCounts(readStore.db, 'test-counts', 1), await countsFromLog(eventStore, 'head'));
  } finally {
    await eventStore.close();
    await readStore.close();
  }

  const status = context(dir);
  assert.is(await command.run(['status'], status.context), 0);
  assert.is(status.lines[0], 'PROJECTION   CODE  VERSION  ACTIVE  STATE    POSITION  BEHIND  LAG P50/P95 MS  NOTE');
  assert.match(status.lines[1]!, /^test-counts  1     1        yes     stopped  3000\s+0\s+\d+\/\d+\s+replay complete$/);

  await fill(dir, 40, 5);
  const json = context(dir);
  assert.is(await command.run(['status', '--json'], json.context), 0);
  const [overview] = JSON.parse(json.lines.join('\n')) as { name: string; codeVersion: number; activeVersion: number; versions: { version: number; state: string; eventsBehind: number; running: boolean }[] }[];
  assert.is(overview?.name, 'test-counts');
  assert.is(overview?.activeVersion, 1);
  assert.is(overview?.versions[0]?.eventsBehind, 40);
  assert.is(overview?.versions[0]?.running, false);

  const again = context(dir);
  assert.is(await command.run(['replay', '--all'], again.context), 0);
  assert.equal(again.lines, ['test-counts v1: already the active version, nothing to replay']);

  // A new code version: rebuilt from the log, switched, the old one dropped.
  const v2 = createProjectionsCommand({ projections: [createCountProjection({ version: 2 })], progressStream: new PassThrough() });
  const upgrade = context(dir);
  assert.is(await v2.run(['replay', '--all', '--batch-size', '500'], upgrade.context), 0);
  assert.match(upgrade.lines[0]!, /^test-counts v2: replayed 3,040 events .*; reads switched to v2; was v1, dropped$/);
  const after = context(dir);
  await v2.run(['status'], after.context);
  assert.is(after.lines.length, 2, 'only version 2 is left');
  assert.match(after.lines[1]!, /^test-counts  2     2        yes     stopped  3040/);
});

test('bad usage is a UsageError; an empty data dir has nothing to show', async () => {
  const dir = tempDir();
  const command = createProjectionsCommand({ projections: [createCountProjection()], progressStream: new PassThrough() });
  const { context: ctx, lines } = context(dir);
  for (const args of [[], ['replay'], ['replay', 'nope'], ['replay', 'test-counts', '--all'], ['frobnicate'], ['status', 'extra'], ['replay', '--all', '--batch-size', '0']]) {
    try {
      await command.run(args, ctx);
      assert.unreachable(`${args.join(' ')} should be rejected`);
    } catch (error) {
      assert.instance(error, UsageError, args.join(' '));
    }
  }
  assert.is(await command.run(['status'], ctx), 0);
  assert.equal(lines, ['PROJECTION   CODE  VERSION  ACTIVE  STATE      POSITION  BEHIND  LAG P50/P95 MS  NOTE', 'test-counts  1     -        -       never run  -         -       -']);
});

test.run();
