import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BOOTSTRAP_KEY, call, problemOf, startTestApi, within, type TestApi } from './harness.ts';

let api: TestApi;
const A = 'UA-100-1';
const B = 'UA-200-1';

test.before(async () => {
  api = await startTestApi({ deps: { failedAuthPerMinute: 1000 } });
  await api.createProperty(A);
  await api.createProperty(B);
});
test.after(async () => {
  await api.close();
});

test('without a key: 401 problem document with a Bearer challenge', async () => {
  const response = await call(api, 'GET', '/api/v1/properties');
  const problem = problemOf(response, 401);
  assert.is(problem.type, 'urn:webalytic:problem:unauthorized');
  assert.match(problem.detail, /Authorization: Bearer/);
  assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/);
});

test('a mistyped, unknown or non-Bearer key: 401', async () => {
  const { key } = await api.issueKey('admin');
  const id = key.split('_')[1] ?? '';
  const mistyped = `${key.slice(0, -1)}${key.endsWith('0') ? '1' : '0'}`;
  for (const authorization of [`Bearer ${mistyped}`, `Bearer wa_${'f'.repeat(16)}_${'0'.repeat(64)}`, `Bearer wa_${id}`, `Basic ${key}`, 'Bearer']) {
    problemOf(await call(api, 'GET', `/api/v1/properties/${A}`, { headers: { authorization, 'x-forwarded-for': '203.0.113.1' } }), 401);
  }
});

test('an admin key may do everything: read any property, administer, list keys', async () => {
  const { key } = await api.issueKey('admin', [], 'ops');
  assert.is((await call(api, 'GET', `/api/v1/properties/${A}`, { key })).status, 200);
  assert.is((await call(api, 'GET', `/api/v1/properties/${B}/snippet`, { key })).status, 200);
  assert.is((await call(api, 'GET', '/api/v1/keys', { key })).status, 200);
  assert.is((await call(api, 'PATCH', `/api/v1/properties/${B}`, { key, body: { name: 'Renamed' } })).status, 200);
  const listed = (await call(api, 'GET', '/api/v1/properties', { key })).json as { properties: { id: string }[] };
  assert.equal(listed.properties.map((p) => p.id).sort(), [A, B]);
});

test('the ADMIN_API_KEY bootstrap key is an admin key', async () => {
  const response = await call(api, 'POST', '/api/v1/keys', { key: BOOTSTRAP_KEY, body: { role: 'read', propertyIds: [A] } });
  assert.is(response.status, 201);
});

test('a read key: its properties only (403 for another), and no administration (403)', async () => {
  const { key } = await api.issueKey('read', [A]);
  assert.is((await call(api, 'GET', `/api/v1/properties/${A}`, { key })).status, 200);
  const other = problemOf(await call(api, 'GET', `/api/v1/properties/${B}`, { key }), 403);
  assert.match(other.detail, /UA-200-1/);
  problemOf(await call(api, 'GET', `/api/v1/properties/${B}/snippet`, { key }), 403);
  // A property that does not exist is not the key's either: 403 before 404, so keys cannot probe ids.
  problemOf(await call(api, 'GET', '/api/v1/properties/UA-999-9', { key }), 403);
  const admin = problemOf(await call(api, 'PATCH', `/api/v1/properties/${A}`, { key, body: { name: 'x' } }), 403);
  assert.match(admin.detail, /admin key/);
  problemOf(await call(api, 'GET', '/api/v1/keys', { key }), 403);
  problemOf(await call(api, 'POST', '/api/v1/keys', { key, body: { role: 'admin' } }), 403);
  const listed = (await call(api, 'GET', '/api/v1/properties', { key })).json as { properties: { id: string }[] };
  assert.equal(listed.properties.map((p) => p.id), [A]);
});

test('a revoked key stops working as soon as DELETE answers', async () => {
  const admin = await api.issueKey('admin');
  const victim = await api.issueKey('read', [A]);
  assert.is((await call(api, 'GET', `/api/v1/properties/${A}`, { key: victim.key })).status, 200);
  const revoked = await call(api, 'DELETE', `/api/v1/keys/${victim.id}`, { key: admin.key });
  assert.is(revoked.status, 200);
  assert.is((revoked.json as { status: string }).status, 'revoked');
  problemOf(await call(api, 'GET', `/api/v1/properties/${A}`, { key: victim.key }), 401);
  // Revoking again changes nothing; an unknown id is a 404.
  assert.is((await call(api, 'DELETE', `/api/v1/keys/${victim.id}`, { key: admin.key })).status, 200);
  problemOf(await call(api, 'DELETE', `/api/v1/keys/${'0'.repeat(16)}`, { key: admin.key }), 404);
});

test('wrong keys from one address: 429 with Retry-After past the limit, for any key, until the wait is over', async () => {
  const limited = await startTestApi({ deps: { failedAuthPerMinute: 3 } });
  try {
    const { key } = await limited.issueKey('admin');
    // TRUST_PROXY is off: a forwarded address is ignored, every test request comes from 127.0.0.1.
    const from = { 'x-forwarded-for': '198.51.100.7' };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(limited, 'GET', '/api/v1/properties', { key: 'wa_nope', headers: from })).status);
    assert.equal(statuses, [401, 401, 401, 429, 429]);
    const blocked = await call(limited, 'GET', '/api/v1/properties', { key });
    assert.match(problemOf(blocked, 429).detail, /retry in \d+ s/);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    limited.clock.now += retryAfter * 1000;
    assert.is((await call(limited, 'GET', '/api/v1/properties', { key })).status, 200);
  } finally {
    await limited.close();
  }
});

test('behind a trusted proxy, wrong keys are counted per forwarded address', async () => {
  const proxied = await startTestApi({ deps: { failedAuthPerMinute: 2 }, env: { TRUST_PROXY: 'true' } });
  try {
    const { key } = await proxied.issueKey('admin');
    for (let i = 0; i < 3; i++) await call(proxied, 'GET', '/api/v1/properties', { key: 'wa_nope', headers: { 'x-forwarded-for': '198.51.100.7' } });
    problemOf(await call(proxied, 'GET', '/api/v1/properties', { key, headers: { 'x-forwarded-for': '198.51.100.7, 10.0.0.1' } }), 429);
    assert.is((await call(proxied, 'GET', '/api/v1/properties', { key, headers: { 'x-forwarded-for': '198.51.100.8' } })).status, 200);
  } finally {
    await proxied.close();
  }
});

test('the log shows key ids, never keys', async () => {
  const { key, id } = await api.issueKey('admin');
  await call(api, 'GET', '/api/v1/properties', { key });
  const created = await call(api, 'POST', '/api/v1/keys', { key, body: { role: 'admin', name: 'logged?' } });
  const fresh = (created.json as { key: string; id: string });
  await call(api, 'GET', '/api/v1/properties?access_token=tok-7f3a9d', { key: fresh.key });
  await within(api.logged((line) => line.includes(fresh.id) && line.includes('"method":"GET"')), 'the request log line of the new key');
  assert.ok(api.logs.some((line) => line.includes(id)), 'the request log names the key id');
  const text = api.logs.join('\n');
  for (const secret of [key, fresh.key, BOOTSTRAP_KEY, 'tok-7f3a9d']) assert.not.ok(text.includes(secret), 'no key or token in the log');
});

test.run();
