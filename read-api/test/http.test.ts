// The route helper and problem documents, on small routes of their own, plus the
// read API's answers to unknown paths, wrong methods and oversized bodies.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { silentLogger } from '../../platform/logger.ts';
import { badRequest, problemErrorHandler, problemNotFound } from '../http/problem.ts';
import { defineRoute, mountRoutes, type AnyRoute } from '../http/route.ts';
import { createAuthenticator } from '../keys/authenticate.ts';
import { call, problemOf, startTestApi, type TestApi } from './harness.ts';

let api: TestApi;
let admin: string;
let small: { url: string; server: Server };
let read: string;

const routes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/echo/:id',
    summary: 'Echo',
    tags: ['test'],
    auth: { role: 'read', property: (_req, input) => input.query.property, allowQueryToken: true },
    params: z.object({ id: z.string().regex(/^\d+$/, 'must be digits').transform(Number) }),
    query: z.object({ property: z.array(z.string()).or(z.string()), n: z.coerce.number().int().min(1).max(10).default(1) }),
    response: z.object({ id: z.number(), n: z.number(), keyId: z.string() }),
    async handler({ params, query, key }) {
      return { id: params.id, n: query.n, keyId: key?.keyId ?? '' };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/csv',
    summary: 'Answers itself',
    tags: ['test'],
    auth: 'none',
    response: z.string(),
    produces: ['text/csv'],
    async handler({ res }) {
      res.type('text/csv').send('a,b\n1,2\n');
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/nothing',
    summary: 'No content',
    tags: ['test'],
    auth: 'none',
    response: z.undefined(),
    async handler() {},
  }),
  defineRoute({
    method: 'get',
    path: '/wrong-answer',
    summary: 'Answers off its schema',
    tags: ['test'],
    auth: 'none',
    response: z.object({ count: z.number() }),
    // The cast is the point: the runtime check must catch what types could not.
    handler: async () => ({ count: 'three' }) as unknown as { count: number },
  }),
  defineRoute({
    method: 'get',
    path: '/thrown',
    summary: 'Throws a problem and a bug',
    tags: ['test'],
    auth: 'none',
    query: z.object({ bug: z.string().optional() }),
    response: z.object({}),
    async handler({ query }) {
      if (query.bug) throw new Error('secret internal detail');
      throw badRequest('the moon is in the wrong phase', 'moon');
    },
  }),
];

test.before(async () => {
  api = await startTestApi();
  await api.createProperty('UA-500-1');
  await api.createProperty('UA-600-1');
  admin = (await api.issueKey('admin')).key;
  read = (await api.issueKey('read', ['UA-500-1'])).key;
  const app = express();
  const router = express.Router();
  router.use(express.json({ limit: '1kb' }));
  mountRoutes(router, routes, {
    authenticate: createAuthenticator({ keys: api.keys, trustProxy: false, now: Date.now }),
    logger: silentLogger(),
    validateResponses: true,
  });
  router.use(problemNotFound());
  router.use(problemErrorHandler(silentLogger()));
  app.use('/t', router);
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  small = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
});
test.after(async () => {
  await new Promise<void>((resolve) => small.server.close(() => resolve()));
  await api.close();
});

test('params and query are validated and coerced; failures name the field, the rule and where', async () => {
  const ok = await call(small, 'GET', '/t/echo/42?property=UA-500-1&n=3', { key: read });
  assert.is(ok.status, 200, ok.text);
  assert.equal((ok.json as { id: number; n: number }).id, 42);
  assert.equal((ok.json as { n: number }).n, 3);
  const badParam = problemOf(await call(small, 'GET', '/t/echo/x?property=UA-500-1', { key: read }), 400);
  assert.equal([badParam.field, badParam.in, badParam.detail], ['id', 'path', 'id: must be digits']);
  const badQuery = problemOf(await call(small, 'GET', '/t/echo/1?property=UA-500-1&n=11', { key: read }), 400);
  assert.equal([badQuery.field, badQuery.in], ['n', 'query']);
  assert.match(badQuery.detail, /^n: /);
  const missing = problemOf(await call(small, 'GET', '/t/echo/1', { key: read }), 400);
  assert.is(missing.field, 'property');
});

test('a read key is checked against every property a request names', async () => {
  problemOf(await call(small, 'GET', '/t/echo/1?property=UA-500-1&property=UA-600-1', { key: read }), 403);
  assert.is((await call(small, 'GET', '/t/echo/1?property=UA-500-1&property=UA-600-1', { key: admin })).status, 200);
});

test('?access_token= is accepted only where a route allows it, and never reaches its query schema', async () => {
  const viaQuery = await call(small, 'GET', `/t/echo/1?property=UA-500-1&access_token=${read}`);
  assert.is(viaQuery.status, 200, viaQuery.text);
  problemOf(await call(api, 'GET', `/api/v1/properties?access_token=${admin}`), 401);
});

test('handlers may answer themselves (CSV) or with nothing (204)', async () => {
  const csv = await call(small, 'GET', '/t/csv');
  assert.equal([csv.status, csv.headers.get('content-type'), csv.text], [200, 'text/csv; charset=utf-8', 'a,b\n1,2\n']);
  const none = await call(small, 'DELETE', '/t/nothing');
  assert.equal([none.status, none.text], [204, '']);
});

test('an answer off its schema is a 500 problem (with validateResponses); a thrown bug leaks nothing', async () => {
  const wrong = problemOf(await call(small, 'GET', '/t/wrong-answer'), 500);
  assert.is(wrong.type, 'urn:webalytic:problem:internal-error');
  const thrown = problemOf(await call(small, 'GET', '/t/thrown'), 400);
  assert.equal([thrown.field, thrown.detail], ['moon', 'the moon is in the wrong phase']);
  const bug = problemOf(await call(small, 'GET', '/t/thrown?bug=1'), 500);
  assert.not.ok(bug.detail.includes('secret internal detail'));
});

test('unknown paths under /api are 404 problems; a known path with another method is 405 with Allow', async () => {
  for (const path of ['/api/v1/nope', '/api/v2/properties', '/api/v1/properties/UA-500-1/nope']) {
    const problem = problemOf(await call(api, 'GET', path, { key: admin }), 404);
    assert.match(problem.detail, /no endpoint GET \/api\//);
  }
  const malformed = problemOf(await call(api, 'GET', '/api/v1/properties/%E0%A4%A', { key: admin }), 400);
  assert.match(malformed.detail, /could not be read/);
  const wrongMethod = await call(api, 'PUT', '/api/v1/keys', { key: admin, body: {} });
  problemOf(wrongMethod, 405);
  assert.is(wrongMethod.headers.get('allow'), 'POST, GET');
});

test('bodies over 1 MB are refused with 413; a body of another type is simply missing', async () => {
  const huge = JSON.stringify({ role: 'admin', name: 'x'.repeat(1_100_000) });
  const tooLarge = problemOf(await call(api, 'POST', '/api/v1/keys', { key: admin, body: huge }), 413);
  assert.is(tooLarge.field, 'body');
  const text = problemOf(await call(api, 'POST', '/api/v1/keys', { key: admin, body: 'role=admin', headers: { 'content-type': 'text/plain' } }), 400);
  assert.equal([text.field, text.detail], ['body', 'body: is required']);
});

test.run();
