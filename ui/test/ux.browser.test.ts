// How the dashboard treats people, in headless Chromium against the real system: every
// control has a name on every page, the keyboard reaches and works everything (skip link,
// navigation, tabs, sorting, filters, charts and their text alternative), text contrast is
// WCAG AA in the light and the dark theme (the system's choice, and the header's toggle,
// remembered), a failing widget says why and retries without holding the others up, an
// empty range says so, and at phone width no page scrolls sideways.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, missingChromium } from './browser.ts';
import { settledWidget } from './page-helpers.ts';
import { missingPart, startFixture, type Fixture } from './system-fixture.ts';

const missing = missingPart() ?? missingChromium();

/** Every page of the dashboard, with what shows that its data has arrived. */
const PAGES: { hash: string; ready: string }[] = [
  { hash: 'overview?compare=previous_period', ready: 'section.report[data-report="channel"]' },
  { hash: 'realtime', ready: 'section[aria-labelledby="rt-pages"]' },
  { hash: 'acquisition?report=referrals', ready: 'section.report' },
  { hash: 'behaviour?report=events', ready: 'section.report' },
  { hash: 'audience?report=countries', ready: 'section.report' },
  { hash: 'ecommerce', ready: 'section.report[data-report="productName"]' },
  { hash: 'sessions', ready: 'section[aria-labelledby="sessions-title"]' },
  { hash: 'admin', ready: 'form[aria-label="Property settings"]' },
  { hash: 'admin?report=keys', ready: 'main section' },
  { hash: 'admin?report=projections', ready: '[data-projection]' },
  { hash: 'admin?report=new', ready: 'main form' },
];

interface Failure {
  what: string;
  detail: string;
}

/** In the page: interactive elements without an accessible name (aria-label, labelledby, label, text, title). */
function unnamedControls(): Failure[] {
  const text = (el: Element | null | undefined) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
  const nameOf = (el: HTMLElement): string => {
    const aria = el.getAttribute('aria-label');
    if (aria?.trim()) return aria.trim();
    const by = el.getAttribute('aria-labelledby');
    if (by) return by.split(/\s+/).map((id) => text(document.getElementById(id))).join(' ').trim();
    if (el.id) {
      const label = document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
      if (text(label)) return text(label);
    }
    const wrapping = el.closest('label');
    if (wrapping && text(wrapping)) return text(wrapping);
    if (!['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName) && text(el)) return text(el);
    return el.getAttribute('title')?.trim() ?? '';
  };
  const controls = document.querySelectorAll<HTMLElement>('a[href], button, input:not([type="hidden"]), select, textarea, [tabindex="0"], [role="tab"], [role="switch"], [role="img"], [role="progressbar"]');
  return [...controls]
    .filter((el) => el.getClientRects().length > 0 && nameOf(el) === '')
    .map((el) => ({ what: el.outerHTML.slice(0, 140), detail: 'no accessible name' }));
}

/** In the page: visible text whose contrast with what is behind it is under WCAG AA (4.5:1; 3:1 for large text). */
function lowContrastText(): Failure[] {
  const parse = (value: string): [number, number, number, number] | undefined => {
    const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(value);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : undefined;
  };
  const luminance = ([r, g, b]: number[]) => {
    const [R, G, B] = [r, g, b].map((c) => {
      const s = (c ?? 0) / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * (R ?? 0) + 0.7152 * (G ?? 0) + 0.0722 * (B ?? 0);
  };
  const over = (top: number[], bottom: number[]) => [0, 1, 2].map((i) => (top[i] ?? 0) * (top[3] ?? 1) + (bottom[i] ?? 0) * (1 - (top[3] ?? 1)));
  /** The colour behind an element: its own and its ancestors' backgrounds, blended down to the page. */
  const backdrop = (el: Element): number[] => {
    const layers: number[][] = [];
    for (let node: Element | null = el; node; node = node.parentElement) {
      const bg = parse(getComputedStyle(node).backgroundColor);
      if (bg && bg[3] > 0) {
        layers.push(bg);
        if (bg[3] >= 1) break;
      }
    }
    let color = [255, 255, 255];
    for (const layer of layers.reverse()) color = over(layer, color);
    return color;
  };
  const failures: Failure[] = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set<Element>();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || seen.has(el) || !node.textContent?.trim()) continue;
    seen.add(el);
    if (el.closest('svg, option, .visually-hidden, [disabled], [aria-hidden="true"]')) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width <= 1 || rect.height <= 1) continue;
    // Dimmed content is stale content being replaced: not what people read.
    let dimmed = false;
    for (let a: Element | null = el; a; a = a.parentElement) if (Number(getComputedStyle(a).opacity) < 1) dimmed = true;
    if (dimmed) continue;
    const style = getComputedStyle(el);
    const fg = parse(style.color);
    if (!fg) continue;
    const bg = backdrop(el);
    const text = over(fg, bg);
    const [l1, l2] = [luminance(text), luminance(bg)].sort((a, b) => b - a) as [number, number];
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) failures.push({ what: `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} "${node.textContent.trim().slice(0, 30)}"`, detail: `${ratio.toFixed(2)}:1 (${style.color} on rgb(${bg.map(Math.round).join(', ')}))` });
  }
  return failures;
}

/** Runs a checker in the page; tsx names functions with a `__name` helper the page lacks, so it gets a stand-in. */
const inPage = (page: Page, check: () => Failure[]): Promise<Failure[]> => page.evaluate(`(() => { const __name = (f) => f; return (${check.toString()})(); })()`);

const describe = (failures: Failure[]) => failures.map((f) => `\n    ${f.what}: ${f.detail}`).join('');

if (missing) {
  process.stderr.write(`ui/test/ux.browser.test.ts: skipped, ${missing}\n`);
} else {
  let fixture: Fixture | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  const started = (async () => {
    fixture = await startFixture({ simulate: { visitors: 60, days: 30 } });
    browser = await launchChromium();
    return { system: fixture, browser };
  })();
  started.catch(() => undefined);

  test.after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await fixture?.close();
  });

  async function newPage(options: { scheme?: 'light' | 'dark'; width?: number; height?: number; signedIn?: boolean } = {}): Promise<Page> {
    const { system, browser: chromium } = await started;
    const mobile = (options.width ?? 1280) < 600;
    const context = await chromium.newContext({
      locale: 'en-US',
      timezoneId: 'UTC',
      colorScheme: options.scheme ?? 'light',
      viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
      ...(mobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
    });
    contexts.push(context);
    if (options.signedIn !== false) await context.addInitScript((key) => location.protocol.startsWith('http') && sessionStorage.setItem('webalytic.apiKey', key), system.key);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    return page;
  }

  async function visit(page: Page, entry: { hash: string; ready: string }): Promise<void> {
    const { system } = await started;
    await page.goto('about:blank');
    await page.goto(`${system.url}/#/${entry.hash}${entry.hash.includes('?') ? '&' : '?'}property=${system.propertyId}`);
    await page.waitForSelector(entry.ready);
    await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0);
    if (entry.ready.startsWith('section')) await settledWidget(page, entry.ready);
  }

  test('every control on every page has an accessible name, and every chart a text alternative', async () => {
    const { system } = await started;
    const page = await newPage({ signedIn: false });
    await page.goto(`${system.url}/`);
    await page.waitForSelector('input[name="api-key"]');
    const failures: Failure[] = (await inPage(page, unnamedControls)).map((f) => ({ ...f, what: `login: ${f.what}` }));
    await page.evaluate((key) => sessionStorage.setItem('webalytic.apiKey', key), system.key);
    for (const entry of PAGES) {
      await visit(page, entry);
      failures.push(...(await inPage(page, unnamedControls)).map((f) => ({ ...f, what: `${entry.hash}: ${f.what}` })));
    }
    assert.equal(failures.length, 0, `unnamed controls:${describe(failures)}`);

    // Charts: a summary label, and the table behind them with a row per point.
    await visit(page, PAGES[0] as (typeof PAGES)[number]);
    const chart = page.locator('[data-widget="timeseries"] [role="img"]');
    assert.match((await chart.getAttribute('aria-label')) ?? '', /^Users by day, .+ to .+: peak /);
    const tableId = (await chart.getAttribute('aria-describedby')) ?? '';
    const points = await page.locator(`#${tableId} tbody tr`).count();
    assert.is(points, 30, 'one row per day of the 30-day range');
  });

  test('the keyboard reaches and works the skip link, navigation, tabs, sorting, filters and charts', async () => {
    const { system } = await started;
    const page = await newPage();
    await visit(page, { hash: 'overview', ready: 'section.report[data-report="channel"]' });
    const focused = () => page.evaluate(() => ({ id: document.activeElement?.id ?? '', text: document.activeElement?.textContent?.trim() ?? '', page: document.activeElement?.getAttribute('data-page') ?? '' }));

    // The first Tab reaches the skip link; Enter moves to the content.
    await page.keyboard.press('Tab');
    assert.is((await focused()).text, 'Skip to content');
    await page.keyboard.press('Enter');
    assert.is((await focused()).id, 'main');

    // From the top of a fresh load, Tab goes through the header to the navigation; Enter opens the page and focus follows.
    await visit(page, { hash: 'overview', ready: 'section.report[data-report="channel"]' });
    let steps = 0;
    while ((await focused()).page !== 'audience') {
      assert.ok(++steps < 40, 'the Audience link is reachable with Tab');
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Audience', level: 1 }).waitFor();
    assert.ok(page.url().includes('#/audience'));
    await page.waitForFunction(() => document.activeElement?.id === 'main');

    // Report tabs: the arrow keys move between them, and the tab is in the URL.
    await page.getByRole('tab', { name: 'Countries' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-tab') === 'regions');
    assert.is(await page.getByRole('tab', { name: 'Regions' }).getAttribute('aria-selected'), 'true');
    assert.ok(page.url().includes('report=regions'));

    // Sorting and filtering are buttons: Enter works them.
    const scope = 'section.report[data-report="country,region"]';
    await settledWidget(page, scope);
    const usersHeader = page.locator(`${scope} thead th`).filter({ has: page.getByRole('button', { name: 'Users', exact: true }) });
    await usersHeader.getByRole('button').focus();
    await page.keyboard.press('Enter');
    assert.is(await usersHeader.getAttribute('aria-sort'), 'ascending');
    await settledWidget(page, scope);
    const firstRegion = page.locator(`${scope} tbody tr:first-child td[data-col="region"] button.filter-link`);
    const region = (await firstRegion.getAttribute('data-value')) ?? '';
    await firstRegion.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('.chip[data-filter="region"]');
    assert.ok(new URLSearchParams(new URL(page.url()).hash.split('?')[1]).getAll('f').includes(`region.is.${region}`));
    await page.locator('.chip[data-filter="region"] button').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => !document.querySelector('.chip'));

    // The chart is focusable; the arrow keys and End read its points aloud (a live region) from the same values as its table.
    await visit(page, { hash: 'overview', ready: 'section.report[data-report="channel"]' });
    const chart = page.locator('[data-widget="timeseries"] [role="img"]');
    await chart.focus();
    await page.keyboard.press('End');
    const tableId = (await chart.getAttribute('aria-describedby')) ?? '';
    const [period, value] = await page.$$eval(`#${tableId} tbody tr:last-child > *`, (cells) => cells.map((c) => c.textContent?.trim() ?? ''));
    const readout = page.locator('[data-widget="timeseries"] [aria-live="polite"]');
    assert.is((await readout.textContent())?.replace(/\s+/g, ' ').trim(), `${period}: ${value}`);
    await page.keyboard.press('Home');
    const [firstPeriod] = await page.$$eval(`#${tableId} tbody tr:first-child > *`, (cells) => cells.map((c) => c.textContent?.trim() ?? ''));
    assert.ok((await readout.textContent())?.includes(firstPeriod ?? '(none)'));
    void system;
  });

  test('the light theme, the system dark theme and the header toggle all keep text contrast at WCAG AA', async () => {
    const { system } = await started;
    const pageBackground = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const isDark = (rgb: string) => {
      const [r = 255, g = 255, b = 255] = (rgb.match(/[\d.]+/g) ?? []).map(Number);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b < 60;
    };
    const light = await newPage({ scheme: 'light' });
    const dark = await newPage({ scheme: 'dark' });
    const failures: Failure[] = [];
    for (const [name, page] of [['light', light], ['dark', dark]] as const) {
      for (const entry of PAGES) {
        await visit(page, entry);
        failures.push(...(await inPage(page, lowContrastText)).map((f) => ({ ...f, what: `${name} ${entry.hash}: ${f.what}` })));
      }
    }
    assert.equal(failures.length, 0, `text under AA contrast:${describe(failures)}`);
    assert.not.ok(isDark(await pageBackground(light)), 'the light theme is light');
    assert.ok(isDark(await pageBackground(dark)), 'a system in dark mode gets the dark theme');

    // The header's toggle: system → light → dark, remembered across loads.
    await visit(light, PAGES[0] as (typeof PAGES)[number]);
    await light.getByRole('button', { name: /^Theme: system/ }).click();
    await light.getByRole('button', { name: /^Theme: light/ }).click();
    await light.getByRole('button', { name: /^Theme: dark/ }).waitFor();
    assert.is(await light.evaluate(() => document.documentElement.dataset.theme), 'dark');
    assert.ok(isDark(await pageBackground(light)), 'the toggle turns the page dark on a light system');
    await light.reload();
    await light.getByRole('button', { name: /^Theme: dark/ }).waitFor();
    assert.ok(isDark(await pageBackground(light)), 'the choice is remembered');
    const toggled = await inPage(light, lowContrastText);
    assert.equal(toggled.length, 0, `text under AA contrast with the toggle:${describe(toggled)}`);
    void system;
  });

  test('a widget that fails says why and retries while the others show their numbers; an empty range says so', async () => {
    const page = await newPage();
    // The server failing for one widget's query only (the time series asks by date).
    let failing = true;
    await page.route('**/api/v1/query', async (route) => {
      const body = route.request().postDataJSON() as { dimensions?: string[] } | null;
      if (failing && body?.dimensions?.[0] === 'date') {
        await route.fulfill({ status: 500, contentType: 'application/problem+json', body: JSON.stringify({ title: 'Internal Server Error', detail: 'the test broke this query' }) });
        return;
      }
      await route.continue();
    });
    await visit(page, { hash: 'overview', ready: 'section.report[data-report="channel"]' });
    const series = page.locator('[data-widget="timeseries"]');
    assert.is((await series.getByRole('alert').textContent())?.trim().replace(/\s+/g, ' '), 'Internal Server Error: the test broke this query Try again');
    assert.ok(await page.locator('button[data-metric="users"] .value[data-value]').isVisible(), 'the tiles did not wait for the chart');
    assert.is(await page.locator('section.report tbody tr').count() > 0, true, 'nor did the tables');
    failing = false;
    await series.getByRole('button', { name: 'Try again' }).click();
    await series.locator('.chart').waitFor();

    await visit(page, { hash: 'overview?range=2020-01-01..2020-01-31', ready: 'section.report[data-report="channel"]' });
    assert.is(await page.locator('section.report [data-state="empty"]').count(), 6, 'each table says it has nothing');
    assert.is((await series.locator('[data-state="empty"]').textContent())?.trim(), 'No data in this range');
    assert.is(await page.getAttribute('button[data-metric="users"] .value', 'data-value'), '0');
  });

  test('at phone width every page fits the screen without sideways scrolling', async () => {
    const page = await newPage({ width: 375, height: 740 });
    const overflowing: string[] = [];
    for (const entry of PAGES) {
      await visit(page, entry);
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
      if (scrollWidth > innerWidth) overflowing.push(`${entry.hash}: ${scrollWidth}px wide in a ${innerWidth}px screen`);
    }
    assert.equal(overflowing, []);
    // The reports stay readable: the navigation scrolls on its own, the KPI tiles wrap inside the screen.
    await visit(page, PAGES[0] as (typeof PAGES)[number]);
    const tiles = await page.$$eval('button[data-metric]', (buttons) => buttons.map((b) => b.getBoundingClientRect().right));
    assert.ok(tiles.length > 0 && tiles.every((right) => right <= 375), `tiles end at ${tiles.join(', ')}`);
    assert.ok(await page.locator('nav[aria-label="Reports"] a[data-page="admin"]').count(), 'every page is in the navigation');
    assert.equal(pageErrors, []);
  });
}

test.run();
