// `webalytic simulate` and `webalytic import` as the command line runs them, on a temp data dir.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { importCommand } from '../../cli/commands/import.ts';
import { simulateCommand } from '../../cli/commands/simulate.ts';
import { UsageError, type CommandContext } from '../../cli/command.ts';
import { clientEvents, createProperty, GEOIP_TEST_DB, tempDir } from '../../collector/test/support.ts';
import { loadConfig } from '../../platform/config.ts';
import { silentLogger } from '../../platform/logger.ts';
import { openEventStore } from '../../storage/eventstore/open.ts';

const TID = 'UA-8080-1';

async function rejects(run: () => Promise<unknown>, kind: new (...args: never[]) => Error): Promise<void> {
  try {
    await run();
  } catch (error) {
    assert.instance(error, kind);
    return;
  }
  assert.unreachable('should have thrown');
}

async function dataDir(): Promise<{ context: CommandContext; output: string[]; events: () => Promise<number> }> {
  const config = loadConfig({ WEBALYTIC_DATA_DIR: tempDir(), GEOIP_DB: GEOIP_TEST_DB, LOG_LEVEL: 'silent' });
  const logger = silentLogger();
  const store = await openEventStore(config, logger);
  await createProperty(store, TID, { defaultUrl: 'https://shop.example/', timeZone: 'Europe/Berlin' });
  await store.close();
  const output: string[] = [];
  return {
    context: { config, logger, out: (line) => output.push(line) },
    output,
    async events() {
      const reader = await openEventStore(config, logger);
      const count = (await clientEvents(reader)).length;
      await reader.close();
      return count;
    },
  };
}

test('simulate (history) fills the data dir and prints the summary', async () => {
  const { context, output, events } = await dataDir();
  const code = await simulateCommand.run(['--property', TID, '--visitors', '20', '--days', '3', '--seed', 'cli', '--json'], context);
  assert.is(code, 0);
  const summary = JSON.parse(output.join('\n')) as { visitors: number; hits: number; import: { recorded: number; discarded: number } };
  assert.is(summary.visitors, 20);
  assert.is(await events(), summary.hits);
  assert.is(summary.import.recorded + summary.import.discarded, summary.hits);
});

test('simulate --out writes NDJSON that import records; a second import adds nothing', async () => {
  const { context, output, events } = await dataDir();
  const file = join(tempDir(), 'sim.ndjson');
  assert.is(await simulateCommand.run(['--property', TID, '--visitors', '15', '--days', '2', '--out', file], context), 0);
  assert.ok(output.some((line) => line.includes(`webalytic import ${file}`)));
  const lines = readFileSync(file, 'utf8').trim().split('\n').length;
  assert.is(await events(), 0, '--out records nothing');

  output.length = 0;
  assert.is(await importCommand.run([file], context), 0);
  assert.match(output[0]!, new RegExp(`^${lines} lines: ${lines} valid, 0 invalid; \\d+ recorded, \\d+ discarded, 0 duplicates`));
  assert.is(await events(), lines);

  output.length = 0;
  assert.is(await importCommand.run([file, '--json'], context), 0);
  const report = JSON.parse(output.join('\n')) as { totals: { duplicates: number; recorded: number } };
  assert.equal([report.totals.recorded, report.totals.duplicates], [0, lines]);
  assert.is(await events(), lines);
});

test('import --dry-run records nothing; invalid lines give exit code 3 and line numbers', async () => {
  const { context, output, events } = await dataDir();
  const file = join(tempDir(), 'bad.ndjson');
  const at = new Date(Date.now() - 60 * 60 * 1000).toISOString();
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, [JSON.stringify({ timestamp: at, v: 1, tid: TID, cid: '1.2', t: 'pageview', dp: '/a' }), 'not json', ''].join('\n'));
  assert.is(await importCommand.run([file, '--dry-run'], context), 3);
  assert.match(output[0]!, /^Dry run: 2 lines: 1 valid, 1 invalid/);
  assert.ok(output.some((line) => line.startsWith('line 2: (line): the line is not valid JSON')));
  assert.is(await events(), 0);
});

test('bad usage is a UsageError', async () => {
  const { context } = await dataDir();
  await rejects(() => simulateCommand.run(['--visitors', '3'], context), UsageError);
  await rejects(() => simulateCommand.run(['--property', TID, '--days', '0'], context), UsageError);
  await rejects(() => simulateCommand.run(['--property', TID, '--live', '--out', 'x'], context), UsageError);
  await rejects(() => importCommand.run([], context), UsageError);
  await rejects(() => importCommand.run([join(tempDir(), 'missing.ndjson')], context), UsageError);
});

test.run();
