import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startProjections, type RunningProjections } from '../../projections/index.ts';
import { registryFor } from '../../projections/registry.ts';
import type { ProjectionStatus } from '../../projections/status.ts';
import { appendTestEvents } from '../../projections/test/helpers.ts';
import { createCountProjection, readCounts } from '../../projections/test/count-projection.ts';
import type { ProjectionsHandle, ReplayState } from '../app.ts';
import { createProjectionsHandle, type ProjectionsHandleAdapter } from '../routes/projections.ts';
import { call, NOW, problemOf, startTestApi, within } from './harness.ts';

/**
 * TEST DOUBLE: a hand-written ProjectionsHandle whose replays start and finish when the
 * test says, to pin the routes' answers (409 while running, progress) deterministically.
 */
function fakeProjectionsHandle(): ProjectionsHandle & { finish(name: string): void } {
  const replays = new Map<string, ReplayState>();
  const status = (name: string): ProjectionStatus => ({
    name,
    version: 3,
    role: 'live',
    state: 'live',
    owner: 'test:1:fake',
    position: '00000000000000000042',
    headPosition: '00000000000000000050',
    eventsBehind: 8,
    eventsApplied: 42,
    batches: 2,
    startedAt: NOW,
    updatedAt: NOW,
  });
  return {
    status: async () => [status('analytics'), status('realtime')],
    async replay(name) {
      if (replays.get(name)?.state === 'running') return { started: false };
      replays.set(name, { name, state: 'running', startedAt: NOW, version: 4, done: 10, total: 50, unit: 'events', eventsApplied: 10 });
      return { started: true };
    },
    replayProgress: async (name) => replays.get(name),
    finish(name) {
      const state = replays.get(name);
      if (state) replays.set(name, { ...state, state: 'switched', done: 50, eventsApplied: 50, finishedAt: NOW + 1 });
    },
  };
}

test('without projections in the process: 503 problem', async () => {
  const api = await startTestApi();
  try {
    const { key } = await api.issueKey('admin');
    const problem = problemOf(await call(api, 'GET', '/api/v1/projections', { key }), 503);
    assert.match(problem.detail, /do not run in this process/);
  } finally {
    await api.close();
  }
});

test('status and lag; replay is admin-only, 202 then 409 while running; progress readable (test double)', async () => {
  const fake = fakeProjectionsHandle();
  const api = await startTestApi({ deps: { projections: fake } });
  try {
    const admin = (await api.issueKey('admin')).key;
    await api.createProperty('UA-700-1');
    const read = (await api.issueKey('read', ['UA-700-1'])).key;
    const status = await call(api, 'GET', '/api/v1/projections', { key: read });
    assert.is(status.status, 200);
    const projections = (status.json as { projections: ProjectionStatus[] }).projections;
    assert.equal(projections.map((p) => [p.name, p.state, p.eventsBehind]), [['analytics', 'live', 8], ['realtime', 'live', 8]]);

    problemOf(await call(api, 'POST', '/api/v1/projections/analytics/replay', { key: read }), 403);
    const unknown = problemOf(await call(api, 'POST', '/api/v1/projections/nope/replay', { key: admin }), 404);
    assert.match(unknown.detail, /known: analytics, realtime/);
    problemOf(await call(api, 'GET', '/api/v1/projections/analytics/replay', { key: admin }), 404);

    const started = await call(api, 'POST', '/api/v1/projections/analytics/replay', { key: admin });
    assert.is(started.status, 202);
    assert.equal(started.json, { name: 'analytics', started: true, progress: 'projections/analytics/replay' });
    assert.is(started.headers.get('location'), 'projections/analytics/replay');
    const again = problemOf(await call(api, 'POST', '/api/v1/projections/analytics/replay', { key: admin }), 409);
    assert.match(again.detail, /already running/);
    const running = (await call(api, 'GET', '/api/v1/projections/analytics/replay', { key: read })).json as ReplayState;
    assert.equal([running.state, running.done, running.total], ['running', 10, 50]);
    fake.finish('analytics');
    const done = (await call(api, 'GET', '/api/v1/projections/analytics/replay', { key: read })).json as ReplayState;
    assert.equal([done.state, done.done, done.finishedAt], ['switched', 50, NOW + 1]);
  } finally {
    await api.close();
  }
});

test('a real blue/green replay through the API: the running projections, replayProjection, the registry', async () => {
  let head = '';
  let running: RunningProjections | undefined;
  let handle: ProjectionsHandleAdapter | undefined;
  const api = await startTestApi({
    async setup({ eventStore, readStore, logger }) {
      head = await appendTestEvents(eventStore, 120, { streams: 6 });
      running = await startProjections({ projections: [createCountProjection({ version: 1 })], eventStore, readStore, logger });
      handle = createProjectionsHandle({
        running,
        // The code now has version 2: the replay builds it beside the serving version 1.
        projections: [createCountProjection({ version: 2 })],
        eventStore,
        readStore,
        logger,
        replayOptions: { dropPrevious: false, leaseMs: 2000, leaseRetryMs: 20 },
      });
      return { projections: handle };
    },
  });
  try {
    if (!running || !handle) throw new Error('setup did not run');
    await within(running.waitForPosition(head), 'version 1 to be live at the head');
    const admin = (await api.issueKey('admin')).key;
    const before = (await call(api, 'GET', '/api/v1/projections', { key: admin })).json as { projections: ProjectionStatus[] };
    assert.equal(before.projections.map((p) => [p.name, p.version, p.state, p.eventsBehind]), [['test-counts', 1, 'live', 0]]);

    const started = await call(api, 'POST', '/api/v1/projections/test-counts/replay', { key: admin });
    assert.is(started.status, 202, started.text);
    const final = await within(handle.settled('test-counts'), 'the replay to end');
    assert.is(final?.state, 'switched');
    const progress = (await call(api, 'GET', '/api/v1/projections/test-counts/replay', { key: admin })).json as ReplayState;
    assert.equal([progress.state, progress.version, progress.previousVersion, progress.eventsApplied], ['switched', 2, 1, 120]);
    assert.ok(typeof progress.finishedAt === 'number' && progress.finishedAt >= progress.startedAt);
    assert.is(await registryFor(api.readStore).activeVersion('test-counts'), 2);
    assert.equal(readCounts(api.readStore.db, 'test-counts', 2), readCounts(api.readStore.db, 'test-counts', 1));
  } finally {
    await handle?.stop();
    await running?.stop();
    await api.close();
  }
});

test.run();
