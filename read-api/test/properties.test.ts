import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadProperty } from '../../administration/properties.ts';
import { call, problemOf, startTestApi, type TestApi } from './harness.ts';

let api: TestApi;
let admin: string;
const ID = 'UA-400-1';

interface Property {
  id: string;
  name: string;
  defaultUrl: string;
  domains: string[];
  timeZone: string;
  sessionTimeoutMinutes: number;
  active: boolean;
  customDimensions: { index: number; name: string; scope: string; active: boolean }[];
  customMetrics: { index: number; name: string; scope: string; active: boolean }[];
}

test.before(async () => {
  api = await startTestApi();
  admin = (await api.issueKey('admin')).key;
});
test.after(async () => {
  await api.close();
});

test('POST /properties creates a property (201, Location, defaults resolved) stored in its stream', async () => {
  const response = await call(api, 'POST', '/api/v1/properties', {
    key: admin,
    body: { propertyId: ID, name: 'Shop', defaultUrl: 'https://www.shop.example/', timeZone: 'Europe/Berlin' },
  });
  assert.is(response.status, 201, response.text);
  assert.is(response.headers.get('location'), `properties/${ID}`);
  const created = response.json as Property;
  assert.equal([created.id, created.name, created.timeZone, created.domains, created.active, created.sessionTimeoutMinutes], [ID, 'Shop', 'Europe/Berlin', ['shop.example'], true, 30]);
  assert.equal(await loadProperty(api.eventStore, ID), created);
});

test('GET /properties/:id and /properties list it', async () => {
  const one = await call(api, 'GET', `/api/v1/properties/${ID}`, { key: admin });
  assert.is(one.status, 200);
  assert.is((one.json as Property).name, 'Shop');
  const all = (await call(api, 'GET', '/api/v1/properties', { key: admin })).json as { properties: Property[] };
  assert.ok(all.properties.some((p) => p.id === ID));
  const missing = problemOf(await call(api, 'GET', '/api/v1/properties/UA-401-1', { key: admin }), 404);
  assert.is(missing.field, 'id');
  assert.match(missing.detail, /UA-401-1/);
});

test('validation errors are problem documents naming the field and the rule', async () => {
  const cases: [string, string, unknown, number, string, RegExp][] = [
    ['POST', '/api/v1/properties', { propertyId: 'UA-402-1', defaultUrl: 'https://a.example/' }, 400, 'name', /name: is required/],
    ['POST', '/api/v1/properties', { propertyId: 'UA-402-1', name: 'x', defaultUrl: 'https://a.example/', timeZone: 'Mars/Olympus' }, 400, 'timeZone', /"Mars\/Olympus" is not an IANA time zone/],
    ['POST', '/api/v1/properties', { propertyId: 'G-1', name: 'x', defaultUrl: 'https://a.example/' }, 400, 'propertyId', /tracking id/],
    ['POST', '/api/v1/properties', { propertyId: 'UA-402-1', name: 'x', defaultUrl: 'ftp://a.example/' }, 400, 'defaultUrl', /http\(s\) URL/],
    ['POST', '/api/v1/properties', { propertyId: 'UA-402-1', name: 'x', defaultUrl: 'https://a.example/', colour: 'red' }, 400, 'body', /unknown field "colour"/],
    ['POST', '/api/v1/properties', { propertyId: ID, name: 'x', defaultUrl: 'https://a.example/' }, 409, 'propertyId', /already exists/],
    ['PATCH', `/api/v1/properties/${ID}`, { sessionTimeoutMinutes: 999 }, 400, 'sessionTimeoutMinutes', /must be 1 to 240 minutes/],
    ['PATCH', `/api/v1/properties/${ID}`, { domains: ['a.example', 'a.example'] }, 400, 'domains[1]', /listed twice/],
    ['PATCH', `/api/v1/properties/${ID}`, { propertyId: 'UA-1-1' }, 400, 'body', /unknown field "propertyId"/],
    ['PATCH', '/api/v1/properties/UA-403-1', { name: 'x' }, 404, 'propertyId', /does not exist/],
    ['PUT', `/api/v1/properties/${ID}/custom-dimensions/0`, { name: 'Author', scope: 'hit' }, 400, 'index', /must be 1 to 200/],
    ['PUT', `/api/v1/properties/${ID}/custom-dimensions/abc`, { name: 'Author', scope: 'hit' }, 400, 'index', /whole number/],
    ['PUT', `/api/v1/properties/${ID}/custom-metrics/1`, { name: 'Score', scope: 'session' }, 400, 'scope', /hit" or "product/],
    ['PUT', `/api/v1/properties/${ID}/custom-dimensions/2`, { scope: 'hit' }, 400, 'name', /is required/],
  ];
  for (const [method, path, body, status, field, detail] of cases) {
    const problem = problemOf(await call(api, method, path, { key: admin, body }), status);
    assert.is(problem.field, field, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(problem)}`);
    assert.match(problem.detail, detail);
  }
  const notJson = problemOf(await call(api, 'POST', '/api/v1/properties', { key: admin, body: '{"propertyId":', headers: { 'content-type': 'application/json' } }), 400);
  assert.is(notJson.field, 'body');
  assert.match(notJson.detail, /not valid JSON/);
  const several = problemOf(await call(api, 'POST', '/api/v1/properties', { key: admin, body: { propertyId: 'UA-402-1', currency: 'euro' } }), 400);
  assert.equal(several.issues?.map((i) => i.field).sort(), ['currency', 'defaultUrl', 'name']);
});

test('PATCH changes settings; custom definitions; deactivate blocks changes until reactivated', async () => {
  const patched = await call(api, 'PATCH', `/api/v1/properties/${ID}`, { key: admin, body: { sessionTimeoutMinutes: 45, name: 'Shop 2' } });
  assert.is(patched.status, 200, patched.text);
  assert.equal([(patched.json as Property).sessionTimeoutMinutes, (patched.json as Property).name], [45, 'Shop 2']);

  const dimension = await call(api, 'PUT', `/api/v1/properties/${ID}/custom-dimensions/3`, { key: admin, body: { name: 'Author', scope: 'hit' } });
  assert.is(dimension.status, 200, dimension.text);
  assert.equal((dimension.json as Property).customDimensions, [{ index: 3, name: 'Author', scope: 'hit', active: true }]);
  const metric = await call(api, 'PUT', `/api/v1/properties/${ID}/custom-metrics/1`, { key: admin, body: { name: 'Score', scope: 'product', active: false } });
  assert.equal((metric.json as Property).customMetrics, [{ index: 1, name: 'Score', scope: 'product', active: false }]);
  const clash = problemOf(await call(api, 'PUT', `/api/v1/properties/${ID}/custom-dimensions/4`, { key: admin, body: { name: 'author', scope: 'user' } }), 400);
  assert.is(clash.field, 'customDimensions');

  const off = await call(api, 'POST', `/api/v1/properties/${ID}/deactivate`, { key: admin });
  assert.is((off.json as Property).active, false);
  const blocked = problemOf(await call(api, 'PATCH', `/api/v1/properties/${ID}`, { key: admin, body: { name: 'x' } }), 409);
  assert.match(blocked.detail, /deactivated/);
  const on = await call(api, 'POST', `/api/v1/properties/${ID}/reactivate`, { key: admin });
  assert.is((on.json as Property).active, true);
  const stored = await loadProperty(api.eventStore, ID);
  assert.equal([stored?.name, stored?.sessionTimeoutMinutes, stored?.active], ['Shop 2', 45, true]);
});

test('GET /properties/:id/snippet: the async snippet with the tid and this server\'s wa.js', async () => {
  const response = await call(api, 'GET', `/api/v1/properties/${ID}/snippet`, { key: admin });
  assert.is(response.status, 200);
  const { propertyId, scriptUrl, snippet } = response.json as { propertyId: string; scriptUrl: string; snippet: string };
  assert.is(propertyId, ID);
  assert.is(scriptUrl, `${api.url}/wa.js`);
  assert.ok(snippet.includes(`wa('create', '${ID}', 'auto');`), snippet);
  assert.ok(snippet.includes("wa('send', 'pageview');"));
  assert.ok(snippet.includes('window.wa = window.wa || function(){ (wa.q = wa.q || []).push(arguments) }; wa.l = +new Date;'));
  assert.ok(snippet.endsWith(`<script async src="${api.url}/wa.js"></script>`));
  problemOf(await call(api, 'GET', '/api/v1/properties/UA-404-1/snippet', { key: admin }), 404);
});

test('the snippet URL: the configured public URL, else forwarded headers only behind a trusted proxy', async () => {
  const configured = await startTestApi({ deps: { publicUrl: 'https://stats.example.org/ignored/path' } });
  const proxied = await startTestApi({ env: { TRUST_PROXY: 'true' } });
  try {
    for (const server of [configured, proxied]) await server.createProperty(ID);
    const a = await call(configured, 'GET', `/api/v1/properties/${ID}/snippet`, { key: (await configured.issueKey('admin')).key });
    assert.is((a.json as { scriptUrl: string }).scriptUrl, 'https://stats.example.org/wa.js');
    const key = (await proxied.issueKey('read', [ID])).key;
    const b = await call(proxied, 'GET', `/api/v1/properties/${ID}/snippet`, { key, headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'analytics.example.com' } });
    assert.is((b.json as { scriptUrl: string }).scriptUrl, 'https://analytics.example.com/wa.js');
    const bad = problemOf(await call(proxied, 'GET', `/api/v1/properties/${ID}/snippet`, { key, headers: { 'x-forwarded-host': 'evil.example/"><script>' } }), 400);
    assert.is(bad.field, 'Host');
    // Without a trusted proxy the forwarded headers are ignored.
    const c = await call(api, 'GET', `/api/v1/properties/${ID}/snippet`, { key: admin, headers: { 'x-forwarded-host': 'analytics.example.com' } });
    assert.is((c.json as { scriptUrl: string }).scriptUrl, `${api.url}/wa.js`);
  } finally {
    await configured.close();
    await proxied.close();
  }
});

test.run();
