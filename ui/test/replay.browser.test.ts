// The replay button, in headless Chromium, with live progress: the read API (real HTTP,
// real embedded stores, the real replayProjection) serves a projection whose code is at
// version 2 while version 1 serves reads, as after an upgrade. Version 2's build is held
// after its first batch, so the test can see the page show the progress the API reports
// while the replay runs; released, it must show the switch.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { createCountProjection } from '../../projections/test/count-projection.ts';
import { appendTestEvents } from '../../projections/test/helpers.ts';
import { startProjections, type RunningProjections } from '../../projections/index.ts';
import type { Projection } from '../../projections/projection.ts';
import { registryFor } from '../../projections/registry.ts';
import { BOOTSTRAP_KEY, startTestApi, type TestApi } from '../../read-api/test/harness.ts';
import { createProjectionsHandle, type ProjectionsHandleAdapter } from '../../read-api/routes/projections.ts';
import { uiMiddleware } from '../serve.ts';
import { ensureUiBuilt } from '../build.ts';
import type { ReplayProgress } from '../src/lib/types.ts';
import { launchChromium, missingChromium } from './browser.ts';

const NAME = 'test-counts';
const EVENTS = 240;
const BATCH = 40;
const PROPERTY = 'UA-5150-1';
const missing = missingChromium();

/** Version 2 of the counting projection, whose build waits at its second batch until `release`. */
function heldProjection(): { projection: Projection; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const inner = createCountProjection({ name: NAME, version: 2 });
  const projection: Projection = {
    ...inner,
    async openSink(store, version, logger) {
      const sink = await inner.openSink(store, version, logger);
      let batches = 0;
      return {
        ...sink,
        async applyBatch(events, position) {
          batches += 1;
          if (batches >= 2) await gate;
          return sink.applyBatch(events, position);
        },
      };
    },
  };
  return { projection, release };
}

if (missing) {
  process.stderr.write(`ui/test/replay.browser.test.ts: skipped, ${missing}\n`);
} else {
  let api: TestApi | undefined;
  let running: RunningProjections | undefined;
  let handle: ProjectionsHandleAdapter | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const held = heldProjection();
  const pageErrors: string[] = [];

  test.after(async () => {
    held.release();
    await handle?.stop();
    await running?.stop();
    await browser?.close();
    await api?.close();
  });

  const progress = async (): Promise<ReplayProgress> => {
    const response = await fetch(`${api?.url}/api/v1/projections/${NAME}/replay`, { headers: { authorization: `Bearer ${BOOTSTRAP_KEY}` } });
    assert.is(response.status, 200);
    return (await response.json()) as ReplayProgress;
  };

  test('the replay button shows the live progress of a blue/green replay, then its switch', async () => {
    ensureUiBuilt();
    let head = '';
    api = await startTestApi({
      async setup({ eventStore, readStore, logger }) {
        head = await appendTestEvents(eventStore, EVENTS, { streams: 6 });
        running = await startProjections({ projections: [createCountProjection({ name: NAME, version: 1 })], eventStore, readStore, logger });
        handle = createProjectionsHandle({
          running,
          projections: [held.projection],
          eventStore,
          readStore,
          logger,
          replayOptions: { batchSize: BATCH, progressMs: 0, dropPrevious: false, leaseMs: 2000, leaseRetryMs: 20 },
        });
        return { projections: handle };
      },
    });
    api.app.use(uiMiddleware());
    await api.createProperty(PROPERTY);
    await running?.waitForPosition(head);

    browser = await launchChromium();
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1200, height: 900 } });
    await context.addInitScript((key) => sessionStorage.setItem('webalytic.apiKey', key), BOOTSTRAP_KEY);
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('dialog', (dialog) => void dialog.accept());

    await page.goto(`${api.url}/#/admin?property=${PROPERTY}&report=projections`);
    const card = page.locator(`[data-projection="${NAME}"]`);
    await card.locator('[data-state="live"]').waitFor();
    await card.getByRole('button', { name: 'Replay' }).click();

    // Held after its first batch: the API's progress stands still, and the page must show it.
    await card.locator('[data-replay-state="running"]').waitFor();
    const during = await progress();
    assert.is(during.state, 'running');
    assert.is(during.version, 2);
    assert.ok(typeof during.done === 'number' && typeof during.total === 'number' && during.total >= EVENTS, `progress ${JSON.stringify(during)}`);
    const percent = Math.round(((during.done ?? 0) / (during.total ?? 1)) * 100);
    assert.ok(percent < 100, 'held before the end');
    const bar = card.getByRole('progressbar', { name: `Replay of ${NAME}` });
    await page.waitForFunction(
      ([selector, expected]) => document.querySelector(selector)?.getAttribute('aria-valuenow') === expected,
      [`[data-projection="${NAME}"] [role="progressbar"]`, String(percent)] as const,
    );
    assert.is(await bar.getAttribute('aria-valuenow'), String(percent));
    const text = (await card.locator('[data-replay-state="running"]').textContent()) ?? '';
    assert.ok(text.includes(`${during.done} of ${during.total} events`), `the page says how far: ${text}`);
    assert.ok(await card.getByRole('button', { name: 'Replaying…' }).isDisabled(), 'no second replay while one runs');

    held.release();
    await card.locator('[data-replay-state="switched"]').waitFor();
    const after = await progress();
    assert.equal([after.state, after.version, after.previousVersion, after.eventsApplied], ['switched', 2, 1, EVENTS]);
    assert.ok(((await card.locator('[data-replay-state="switched"]').textContent()) ?? '').includes('Done: the new version serves reads'));
    assert.is(await registryFor(api.readStore).activeVersion(NAME), 2);
    assert.equal(pageErrors, []);
  });
}

test.run();
