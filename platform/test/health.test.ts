// The readiness checks on their own: each store kind's round trip, a check that hangs or
// fails, advisory checks, and a process shutting down.
import { join } from 'node:path';
import express from 'express';
import { Registry } from 'prom-client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { healthRoutes, pingReadStore, readStoreCheck, runChecks } from '../health.ts';
import { silentLogger } from '../logger.ts';
import { openMingoReadStore } from '../../storage/readstore/mongodb.ts';
import { openEmbeddedReadStore } from '../../storage/readstore/embedded.ts';
import { tempDir } from './child.ts';

const test = suite('health');

test('the read store round trip works on the embedded store and on the MongoDB store kind; a closed store fails', async () => {
  const embedded = openEmbeddedReadStore(join(tempDir(), 'readmodels.sqlite'));
  await pingReadStore(embedded);
  assert.equal(await runChecks([readStoreCheck(embedded)], 1000), { readStore: { ok: true, kind: 'embedded' } });
  await embedded.close();
  const closed = await runChecks([readStoreCheck(embedded)], 1000);
  assert.is(closed.readStore?.ok, false);
  assert.match(String(closed.readStore?.error), /not open/);

  const mongo = openMingoReadStore();
  assert.equal(await runChecks([readStoreCheck(mongo)], 1000), { readStore: { ok: true, kind: 'mongodb' } });
});

test('a hanging check fails at the timeout; an advisory failure is reported without failing readiness', async () => {
  const outcomes = await runChecks(
    [
      { name: 'hangs', check: () => new Promise(() => undefined) },
      { name: 'degraded', advisory: true, check: async () => Promise.reject(new Error('behind')) },
      { name: 'fine', check: async () => ({ detail: 1 }) },
    ],
    50,
  );
  assert.equal(outcomes, {
    hangs: { ok: false, error: 'hangs did not answer within 50 ms' },
    degraded: { ok: false, advisory: true, error: 'behind' },
    fine: { ok: true, detail: 1 },
  });

  let draining = false;
  let failing = false;
  const app = express().use(
    healthRoutes({
      service: 'test',
      checks: [{ name: 'degraded', advisory: true, check: async () => Promise.reject(new Error('behind')) }, { name: 'store', check: async () => (failing ? Promise.reject(new Error('down')) : undefined) }],
      draining: () => draining,
      metrics: new Registry(),
      metricsGuard: (req, res, next) => (req.headers.authorization === 'Bearer admin' ? next() : res.status(401).end()),
      logger: silentLogger(),
    }),
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const status = async () => {
      const response = await fetch(`${url}/readyz`);
      return [response.status, ((await response.json()) as { status: string }).status];
    };
    assert.equal(await status(), [200, 'ready']);
    failing = true;
    assert.equal(await status(), [503, 'unavailable']);
    failing = false;
    draining = true;
    assert.equal(await status(), [503, 'draining']);
    assert.is((await fetch(`${url}/healthz`)).status, 200, 'alive while draining');
    assert.is((await fetch(`${url}/metrics`)).status, 401, '/metrics goes through its guard');
    assert.is((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer admin' } })).status, 200);
    // Exact paths: a proxy that keeps them internal is not passed by a variant.
    for (const variant of ['/metrics/', '/METRICS', '/Readyz', '/healthz/']) assert.is((await fetch(`${url}${variant}`)).status, 404, variant);
  } finally {
    server.close();
  }
});

test.run();
