import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keysCommand } from '../../cli/commands/keys.ts';
import { silentLogger } from '../../platform/logger.ts';
import { call, problemOf, startTestApi, within, type TestApi } from './harness.ts';

let api: TestApi;
let admin: string;
const A = 'UA-300-1';

test.before(async () => {
  api = await startTestApi();
  await api.createProperty(A);
  admin = (await api.issueKey('admin', [], 'test admin')).key;
});
test.after(async () => {
  await api.close();
});

interface CreatedKey {
  id: string;
  key: string;
  name: string;
  role: string;
  propertyIds: string[];
  status: string;
  createdAt: number;
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected a failure');
}

/** Every byte of the data dir (the SQLite file, its WAL and shared memory), as latin1 text. */
function everyStoredByte(dir: string): string {
  return readdirSync(dir)
    .map((file) => readFileSync(join(dir, file)).toString('latin1'))
    .join('\n');
}

test('POST /keys issues a key shown once; it works at once; the store keeps only its hash', async () => {
  const response = await call(api, 'POST', '/api/v1/keys', { key: admin, body: { role: 'read', propertyIds: [A], name: 'dashboard' } });
  assert.is(response.status, 201);
  assert.is(response.headers.get('cache-control'), 'no-store');
  const created = response.json as CreatedKey;
  assert.match(created.key, /^wa_[0-9a-f]{16}_[0-9a-f]{64}$/);
  assert.is(created.key.split('_')[1], created.id);
  assert.equal({ name: created.name, role: created.role, propertyIds: created.propertyIds, status: created.status }, { name: 'dashboard', role: 'read', propertyIds: [A], status: 'issued' });
  assert.is(created.createdAt, api.clock.now);
  assert.is((await call(api, 'GET', `/api/v1/properties/${A}`, { key: created.key })).status, 200);

  const secret = created.key.split('_')[2] ?? '';
  const listed = await call(api, 'GET', '/api/v1/keys', { key: admin });
  assert.not.ok(listed.text.includes(secret), 'the list shows no secret');
  assert.not.ok(listed.text.includes('secretHash'), 'nor its hash');
  const mine = (listed.json as { keys: CreatedKey[] }).keys.find((k) => k.id === created.id);
  assert.equal(mine && { ...mine }, { id: created.id, name: 'dashboard', role: 'read', propertyIds: [A], status: 'issued', createdAt: created.createdAt });

  const events = [];
  for await (const event of api.eventStore.readStream(`apikey-${created.id}`)) events.push(event);
  assert.equal(events.map((e) => e.type), ['ApiKeyIssued.v1']);
  assert.is((events[0]?.data as { secretHash: string }).secretHash, createHash('sha256').update(secret).digest('hex'));
  const stored = everyStoredByte(api.dir);
  assert.ok(stored.includes(created.id), 'the key id is stored (the check below reads the right files)');
  assert.not.ok(stored.includes(secret), 'the secret appears nowhere in the stores');
  assert.not.ok(stored.includes(created.key));
});

test('POST /keys validation: problem documents naming the field', async () => {
  const cases: [unknown, number, string][] = [
    [{ role: 'owner' }, 400, 'role'],
    [{ role: 'read' }, 400, 'propertyIds'],
    [{ role: 'read', propertyIds: ['UA-999-1'] }, 400, 'propertyIds[0]'],
    [{ role: 'read', propertyIds: ['G-12345'] }, 400, 'propertyIds[0]'],
    [{ role: 'admin', propertyIds: [A] }, 400, 'propertyIds'],
    [{ role: 'admin', secret: 'mine' }, 400, 'body'],
    [{ role: 'admin', name: '' }, 400, 'name'],
  ];
  for (const [body, status, field] of cases) {
    const problem = problemOf(await call(api, 'POST', '/api/v1/keys', { key: admin, body }), status);
    assert.is(problem.field, field, `${JSON.stringify(body)}: ${problem.detail}`);
    assert.ok(problem.detail.includes(field), problem.detail);
  }
  const unknown = problemOf(await call(api, 'POST', '/api/v1/keys', { key: admin, body: { role: 'read', propertyIds: ['UA-999-1'] } }), 400);
  assert.match(unknown.detail, /property "UA-999-1" does not exist/);
});

test('webalytic keys: create prints the key once, list shows no secret, revoke stops it; the API sees each change', async () => {
  const lines: string[] = [];
  const context = { config: api.config, logger: silentLogger(), out: (line: string) => lines.push(line) };
  assert.is(await keysCommand.run(['create', '--role', 'read', '--property', A, '--name', 'from cli'], context), 0);
  const key = lines[0] ?? '';
  assert.match(key, /^wa_[0-9a-f]{16}_[0-9a-f]{64}$/);
  assert.match(lines[1] ?? '', /never shown again/);
  const id = key.split('_')[1] ?? '';
  // The CLI wrote through its own connection: wait until the API's directory has read up to the head.
  const head = await api.eventStore.headPosition();
  if (head === undefined) throw new Error('the store is empty');
  await within(api.keys.reached(head), 'the directory reading the key');
  assert.is((await call(api, 'GET', `/api/v1/properties/${A}`, { key })).status, 200);

  lines.length = 0;
  assert.is(await keysCommand.run(['list'], context), 0);
  const row = lines.find((line) => line.startsWith(id)) ?? '';
  assert.match(row, /\tissued\tread\tUA-300-1\t.*\tfrom cli$/);
  assert.not.ok(lines.join('\n').includes(key.split('_')[2] ?? 'x'));
  lines.length = 0;
  assert.is(await keysCommand.run(['list', '--json'], context), 0);
  assert.not.ok(lines.join('\n').includes('secretHash'));

  lines.length = 0;
  assert.is(await keysCommand.run(['revoke', id], context), 0);
  assert.equal(lines, [`Key ${id} revoked.`]);
  const after = await api.eventStore.headPosition();
  if (after === undefined) throw new Error('the store is empty');
  await within(api.keys.reached(after), 'the directory reading the revocation');
  problemOf(await call(api, 'GET', `/api/v1/properties/${A}`, { key }), 401);

  assert.is(await keysCommand.run(['create', '--role', 'read'], context), 1, 'a read key without properties is refused');
  assert.match(await failure(keysCommand.run(['create', '--role', 'boss'], context)), /--role must be admin or read/);
  assert.match(await failure(keysCommand.run(['revoke'], context)), /revoke takes one key id/);
});

test.run();
