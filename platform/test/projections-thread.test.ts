// The projections in a worker thread (platform/projections-thread.ts), as `webalytic
// start` runs them on a machine with more than one core: hits collected over HTTP reach
// the analytics read model through the thread, the thread's logs reach the main logger,
// and a thread that dies is reported failed and started again.
import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../config.ts';
import { createLogger, type Logger } from '../logger.ts';
import { projectionsInThread } from '../projections-service.ts';
import { startProjectionsThread } from '../projections-thread.ts';
import { startSystem } from '../system.ts';
import { createAnalyticsProjection } from '../../projections/analytics/index.ts';
import { BROWSER_UA, createPropertyIn, PROPERTY, tempDir, within, type LogLine } from './child.ts';

const ADMIN_KEY = 'admin-key-for-the-projections-thread-test-0123';
const configFor = (dataDir: string, extra: Record<string, string> = {}) =>
  loadConfig({ WEBALYTIC_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', COLLECT_RATE_LIMIT_PER_MINUTE: '0', ADMIN_API_KEY: ADMIN_KEY, RETENTION_INTERVAL_MINUTES: '0', ...extra });

/** A logger whose lines the test reads, and waits for. */
function capturingLogger(): { logger: Logger; lines: LogLine[]; waitFor(predicate: (line: LogLine) => boolean): Promise<LogLine> } {
  const lines: LogLine[] = [];
  const waiting = new Set<{ predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  const logger = createLogger('info', {
    write(text: string) {
      const line = JSON.parse(text) as LogLine;
      lines.push(line);
      for (const waiter of waiting) if (waiter.predicate(line)) (waiting.delete(waiter), waiter.resolve(line));
    },
  });
  return {
    logger,
    lines,
    waitFor: (predicate) => {
      const seen = lines.find(predicate);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiting.add({ predicate, resolve }));
    },
  };
}

/** The message a promise rejects with (fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected a rejection');
}

const test = suite('projections thread');

test('PROJECTIONS_THREAD: auto takes a thread beside other services on a multi-core machine, never alone or with injected projections', () => {
  const config = (mode: string) => configFor(tempDir(), { PROJECTIONS_THREAD: mode });
  assert.is(projectionsInThread({ config: config('inline'), shared: true }), false);
  assert.is(projectionsInThread({ config: config('thread'), shared: false }), true);
  assert.is(projectionsInThread({ config: config('auto'), shared: false }), false);
  assert.is(projectionsInThread({ config: config('thread'), shared: true, projections: [createAnalyticsProjection()] }), false);
  assert.is(projectionsInThread({ config: config('thread'), shared: true, now: () => 0 }), false);
  assert.throws(() => configFor(tempDir(), { PROJECTIONS_THREAD: 'sometimes' }), /PROJECTIONS_THREAD="sometimes" must be one of auto, thread, inline/);
  assert.throws(() => configFor(tempDir(), { PROJECTIONS_HEAP_MB: '10' }), /PROJECTIONS_HEAP_MB="10" must be 64 to 65536/);
});

test('webalytic start with the projections in a thread: a collected hit reaches the report, the thread logs through the main logger, stop ends it', async () => {
  const dataDir = tempDir();
  await createPropertyIn(dataDir);
  const { logger, waitFor } = capturingLogger();
  const system = await startSystem(configFor(dataDir, { PROJECTIONS_THREAD: 'thread' }), logger);
  try {
    const body = new URLSearchParams({ v: '1', tid: PROPERTY, cid: 'thread-visitor', t: 'pageview', dp: '/threaded', dh: 'shop.example', z: randomUUID() });
    assert.is((await fetch(`${system.url}/collect`, { method: 'POST', body: body.toString(), headers: { 'user-agent': BROWSER_UA } })).status, 204);
    const head = await system.eventStore.headPosition();
    assert.ok(head !== undefined);
    await within(system.projections.waitForPosition(head), 'the thread to project the hit');

    const [analytics] = (await system.projections.status()).filter((s) => s.name === 'analytics');
    assert.is(analytics?.state, 'live');
    assert.is(analytics?.position, head);
    assert.ok(analytics!.eventsApplied >= 1);

    const answer = await fetch(`${system.url}/api/v1/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ property: PROPERTY, date_range: 'today', metrics: ['pageviews'], dimensions: ['pagePath'] }),
    });
    assert.is(answer.status, 200);
    const report = (await answer.json()) as { rows: { dimensions: string[]; metrics: number[] }[] };
    assert.equal(report.rows.map((row) => [row.dimensions, row.metrics]), [[['/threaded'], [1]]]);

    // The thread's own lines, written by the main logger with the thread named.
    const threaded = await within(waitFor((line) => line['thread'] === 'projections' && line['projection'] === 'analytics'), 'a log line from the thread');
    assert.is(threaded['app'], 'webalytic');
  } finally {
    await system.stop();
  }
  assert.match(await rejection(system.projections.waitForPosition('0')), /not running/);
});

test('a projections thread that dies: its requests fail, its status says failed with the reason, and it is started again', async () => {
  const { logger, lines, waitFor } = capturingLogger();
  const catalog = [createAnalyticsProjection()];
  const running = await startProjectionsThread({
    config: configFor(tempDir()),
    logger,
    catalog,
    restartDelayMs: 20,
    entry: new URL('./dying-projections-thread.ts', import.meta.url),
  });
  try {
    assert.equal((await running.status()).map((s) => s.state), ['live']);
    assert.is(await rejection(running.waitForPosition('1')), 'the projections thread exited with code 3');
    const failed = await running.status();
    assert.equal(
      failed.map((s) => [s.name, s.version, s.state, s.error?.message]),
      [['analytics', catalog[0]!.version, 'failed', 'the projections thread exited with code 3']],
    );
    await within(waitFor((line) => line.msg === 'the projections thread died; starting it again'), 'the restart to be logged');
    await within(
      waitFor((line) => line.msg === 'stand-in thread started' && lines.filter((l) => l.msg === 'stand-in thread started').length === 2),
      'the second thread',
    );
    assert.equal((await running.status()).map((s) => s.state), ['live']);
  } finally {
    await running.stop();
  }
});

test.run();
