// Every page of the dashboard shows the read API's numbers, in headless Chromium against
// the real system on a temp data dir filled by the simulator: each report of Acquisition,
// Behaviour (with the events drill-down), Audience and Ecommerce, Realtime, the sessions
// list and the property settings. Then what a table does with them: sort by a column,
// page through, and export CSV.
//
// The reports' dimensions and metrics below are the issue's list of what each page shows;
// the expected numbers always come from the API at test time.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { dimensionLabel, ECOMMERCE_METRICS, metricInfo } from '../src/lib/metrics.ts';
import type { FilterNode, PropertySettings, QueryResponse, RealtimeResponse, SessionList } from '../src/lib/types.ts';
import { launchChromium, missingChromium } from './browser.ts';
import { apiRows, parseCsv, settledWidget, tableRows, tileValues } from './page-helpers.ts';
import { DESKTOP_UA, LONDON, missingPart, startFixture, type Fixture } from './system-fixture.ts';

const missing = missingPart() ?? missingChromium();
const RANGE = '30d';

interface ReportSpec {
  page: 'acquisition' | 'behaviour' | 'audience' | 'ecommerce';
  /** The tab (view.report); undefined on the ecommerce page, which shows all its tables at once. */
  report?: string;
  dimensions: string[];
  metrics: string[];
  filters?: FilterNode[];
  /** The metric the table sorts by at first (default: its first metric). */
  sortBy?: string;
}

const AUDIENCE = ['users', 'newUsers', 'sessions', 'bounceRate', 'pageviewsPerSession', 'avgSessionDuration'];
const REPORTS: ReportSpec[] = [
  { page: 'acquisition', report: 'channels', dimensions: ['channel'], metrics: AUDIENCE },
  { page: 'acquisition', report: 'sourceMedium', dimensions: ['sourceMedium'], metrics: AUDIENCE },
  { page: 'acquisition', report: 'campaigns', dimensions: ['campaign'], metrics: AUDIENCE, filters: [['is_not', 'campaign', ['(not set)']]] },
  { page: 'acquisition', report: 'referrals', dimensions: ['source', 'referralPath'], metrics: AUDIENCE, filters: [['is', 'medium', ['referral']]] },
  { page: 'acquisition', report: 'keywords', dimensions: ['keyword'], metrics: AUDIENCE, filters: [['is', 'medium', ['organic']]] },
  { page: 'behaviour', report: 'pages', dimensions: ['pagePath'], metrics: ['pageviews', 'uniquePageviews', 'avgTimeOnPage', 'entrances', 'bounceRate', 'exitRate'] },
  { page: 'behaviour', report: 'landing', dimensions: ['landingPage'], metrics: ['sessions', 'newUsers', 'bounceRate', 'pageviewsPerSession', 'avgSessionDuration'] },
  { page: 'behaviour', report: 'exit', dimensions: ['exitPage'], metrics: ['exits', 'pageviews', 'exitRate'] },
  { page: 'behaviour', report: 'titles', dimensions: ['pageTitle'], metrics: ['pageviews', 'uniquePageviews', 'avgTimeOnPage', 'bounceRate', 'exitRate'] },
  { page: 'behaviour', report: 'events', dimensions: ['eventCategory'], metrics: ['totalEvents', 'uniqueEvents', 'eventValue'] },
  { page: 'audience', report: 'countries', dimensions: ['country'], metrics: AUDIENCE },
  { page: 'audience', report: 'regions', dimensions: ['country', 'region'], metrics: AUDIENCE },
  { page: 'audience', report: 'cities', dimensions: ['country', 'city'], metrics: AUDIENCE },
  { page: 'audience', report: 'languages', dimensions: ['language'], metrics: AUDIENCE },
  { page: 'audience', report: 'devices', dimensions: ['deviceCategory'], metrics: AUDIENCE },
  { page: 'audience', report: 'browsers', dimensions: ['browser', 'browserVersion'], metrics: AUDIENCE },
  { page: 'audience', report: 'os', dimensions: ['os', 'osVersion'], metrics: AUDIENCE },
  { page: 'audience', report: 'screens', dimensions: ['screenResolution'], metrics: AUDIENCE },
  { page: 'audience', report: 'userType', dimensions: ['userType'], metrics: AUDIENCE },
  { page: 'ecommerce', dimensions: ['productName'], metrics: ['itemQuantity', 'itemRevenue'], sortBy: 'itemRevenue' },
  { page: 'ecommerce', dimensions: ['productCategory'], metrics: ['itemQuantity', 'itemRevenue'], sortBy: 'itemRevenue' },
  { page: 'ecommerce', dimensions: ['transactionId'], metrics: ['transactionRevenue', 'transactionTax', 'transactionShipping', 'itemQuantity'] },
  { page: 'ecommerce', dimensions: ['sourceMedium'], metrics: ['transactions', 'transactionRevenue', 'ecommerceConversionRate', 'avgOrderValue'] },
];

if (missing) {
  process.stderr.write(`ui/test/reports.browser.test.ts: skipped, ${missing}\n`);
} else {
  let fixture: Fixture | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  const started = (async () => {
    fixture = await startFixture({ simulate: { visitors: 60, days: 30 } });
    browser = await launchChromium();
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    // As the login screen would keep it (about:blank, between loads, has no storage).
    await context.addInitScript((key) => location.protocol.startsWith('http') && sessionStorage.setItem('webalytic.apiKey', key), fixture.key);
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    return fixture;
  })();
  started.catch(() => undefined);

  test.after(async () => {
    await browser?.close();
    await fixture?.close();
  });

  const query = async (body: Record<string, unknown>) => {
    const system = await started;
    return system.api<QueryResponse>('POST', '/query', { property: system.propertyId, date_range: RANGE, compare: null, ...body });
  };
  /** A fresh load of the dashboard at `hash` (a hash-only change would keep the page's state). */
  const open = async (hash: string) => {
    const system = await started;
    await page.goto('about:blank');
    await page.goto(`${system.url}/#/${hash}${hash.includes('?') ? '&' : '?'}property=${system.propertyId}&range=${RANGE}`);
  };
  const tableOf = (dimensions: string[]) => `section.report[data-report="${dimensions.join(',')}"]`;
  /** The first page of a report as the dashboard asks for it. */
  const firstPage = (spec: Pick<ReportSpec, 'dimensions' | 'metrics' | 'filters' | 'sortBy'>, extra: Record<string, unknown> = {}) =>
    query({
      dimensions: spec.dimensions,
      metrics: spec.metrics,
      filters: spec.filters ? { and: spec.filters } : null,
      order_by: [[spec.sortBy ?? spec.metrics[0], 'desc']],
      limit: 10,
      offset: 0,
      ...extra,
    });

  test('every report of Acquisition, Behaviour, Audience and Ecommerce shows the rows the API answers', async () => {
    await started;
    let withRows = 0;
    for (const spec of REPORTS) {
      const name = `${spec.page}${spec.report ? `/${spec.report}` : ''} ${spec.dimensions.join(' × ')}`;
      await open(`${spec.page}${spec.report ? `?report=${spec.report}` : ''}`);
      const scope = tableOf(spec.dimensions);
      await settledWidget(page, scope);
      const api = await firstPage(spec);
      const shown = await tableRows(page, scope, spec.dimensions, spec.metrics);
      assert.equal(shown, apiRows(api), name);
      if (api.rows.length === 0) {
        assert.ok(await page.locator(`${scope} [data-state="empty"]`).isVisible(), `${name}: the empty state`);
        continue;
      }
      withRows += 1;
      // The column headers name every metric the issue lists for this report.
      const headers = (await page.locator(`${scope} thead th`).allTextContents()).map((t) => t.replace(/[▲▼]/g, '').trim());
      for (const metric of spec.metrics) assert.ok(headers.includes(metricInfo(metric).label), `${name}: a ${metric} column`);
      if (api.row_count > 10) assert.ok(((await page.textContent(`${scope} .pager`)) ?? '').includes(`1–10 of ${api.row_count}`), `${name}: the pager counts ${api.row_count}`);
    }
    // The simulator's month of traffic fills most reports; an empty one is allowed, not all.
    assert.ok(withRows >= REPORTS.length - 4, `only ${withRows} of ${REPORTS.length} reports had rows`);
  });

  test('the events drill-down goes from categories to actions to labels, each as the API answers', async () => {
    await open('behaviour?report=events');
    const metrics = ['totalEvents', 'uniqueEvents', 'eventValue'];
    await settledWidget(page, tableOf(['eventCategory']));
    const categories = await firstPage({ dimensions: ['eventCategory'], metrics });
    const category = categories.rows[0]?.dimensions[0];
    assert.ok(category, 'the simulator sends events');
    await page.click(`${tableOf(['eventCategory'])} tbody tr:first-child button.drill`);
    await settledWidget(page, tableOf(['eventAction']));
    const byCategory: FilterNode[] = [['is', 'eventCategory', [category]]];
    const actions = await firstPage({ dimensions: ['eventAction'], metrics, filters: byCategory });
    assert.equal(await tableRows(page, tableOf(['eventAction']), ['eventAction'], metrics), apiRows(actions));
    assert.equal(new URLSearchParams(new URL(page.url()).hash.split('?')[1]).getAll('drill'), [category]);

    const action = actions.rows[0]?.dimensions[0] ?? '';
    await page.click(`${tableOf(['eventAction'])} tbody tr:first-child button.drill`);
    await settledWidget(page, tableOf(['eventLabel']));
    const labels = await firstPage({ dimensions: ['eventLabel'], metrics, filters: [...byCategory, ['is', 'eventAction', [action]]] });
    assert.equal(await tableRows(page, tableOf(['eventLabel']), ['eventLabel'], metrics), apiRows(labels));
    // The breadcrumb leads back.
    await page.getByRole('button', { name: 'All categories' }).click();
    await settledWidget(page, tableOf(['eventCategory']));
    assert.equal(await tableRows(page, tableOf(['eventCategory']), ['eventCategory'], metrics), apiRows(categories));
  });

  test('the ecommerce key figures are the API totals', async () => {
    await open('ecommerce');
    const shown = await tileValues(page, 'section[aria-label="Ecommerce key figures"]');
    const api = await query({ metrics: [...ECOMMERCE_METRICS], dimensions: [] });
    assert.equal(shown, Object.fromEntries(api.metrics.map((m, i) => [m, api.totals.metrics[i] ?? null])));
    assert.ok((shown.transactions ?? 0) > 0, 'the fixture has a sale');
  });

  test('realtime shows the active users and the lists the API answers right now', async () => {
    const system = await started;
    // A visit now: the fixture's own recent visits leave the 5-minute window if the suite
    // before this test ran long (it does on a loaded machine).
    await system.hit({ cid: '1006.1', uip: LONDON, ua: DESKTOP_UA, t: 'pageview', dp: '/now', dt: 'Now', dh: 'coffee.example.com' });
    await system.settled();
    const realtime = () => system.api<RealtimeResponse>('GET', `/realtime?property=${system.propertyId}`);
    const lists = ['pages', 'sources', 'countries', 'devices'] as const;
    // Realtime moves with the clock: compare when the API answered the same before and after the page read.
    for (let attempt = 1; ; attempt++) {
      const before = await realtime();
      await page.goto(`${system.url}/#/realtime?property=${system.propertyId}`);
      await page.waitForSelector('.big[data-value]');
      await page.waitForFunction(() => !document.querySelector('main [aria-busy="true"]'));
      const active = Number(await page.getAttribute('.big[data-value]', 'data-value'));
      const shown = Object.fromEntries(
        await Promise.all(lists.map(async (list) => [list, await tableRows(page, `section[aria-labelledby="rt-${list}"]`, ['value'], ['users'])] as const)),
      );
      const after = await realtime();
      const stable = JSON.stringify({ ...before, per_minute: null }) === JSON.stringify({ ...after, per_minute: null });
      if (!stable && attempt < 3) continue;
      assert.ok(stable, 'realtime kept changing during three reads');
      assert.is(active, after.active_users);
      assert.ok(after.active_users > 0, 'the fixture visits are recent');
      for (const list of lists) assert.equal(shown[list], after[list].map((item) => [item.value, item.users]), list);
      break;
    }
  });

  test('the sessions explorer lists the sessions the API answers, with the total', async () => {
    const system = await started;
    await open('sessions');
    await settledWidget(page, 'section[aria-labelledby="sessions-title"]');
    const api = await system.api<SessionList>('GET', `/sessions?property=${system.propertyId}&date_range=${RANGE}&limit=25&offset=0`);
    assert.ok(api.total > 25, 'more than one page of sessions');
    const shown = await page.$$eval('section[aria-labelledby="sessions-title"] tbody tr', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-row'), tr.querySelector('td[data-col="landing_page"]')?.getAttribute('data-value'), Number(tr.querySelector('td[data-col="pageviews"]')?.getAttribute('data-value'))]),
    );
    assert.equal(shown, api.sessions.map((s) => [s.id, s.landing_page, s.pageviews]));
    assert.ok(((await page.textContent('section[aria-labelledby="sessions-title"] .card-head')) ?? '').includes(`${api.total.toLocaleString('en-US')} in this range`));
    await page.getByRole('button', { name: 'Next ›' }).click();
    await page.waitForFunction((id) => document.querySelector('section[aria-labelledby="sessions-title"] tbody tr')?.getAttribute('data-row') !== id, api.sessions[0]?.id ?? '');
    await settledWidget(page, 'section[aria-labelledby="sessions-title"]');
    const second = await system.api<SessionList>('GET', `/sessions?property=${system.propertyId}&date_range=${RANGE}&limit=25&offset=25`);
    const ids = await page.$$eval('section[aria-labelledby="sessions-title"] tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-row')));
    assert.equal(ids, second.sessions.map((s) => s.id));

    // A column header orders every page on the server: most page views first, from page 1.
    const rowIds = () => page.$$eval('section[aria-labelledby="sessions-title"] tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-row')));
    const byPageviews = await system.api<SessionList>('GET', `/sessions?property=${system.propertyId}&date_range=${RANGE}&limit=25&offset=0&sort=-pageviews`);
    await page.locator('section[aria-labelledby="sessions-title"] thead').getByRole('button', { name: 'Pageviews', exact: true }).click();
    await page.waitForFunction((id) => document.querySelector('section[aria-labelledby="sessions-title"] tbody tr')?.getAttribute('data-row') === id, byPageviews.sessions[0]?.id ?? '');
    await settledWidget(page, 'section[aria-labelledby="sessions-title"]');
    assert.equal(await rowIds(), byPageviews.sessions.map((s) => s.id));
    assert.ok((byPageviews.sessions[0]?.pageviews ?? 0) > (byPageviews.sessions[24]?.pageviews ?? 0), 'the first page holds the longest sessions');
  });

  test('the property settings show the aggregate and save a change through the API', async () => {
    const system = await started;
    const read = async () => (await system.api<{ property: PropertySettings } | PropertySettings>('GET', `/properties/${system.propertyId}`)) as PropertySettings & { property?: PropertySettings };
    const before = (await read()).property ?? (await read());
    await open('admin');
    const form = page.locator('form[aria-label="Property settings"]');
    await form.waitFor();
    assert.is(await form.getByLabel('Name', { exact: true }).inputValue(), before.name);
    assert.is(await form.getByLabel('Default URL').inputValue(), before.defaultUrl);
    assert.is(await form.getByLabel('Time zone').inputValue(), before.timeZone);
    assert.is(await form.getByLabel('Currency').inputValue(), before.currency);
    assert.is(Number(await form.getByLabel('Session timeout').inputValue()), before.sessionTimeoutMinutes);
    assert.is(await form.getByLabel('Filter known bots and spiders').isChecked(), before.botFiltering);

    const timeout = before.sessionTimeoutMinutes === 45 ? 40 : 45;
    await form.getByLabel('Session timeout').fill(String(timeout));
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const after = (await read()).property ?? (await read());
    assert.is(after.sessionTimeoutMinutes, timeout);
    assert.is(after.name, before.name);
  });

  test('a table sorts by any column and pages through the API', async () => {
    const spec = REPORTS.find((r) => r.report === 'pages') as ReportSpec;
    const scope = tableOf(spec.dimensions);
    await open('behaviour?report=pages');
    await settledWidget(page, scope);
    const header = (metric: string) => page.locator(`${scope} thead th`).filter({ has: page.getByRole('button', { name: metricInfo(metric).label, exact: true }) });
    assert.is(await header('pageviews').getAttribute('aria-sort'), 'descending');

    const check = async (order: [string, 'asc' | 'desc'], offset = 0) => {
      const api = await firstPage(spec, { order_by: [order], offset });
      await page.waitForFunction(
        ([selector, first]) => document.querySelector(`${selector} tbody tr td`)?.getAttribute('data-value') === first && !document.querySelector(`${selector} [aria-busy="true"]`),
        [scope, api.rows[0]?.dimensions[0] ?? ''] as const,
      );
      assert.equal(await tableRows(page, scope, spec.dimensions, spec.metrics), apiRows(api), `${order.join(' ')} from ${offset}`);
      return api;
    };
    // Pressing the sorted column turns it around; another number column sorts high to low first; text A to Z.
    await header('pageviews').getByRole('button').click();
    assert.is(await header('pageviews').getAttribute('aria-sort'), 'ascending');
    await check(['pageviews', 'asc']);
    await header('avgTimeOnPage').getByRole('button').click();
    assert.is(await header('avgTimeOnPage').getAttribute('aria-sort'), 'descending');
    await check(['avgTimeOnPage', 'desc']);
    await page.locator(`${scope} thead`).getByRole('button', { name: dimensionLabel('pagePath'), exact: true }).click();
    const byPath = await check(['pagePath', 'asc']);
    assert.ok(byPath.row_count > 10, 'more than a page of pages');

    await page.locator(`${scope} .pager`).getByRole('button', { name: 'Next ›' }).click();
    await check(['pagePath', 'asc'], 10);
    assert.ok(((await page.textContent(`${scope} .pager`)) ?? '').includes(`11–${Math.min(20, byPath.row_count)} of ${byPath.row_count}`));
    await page.locator(`${scope} .pager`).getByRole('button', { name: '‹ Previous' }).click();
    await check(['pagePath', 'asc']);
  });

  test('Export CSV downloads every row of the report as the API answers it', async () => {
    const spec = REPORTS.find((r) => r.report === 'pages') as ReportSpec;
    const scope = tableOf(spec.dimensions);
    await open('behaviour?report=pages');
    await settledWidget(page, scope);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(scope).getByRole('button', { name: 'Export CSV' }).click()]);
    const api = await query({ dimensions: spec.dimensions, metrics: spec.metrics, filters: null, order_by: [['pageviews', 'desc']], limit: 10000, offset: 0 });
    assert.is(download.suggestedFilename(), `pages-${api.date_range.from}-${api.date_range.to}.csv`);
    const rows = parseCsv(readFileSync(await download.path(), 'utf8'));
    assert.equal(rows[0], [...spec.dimensions.map(dimensionLabel), ...spec.metrics.map((m) => metricInfo(m).label)]);
    assert.equal(
      rows.slice(1),
      api.rows.map((r) => [...r.dimensions.map((d) => (/^[=+\-@\t\r]/.test(d) ? `'${d}` : d)), ...r.metrics.map((m) => (m === null ? '' : String(m)))]),
    );
    assert.ok(rows.length - 1 === api.row_count && api.row_count > 10, 'every row, not only the page shown');
    assert.equal(pageErrors, []);
  });
}

test.run();
