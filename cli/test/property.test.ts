// `webalytic property …` as a user runs it: the real CLI in a child process on a temp data
// dir, through the property aggregate and the embedded event store.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const BIN = fileURLToPath(new URL('../../bin/webalytic.js', import.meta.url));
const run = promisify(execFile);
const test = suite('webalytic property');

let dataDir = '';
test.before(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'webalytic-cli-property-'));
});
test.after(() => rmSync(dataDir, { recursive: true, force: true }));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function webalytic(...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'property', ...args], { env: { PATH: process.env.PATH ?? '', WEBALYTIC_DATA_DIR: dataDir, LOG_LEVEL: 'silent' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

test('list on a fresh data dir says how to create the first property', async () => {
  const listed = await webalytic('list');
  assert.is(listed.code, 0);
  assert.match(listed.stdout, /No properties yet\. Create one: webalytic property create --id/);
});

test('create, update (retention included), show and list', async () => {
  const created = await webalytic('create', '--id', 'UA-777-1', '--name', 'Shop', '--url', 'https://shop.example', '--time-zone', 'Europe/Berlin', '--currency', 'EUR', '--domains', 'shop.example,cdn.shop.example');
  assert.is(created.code, 0, created.stderr);
  const settings = JSON.parse(created.stdout) as Record<string, unknown>;
  assert.equal([settings.id, settings.name, settings.timeZone, settings.currency, settings.domains], ['UA-777-1', 'Shop', 'Europe/Berlin', 'EUR', ['shop.example', 'cdn.shop.example']]);

  const updated = await webalytic('update', '--id', 'UA-777-1', '--session-timeout', '45', '--retention-days', '400', '--bot-filtering', 'off');
  assert.is(updated.code, 0, updated.stderr);
  const shown = JSON.parse((await webalytic('show', '--id', 'UA-777-1')).stdout) as Record<string, unknown>;
  assert.equal([shown.sessionTimeoutMinutes, shown.retentionDays, shown.botFiltering, shown.name], [45, 400, false, 'Shop']);

  const listed = JSON.parse((await webalytic('list', '--json')).stdout) as { id: string }[];
  assert.equal(listed.map((p) => p.id), ['UA-777-1']);
});

test('bad input: a clear message naming the field and the rule, nonzero exit, nothing recorded', async () => {
  const badTimeout = await webalytic('update', '--id', 'UA-777-1', '--session-timeout', '500');
  assert.is.not(badTimeout.code, 0);
  assert.match(badTimeout.stderr, /sessionTimeoutMinutes|session-timeout/);
  const notInteger = await webalytic('update', '--id', 'UA-777-1', '--retention-days', 'soon');
  assert.is.not(notInteger.code, 0);
  assert.match(notInteger.stderr, /retention-days/);
  const missing = await webalytic('show', '--id', 'UA-404-1');
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /UA-404-1 does not exist/);
  const shown = JSON.parse((await webalytic('show', '--id', 'UA-777-1')).stdout) as Record<string, unknown>;
  assert.equal([shown.sessionTimeoutMinutes, shown.retentionDays], [45, 400], 'rejected updates changed nothing');
});

test.run();
