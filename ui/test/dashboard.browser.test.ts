// The dashboard in headless Chromium against the real server (collector, projections,
// read API) on a temp data dir: sign in, the overview's numbers (tiles, the six tables,
// the time series' table) equal the API's, a click filters every report, the URL
// round-trips and Back works, the live tail shows a hit sent during the test and pauses,
// a session opens its raw timeline, the replay button of the real system answers, and
// hostile strings stay text. The other pages: reports.browser.test.ts; the replay's live
// progress: replay.browser.test.ts; keyboard, contrast, themes, phone: ux.browser.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { formatValue } from '../src/lib/format.ts';
import { metricInfo, OVERVIEW_METRICS } from '../src/lib/metrics.ts';
import type { QueryResponse } from '../src/lib/types.ts';
import { launchChromium, missingChromium } from './browser.ts';
import { apiRows, tableRows } from './page-helpers.ts';
import { missingPart, startFixture, XSS_IMG, XSS_SCRIPT, type Fixture } from './system-fixture.ts';

const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const missing = missingPart() ?? missingChromium();

if (missing) {
  process.stderr.write(`ui/test/dashboard.browser.test.ts: skipped, ${missing}\n`);
} else {
  let fixture: Fixture;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  let setupError: unknown;
  /** Later tests need the system and the browser: they stop at once when these did not start. */
  const ready = () => {
    if (setupError) throw new Error(`setup failed: ${setupError instanceof Error ? setupError.message : String(setupError)}`);
  };

  // A test rather than a before hook: uvu does not report a hook's failure.
  test('starts the system on a temp data dir and a headless Chromium', async () => {
    try {
      await setup();
    } catch (error) {
      setupError = error;
      throw error;
    }
  });

  async function setup(): Promise<void> {
    // UI_PERF_VISITORS makes the store bigger for the render-time figure (e.g. 250000 ≈ 1M pageviews).
    fixture = await startFixture({ simulate: { visitors: Number(process.env.UI_PERF_VISITORS ?? 60), days: 30 } });
    browser = await launchChromium();
    context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('dialog', (dialog) => void dialog.accept());
  }

  test.after(async () => {
    await context?.close();
    await browser?.close();
    await fixture?.close();
  });

  const query = (body: Record<string, unknown>) => fixture.api<QueryResponse>('POST', '/query', { property: fixture.propertyId, ...body });
  /** The KPI tiles once loaded: metric → raw value. */
  async function tiles(): Promise<Record<string, number>> {
    await page.waitForSelector('[data-metric] .value[data-value]');
    await page.waitForFunction(() => !document.querySelector('section[aria-label="Key figures"] [aria-busy="true"]'));
    return page.$$eval('button[data-metric]', (buttons) =>
      Object.fromEntries(buttons.map((b) => [b.getAttribute('data-metric') ?? '', Number(b.querySelector('.value')?.getAttribute('data-value'))])),
    );
  }
  const hashParams = () => new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '');

  test('signs in with an API key kept out of the URL', async () => {
    ready();
    await page.goto(`${fixture.url}/`);
    await page.fill('input[name="api-key"]', 'wa_wrong_key');
    await page.click('button[type="submit"]');
    await page.waitForSelector('#login-error');
    await page.fill('input[name="api-key"]', fixture.key);
    await page.click('button[type="submit"]');
    await page.waitForSelector('nav[aria-label="Reports"]');
    assert.not.ok(page.url().includes(fixture.key));
    assert.is(await page.evaluate(() => sessionStorage.getItem('webalytic.apiKey')), fixture.key);
    assert.is(hashParams().get('property'), fixture.propertyId);
  });

  /** Loads the dashboard afresh on the overview and waits for every widget's numbers; returns the milliseconds it took. */
  async function renderOverview(range: string): Promise<number> {
    await page.goto('about:blank');
    const started = performance.now();
    await page.goto(`${fixture.url}/#/overview?property=${fixture.propertyId}&range=${range}`);
    await page.waitForSelector('[data-metric] .value[data-value]');
    await page.waitForSelector('[data-widget="timeseries"] .chart, [data-widget="timeseries"] [data-state="empty"]');
    await page.waitForFunction(() => document.querySelectorAll('.report').length === 6 && document.querySelectorAll('main [aria-busy="true"]').length === 0);
    return performance.now() - started;
  }

  test('the overview shows the numbers the API answers', async () => {
    ready();
    const ms30 = await renderOverview('30d');
    const size = await query({ date_range: '30d', metrics: ['pageviews'], dimensions: [] });
    process.stdout.write(`\n  overview of 30 days (${size.totals.metrics[0]} pageviews) rendered in ${Math.round(ms30)} ms\n`);

    await renderOverview('today');
    const shown = await tiles();

    const api = await query({ date_range: 'today', metrics: [...OVERVIEW_METRICS], dimensions: [] });
    for (const [i, metric] of api.metrics.entries()) {
      const value = api.totals.metrics[i] ?? 0;
      if (!(metric in shown)) {
        assert.ok(metric === 'transactions' || metric === 'transactionRevenue', `tile ${metric} missing`);
        continue;
      }
      assert.ok(Math.abs((shown[metric] ?? NaN) - value) < 1e-9, `${metric}: page ${shown[metric]} vs API ${value}`);
      const text = await page.textContent(`button[data-metric="${metric}"] .value`);
      assert.is(text?.trim(), formatValue(metricInfo(metric).kind, value, { compact: true, currency: api.currency, locale: 'en-US' }));
    }
    assert.ok((shown.users ?? 0) > 0, 'no users today: the fixture hits did not arrive');

    // The six compact tables: their first ten rows by their metric.
    for (const [dimension, metric] of [['channel', 'users'], ['source', 'users'], ['pagePath', 'pageviews'], ['country', 'users'], ['deviceCategory', 'users'], ['landingPage', 'sessions']] as const) {
      const top = await query({ date_range: 'today', compare: null, metrics: [metric], dimensions: [dimension], filters: null, order_by: [[metric, 'desc']], limit: 10, offset: 0 });
      assert.ok(top.rows.length > 0, `${dimension}: the fixture visits fill it`);
      assert.equal(await tableRows(page, `[data-report="${dimension}"]`, [dimension], [metric]), apiRows(top), dimension);
    }

    // The time series' table (its text alternative): every hour of today so far, the API's users or zero.
    const series = await query({ date_range: 'today', metrics: ['users'], dimensions: ['hour'], order_by: [['hour', 'asc']], limit: 5000 });
    // Hour keys are YYYY-MM-DDTHH in the property's time zone.
    const byHour = new Map(series.rows.map((r) => [Number((r.dimensions[0] ?? '').slice(11, 13)), r.metrics[0] ?? 0]));
    const tableId = (await page.getAttribute('[data-widget="timeseries"] [role="img"]', 'aria-describedby')) ?? '';
    const values = await page.$$eval(`#${tableId} tbody td:first-of-type`, (tds) => tds.map((td) => td.textContent?.trim() ?? ''));
    assert.ok(values.length >= Math.max(...byHour.keys()) + 1 && values.length <= 24, `one row per hour of today so far, not ${values.length}`);
    assert.equal(values, values.map((_, hour) => formatValue('count', byHour.get(hour) ?? 0, { locale: 'en-US' })));
    assert.ok([...byHour.values()].some((v) => v > 0));
  });

  test('clicking a dimension value adds a filter chip that changes every report', async () => {
    ready();
    const before = await tiles();
    const countries = await query({ date_range: 'today', metrics: ['users'], dimensions: ['country'], order_by: [['users', 'desc']] });
    const target = countries.rows.find((r) => (r.metrics[0] ?? 0) < (before.users ?? 0));
    assert.ok(target, 'the fixture has visitors from several countries');
    const code = target.dimensions[0] ?? '';
    await page.click(`[data-report="country"] button.filter-link[data-value="${code}"]`);
    await page.waitForSelector(`.chip[data-filter="country"]`);
    assert.equal(hashParams().getAll('f'), [`country.is.${code}`]);
    await page.waitForFunction((expected) => document.querySelector('button[data-metric="users"] .value')?.getAttribute('data-value') === String(expected), target.metrics[0]);
    const filtered = await query({ date_range: 'today', metrics: ['users', 'pageviews'], dimensions: [], filters: { and: [['is', 'country', [code]]] } });
    const after = await tiles();
    assert.is(after.users, filtered.totals.metrics[0]);
    assert.is(after.pageviews, filtered.totals.metrics[1]);
    assert.is.not(after.users, before.users);
    // The other reports carry the filter too.
    const pages = await query({ date_range: 'today', metrics: ['pageviews'], dimensions: ['pagePath'], filters: { and: [['is', 'country', [code]]] }, order_by: [['pageviews', 'desc']], limit: 10 });
    const shownPages = await page.$$eval('[data-report="pagePath"] tbody tr', (trs) =>
      trs.map((tr) => [tr.querySelector('td[data-col="pagePath"] [data-value]')?.getAttribute('data-value') ?? '', Number(tr.querySelector('td[data-col="pageviews"]')?.getAttribute('data-value'))]),
    );
    assert.equal(shownPages, pages.rows.map((r) => [r.dimensions[0], r.metrics[0]]));
  });

  test('the URL reproduces the view after a reload, and Back undoes the filter', async () => {
    ready();
    const url = page.url();
    const filtered = await tiles();
    await page.reload();
    await page.waitForSelector('.chip[data-filter="country"]');
    assert.is(page.url(), url);
    assert.equal(await tiles(), filtered);

    await page.goBack();
    await page.waitForFunction(() => !document.querySelector('.chip'));
    assert.equal(hashParams().getAll('f'), []);
    const unfiltered = await query({ date_range: 'today', metrics: ['users'], dimensions: [] });
    await page.waitForFunction((expected) => document.querySelector('button[data-metric="users"] .value')?.getAttribute('data-value') === String(expected), unfiltered.totals.metrics[0]);

    // A page change is a history entry too.
    await page.click('nav[aria-label="Reports"] a[data-page="audience"]');
    await page.waitForSelector('h1:has-text("Audience")');
    await page.goBack();
    await page.waitForSelector('button[data-metric="users"]');
    assert.ok(page.url().includes('#/overview'));
  });

  test('the live tail shows a hit sent during the test', async () => {
    ready();
    await page.goto(`${fixture.url}/#/sessions?property=${fixture.propertyId}&range=today`);
    await page.waitForSelector('[data-widget="live-tail"] [data-status="live"]');
    const path = `/live-${Date.now()}`;
    await fixture.hit({ cid: '3001.1', ua: BROWSER_UA, t: 'pageview', dp: path, dt: 'Live tail', dh: 'coffee.example.com' });
    await page.waitForSelector(`[data-widget="live-tail"] li:has-text("${path}")`);
    // Pause stops the stream; resuming picks up what arrived meanwhile.
    await page.click('[data-widget="live-tail"] button:has-text("Pause")');
    await page.waitForSelector('[data-widget="live-tail"] [data-status="paused"]');
    const paused = `/paused-${Date.now()}`;
    await fixture.hit({ cid: '3001.1', ua: BROWSER_UA, t: 'pageview', dp: paused, dt: 'While paused', dh: 'coffee.example.com' });
    await page.click('[data-widget="live-tail"] button:has-text("Resume")');
    await page.waitForSelector(`[data-widget="live-tail"] li:has-text("${paused}")`);
  });

  test('a session opens its timeline of raw hits', async () => {
    ready();
    await fixture.settled();
    await page.reload();
    await page.waitForSelector('section[aria-labelledby="sessions-title"] tbody tr');
    await page.click('section[aria-labelledby="sessions-title"] tbody tr:first-child td:first-child button');
    await page.waitForSelector('[data-session] ol.hits li');
    assert.ok(hashParams().get('session'));
  });

  // A replay of the version already serving ends at once ('up-to-date'); replay.browser.test.ts watches one that builds.
  test('the replay button replays and shows its outcome', async () => {
    ready();
    await page.goto(`${fixture.url}/#/admin?property=${fixture.propertyId}&report=projections`);
    const card = page.locator('[data-projection]').first();
    await card.waitFor();
    const name = await card.getAttribute('data-projection');
    await card.locator('button:has-text("Replay")').click();
    const done = await page.waitForSelector(`[data-projection="${name}"] [data-replay-state]:not([data-replay-state="running"]):not([data-replay-state="starting"])`);
    const state = await done.getAttribute('data-replay-state');
    const api = await fixture.api<{ state: string }>('GET', `/projections/${name}/replay`);
    assert.is(state, api.state);
    assert.ok(['switched', 'up-to-date'].includes(api.state), `replay ended ${api.state}`);
  });

  test('hostile page titles, campaign names and event labels render as text', async () => {
    ready();
    // The raw timeline (read from the event history) of the visitor who sent them.
    await page.goto(`${fixture.url}/#/sessions?property=${fixture.propertyId}&range=today&session=${encodeURIComponent(`${fixture.propertyId}.c.2001.1:1`)}`);
    await page.waitForSelector('[data-session] ol.hits li');
    assert.ok((await page.locator('[data-session] .page .muted', { hasText: XSS_SCRIPT }).count()) >= 1, 'the page title shows as text');
    assert.ok((await page.locator('[data-session] .event', { hasText: XSS_IMG }).count()) >= 1, 'the event label shows as text');
    // The live tail, with a hostile title arriving now.
    await page.waitForSelector('[data-widget="live-tail"] [data-status="live"]');
    await fixture.hit({ cid: '2001.1', ua: BROWSER_UA, t: 'pageview', dp: '/xss-live', dt: XSS_IMG, dh: 'coffee.example.com' });
    await page.waitForSelector(`[data-widget="live-tail"] li:has-text("/xss-live")`);
    assert.ok((await page.textContent('[data-widget="live-tail"] li:has-text("/xss-live")'))?.includes(XSS_IMG));

    {
      const visit = async (hash: string, text: string) => {
        await page.goto(`${fixture.url}/#/${hash}`);
        await page.waitForSelector(`td:has-text(${JSON.stringify(text)})`);
      };
      // A filter from the URL keeps the rows in view however much simulated traffic there is.
      await visit(`behaviour?property=${fixture.propertyId}&range=today&report=titles&f=pageTitle.contains.__xss`, XSS_SCRIPT);
      await visit(`behaviour?property=${fixture.propertyId}&range=today&report=titles&f=pageTitle.contains.__xss`, XSS_IMG);
      await visit(`acquisition?property=${fixture.propertyId}&range=today&report=campaigns&f=campaign.contains.__xss`, XSS_SCRIPT);
      await visit(`behaviour?property=${fixture.propertyId}&range=today&report=events&drill=xss&drill=click`, XSS_IMG);
      await page.goto(`${fixture.url}/#/realtime?property=${fixture.propertyId}`);
      await page.waitForSelector('.big[data-value]');
    }
    assert.is(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss), undefined);
    assert.is(await page.locator('img[src="x"]').count(), 0);
    assert.equal(pageErrors, []);
  });
}

test.run();
