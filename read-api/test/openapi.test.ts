import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { silentLogger } from '../../platform/logger.ts';
import { createReadApi } from '../app.ts';
import { openApiDocument, type OpenApiDocument } from '../http/openapi.ts';
import { defineRoute } from '../http/route.ts';
import { call, startTestApi, type TestApi } from './harness.ts';

let api: TestApi;
let doc: OpenApiDocument;

test.before(async () => {
  api = await startTestApi();
  assert.is((await call(api, 'GET', '/api/v1/openapi.json')).status, 401, 'a key is needed, any role');
  const { key } = await api.issueKey('admin');
  const response = await call(api, 'GET', '/api/v1/openapi.json', { key });
  assert.is(response.status, 200);
  doc = response.json as OpenApiDocument;
});
test.after(async () => {
  await api.close();
});

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every `$ref` in the document, with where it is. */
function refsOf(value: unknown, at: string, out: [string, string][] = []): [string, string][] {
  if (Array.isArray(value)) value.forEach((item, i) => refsOf(item, `${at}[${i}]`, out));
  else if (isObject(value)) for (const [k, v] of Object.entries(value)) k === '$ref' && typeof v === 'string' ? out.push([at, v]) : refsOf(v, `${at}.${k}`, out);
  return out;
}

/** A JSON pointer resolved in the document. */
function resolve(pointer: string, document: unknown = doc): unknown {
  if (!pointer.startsWith('#/')) return undefined;
  return pointer
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, part) => (isObject(node) ? node[part] : undefined), document);
}

test('the document is structurally valid OpenAPI 3.1', () => {
  assert.is(doc.openapi, '3.1.0');
  assert.type(doc.info.title, 'string');
  assert.type(doc.info.version, 'string');
  assert.ok(Object.keys(doc.paths).length > 0);
  const operationIds = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    assert.ok(path.startsWith('/'), path);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const [method, operation] of Object.entries(item)) {
      const where = `${method} ${path}`;
      assert.ok(METHODS.includes(method), where);
      assert.type(operation.operationId, 'string', where);
      assert.not.ok(operationIds.has(operation.operationId), `${where}: operationId ${operation.operationId} is unique`);
      operationIds.add(operation.operationId);
      assert.ok(operation.summary.length > 0, where);
      assert.ok(Array.isArray(operation.tags) && operation.tags.length > 0, where);
      const statuses = Object.keys(operation.responses);
      assert.ok(statuses.length > 0, where);
      assert.ok(statuses.some((s) => /^2\d\d$/.test(s)), `${where} has a success response`);
      for (const [status, response] of Object.entries(operation.responses)) {
        assert.ok(/^[1-5]\d\d$/.test(status), `${where} ${status}`);
        assert.type(response.description, 'string', `${where} ${status} description`);
        for (const [type, media] of Object.entries(isObject(response.content) ? response.content : {})) {
          assert.ok(isObject(media) && isObject(media.schema), `${where} ${status} ${type}: schema is an object`);
        }
        if (/^4\d\d$/.test(status)) assert.ok(isObject(response.content) && 'application/problem+json' in response.content, `${where} ${status} is a problem document`);
      }
      const pathParams = operation.parameters.filter((p) => p.in === 'path').map((p) => p.name);
      assert.equal([...pathParams].sort(), [...templated].sort(), `${where}: path parameters match the template`);
      for (const parameter of operation.parameters) {
        assert.ok(['path', 'query', 'header', 'cookie'].includes(String(parameter.in)), where);
        assert.type(parameter.name, 'string', where);
        assert.ok(isObject(parameter.schema), `${where} ${String(parameter.name)}: schema is an object`);
        if (parameter.in === 'path') assert.is(parameter.required, true, `${where}: path parameters are required`);
      }
      if (operation.requestBody) {
        const content = operation.requestBody.content;
        assert.ok(isObject(content) && isObject(content['application/json']) && isObject(content['application/json'].schema), `${where} body schema`);
      }
      assert.ok(Array.isArray(operation.security), where);
      for (const requirement of operation.security) for (const scheme of Object.keys(requirement)) assert.ok(scheme in doc.components.securitySchemes, `${where}: ${scheme}`);
    }
  }
  for (const [at, ref] of refsOf(doc, '$')) assert.ok(isObject(resolve(ref)), `${at}: ${ref} resolves`);
  assert.not.ok(JSON.stringify(doc).includes('"$schema"'), 'no nested dialect declarations');
});

test('the document matches the mounted routes exactly (the Express router stack)', () => {
  const router = createReadApi({
    config: api.config,
    logger: silentLogger(),
    eventStore: api.eventStore,
    readStore: api.readStore,
    keys: api.keys,
    properties: api.properties,
  });
  const mounted = new Set<string>();
  for (const layer of router.stack) {
    const route = layer.route as { path: string; methods: Record<string, boolean> } | undefined;
    if (!route) continue;
    for (const [method, on] of Object.entries(route.methods)) {
      if (on && method !== '_all') mounted.add(`${method} ${route.path.replace(/:([A-Za-z_]\w*)/g, '{$1}')}`);
    }
  }
  const documented = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) for (const method of Object.keys(item)) documented.add(`${method} ${path}`);
  assert.equal([...mounted].sort(), [...documented].sort());
  assert.ok(documented.has('get /properties/{id}/snippet'));
  assert.ok(documented.has('post /projections/{name}/replay'));
  assert.ok(documented.has('delete /keys/{id}'));
  assert.ok(documented.has('get /openapi.json'));
});

test('schemas come from the zod schemas: bodies in input mode, auth and errors from the definitions', () => {
  const create = doc.paths['/properties']?.['post'];
  const body = create?.requestBody?.content as Record<string, { schema: { required: string[]; properties: Record<string, { type?: string }> } }>;
  assert.equal(body['application/json']?.schema.required.sort(), ['defaultUrl', 'name', 'propertyId']);
  // Input mode: `active` of a custom definition is optional in a request (it defaults to true).
  assert.is(create?.requestBody?.required, true);
  assert.equal(Object.keys(create?.responses ?? {}), ['201', '400', '401', '403', '409', '413', '429']);
  assert.is(create?.['x-required-role'], 'admin');
  assert.equal(create?.security, [{ apiKey: [] }]);
  const openapi = doc.paths['/openapi.json']?.['get'];
  assert.equal(openapi?.security, [{ apiKey: [] }]);
  assert.is(openapi?.['x-required-role'], 'read');
  const definition = doc.paths['/properties/{id}/custom-dimensions/{index}']?.['put'];
  assert.equal(definition?.parameters.map((p) => [p.name, p.in]), [['id', 'path'], ['index', 'path']]);
  assert.ok(isObject(doc.components.schemas['Problem']));
});

test('recursive schemas and query parameters translate (the filter trees of stats queries need both)', () => {
  type Node = { op: 'and' | 'or'; children: (Node | string)[] };
  const node: z.ZodType<Node> = z.lazy(() => z.object({ op: z.enum(['and', 'or']), children: z.array(z.union([node, z.string()])) }));
  const route = defineRoute({
    method: 'post',
    path: '/things/:kind',
    summary: 'A test route',
    tags: ['test'],
    auth: { role: 'read', property: (_req, input) => input.query.property },
    query: z.object({ property: z.string().describe('The property.'), limit: z.coerce.number().int().optional() }),
    body: z.object({ filter: node }),
    response: z.object({ ok: z.boolean() }),
    async handler() {
      return { ok: true };
    },
  });
  const generated = openApiDocument([route]);
  const operation = generated.paths['/things/{kind}']?.['post'];
  assert.is(operation?.operationId, 'postThingsByKind');
  assert.equal(operation?.parameters.map((p) => [p.name, p.in, p.required]), [['kind', 'path', true], ['property', 'query', true], ['limit', 'query', false]]);
  assert.is(operation?.parameters[1]?.description, 'The property.');
  const text = JSON.stringify(generated);
  assert.not.ok(text.includes('#/$defs/'), 'nested $defs refs are rewritten');
  const refs = refsOf(generated, '$');
  assert.ok(refs.some(([, ref]) => ref.startsWith('#/components/schemas/postThingsByKind_body')), 'the recursive part is a component');
  for (const [at, ref] of refs) assert.ok(isObject(resolve(ref, generated)), `${at}: ${ref} resolves`);
  assert.throws(() => openApiDocument([route, { ...route, path: '/things/:kind' }]), /operationId "postThingsByKind" is used twice/);
  assert.throws(() => defineRoute({ ...route, path: '/things/*all' }), /only :name parameters/);
});

test.run();
