// Every long-running entrypoint as a real process: `webalytic collector`,
// `webalytic projections run` and `webalytic read-api` side by side on one data dir (the
// split deployment, here on the embedded stores shared by file), and `webalytic start`.
// Each starts, logs its configuration with secrets masked, answers /healthz, /readyz and
// /metrics, does its own job only, and exits 0 on SIGTERM.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BROWSER_UA, createPropertyIn, PROPERTY, startChild, tempDir, within, type Child, type LogLine } from './child.ts';

const ADMIN_KEY = 'entrypoint-admin-key-0123456789abcdef';
const ADMIN = { authorization: `Bearer ${ADMIN_KEY}` };
const test = suite('entrypoints');
const children: Child[] = [];
test.after.each(async () => {
  await Promise.all(children.splice(0).map((child) => child.dispose()));
});

interface Readiness {
  status: string;
  service: string;
  checks: Record<string, { ok: boolean; advisory?: boolean; head?: string | null }>;
}

const readiness = async (url: string): Promise<Readiness> => {
  const response = await fetch(`${url}/readyz`);
  assert.is(response.status, 200);
  return (await response.json()) as Readiness;
};

function assertConfigLogged(child: Child, service: string): void {
  const line = child.lines.find((l) => l.msg === 'starting webalytic') as (LogLine & { config?: Record<string, unknown>; services?: string[] }) | undefined;
  assert.ok(line, `${service} logged its configuration`);
  assert.is(line.config?.ADMIN_API_KEY, '***');
  assert.is(line.config?.PORT, 0);
  assert.not.ok(JSON.stringify(child.lines).includes(ADMIN_KEY), `${service} never logs the admin key`);
}

async function stopped(child: Child, service: string): Promise<void> {
  child.process.kill('SIGTERM');
  assert.equal(await within(child.exited, `${service} to stop`), { code: 0, signal: null }, `${service} exits 0 on SIGTERM`);
  assert.ok(child.lines.some((l) => l.msg === 'webalytic stopped'));
}

test('collector, projections run and read-api as separate processes on one data dir', async () => {
  const dataDir = tempDir();
  await createPropertyIn(dataDir);
  const env = { WEBALYTIC_DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN_KEY, COLLECT_RATE_LIMIT_PER_MINUTE: '0' };
  const collector = startChild(['collector'], env);
  const projections = startChild(['projections', 'run'], env);
  const readApi = startChild(['read-api'], env);
  children.push(collector, projections, readApi);
  const [collectorUrl, projectionsUrl, readApiUrl] = await Promise.all([collector.url(), projections.url(), readApi.url()]);

  for (const [child, url, service] of [
    [collector, collectorUrl, 'collector'],
    [projections, projectionsUrl, 'projections'],
    [readApi, readApiUrl, 'read-api'],
  ] as const) {
    assertConfigLogged(child, service);
    assert.equal(await (await fetch(`${url}/healthz`)).json(), { status: 'ok' }, `${service} /healthz`);
    const metrics = await (await fetch(`${url}/metrics`, { headers: ADMIN })).text();
    assert.match(metrics, new RegExp(`process_cpu_user_seconds_total\\{service="${service}"\\}`), `${service} /metrics`);
  }

  // Each service checks what it depends on.
  const collectorReady = await readiness(collectorUrl);
  assert.equal([collectorReady.service, Object.keys(collectorReady.checks)], ['collector', ['eventStore']]);
  assert.equal(Object.keys((await readiness(projectionsUrl)).checks).sort(), ['eventStore', 'projections', 'readStore']);
  const readApiReady = await readiness(readApiUrl);
  assert.equal(Object.keys(readApiReady.checks).sort(), ['eventStore', 'projections', 'readStore']);
  assert.is(readApiReady.checks.projections?.advisory, true, 'a failed projection does not take the read API out');

  // The collector collects; the read API sees the hit in the shared log; neither does the other's job.
  const hit = new URLSearchParams({ v: '1', tid: PROPERTY, cid: 'split', t: 'pageview', dp: '/split', dh: 'shop.example' });
  assert.is((await fetch(`${collectorUrl}/collect`, { method: 'POST', body: hit, headers: { 'user-agent': BROWSER_UA } })).status, 204);
  assert.match(await (await fetch(`${collectorUrl}/metrics`, { headers: ADMIN })).text(), /webalytic_collector_hits_total\{outcome="recorded",service="collector"\} 1/);
  const headAfter = (await readiness(readApiUrl)).checks.eventStore?.head;
  assert.ok(typeof headAfter === 'string' && headAfter !== (readApiReady.checks.eventStore?.head ?? null), 'the read API reads the log the collector wrote');
  assert.is((await fetch(`${readApiUrl}/collect`, { method: 'POST', body: hit })).status, 404);
  assert.is((await fetch(`${collectorUrl}/api/v1/properties`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status, 404);
  const properties = await fetch(`${readApiUrl}/api/v1/properties`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  assert.is(properties.status, 200);
  assert.equal(((await properties.json()) as { properties: { id: string }[] }).properties.map((p) => p.id), [PROPERTY]);
  assert.is((await fetch(`${readApiUrl}/api/v1/projections`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status, 200);
  // The dashboard is the read API's: a browser asking for a page gets HTML.
  const page = await fetch(`${readApiUrl}/`, { headers: { accept: 'text/html' } });
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.is((await fetch(`${collectorUrl}/`, { headers: { accept: 'text/html' } })).status, 404);

  await Promise.all([stopped(collector, 'collector'), stopped(projections, 'projections'), stopped(readApi, 'read-api')]);
});

test('webalytic start: every service on one port', async () => {
  const dataDir = tempDir();
  await createPropertyIn(dataDir);
  const start = startChild(['start'], { WEBALYTIC_DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN_KEY });
  children.push(start);
  const url = await start.url();
  assertConfigLogged(start, 'start');
  const ready = await readiness(url);
  assert.equal([ready.service, Object.keys(ready.checks).sort()], ['all', ['eventStore', 'projections', 'readStore']]);
  assert.is(ready.checks.projections?.advisory, undefined, 'with the runners in the process, a failed projection makes it unready');
  assert.is((await fetch(`${url}/collect`, { method: 'POST', body: `v=1&tid=${PROPERTY}&cid=one&t=pageview&dp=%2F`, headers: { 'user-agent': BROWSER_UA } })).status, 204);
  assert.is((await fetch(`${url}/api/v1/properties`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status, 200);
  assert.match(await (await fetch(`${url}/metrics`, { headers: ADMIN })).text(), /webalytic_collector_hits_total\{outcome="recorded",service="all"\} 1/);
  await stopped(start, 'start');
});

test('webalytic start on a fresh data dir says how to create the first property and sign in, and stops saying it once done', async () => {
  const dataDir = tempDir();
  const fresh = startChild(['start'], { WEBALYTIC_DATA_DIR: dataDir });
  children.push(fresh);
  const url = await fresh.url();
  const property = await fresh.waitFor((l) => String(l.msg).startsWith('next step: no property yet'), 'the first-property hint');
  assert.ok(String(property.msg).includes(`open ${url}/`), 'points at the dashboard');
  assert.ok(String(property.msg).includes('webalytic property create --id'), 'names the command');
  const key = await fresh.waitFor((l) => String(l.msg).startsWith('next step: no API key yet'), 'the sign-in hint');
  assert.ok(String(key.msg).includes('webalytic keys create --role admin'));
  await stopped(fresh, 'start');

  await createPropertyIn(dataDir);
  const again = startChild(['start'], { WEBALYTIC_DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN_KEY });
  children.push(again);
  await again.url();
  await stopped(again, 'start');
  assert.not.ok(again.lines.some((l) => String(l.msg).startsWith('next step:')), 'no hints once a property exists and a key is configured');
});

test('bad usage and bad configuration exit 2 before anything starts', async () => {
  const extra = startChild(['collector', '--fast'], {});
  const badPort = startChild(['read-api'], { PORT: 'eighty' });
  const badAction = startChild(['projections', 'run', 'analytics'], {});
  children.push(extra, badPort, badAction);
  assert.is((await within(extra.exited, 'collector --fast')).code, 2);
  assert.is((await within(badPort.exited, 'read-api with PORT=eighty')).code, 2);
  assert.is((await within(badAction.exited, 'projections run analytics')).code, 2);
});

test.run();
