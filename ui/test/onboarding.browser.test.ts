// A newcomer's first minutes, in headless Chromium against the real system on an empty
// data dir: sign in, create the first property (every field labelled), get its tracking
// snippet, run the demo-data command the page shows (the real `webalytic simulate` in a
// child process, as a newcomer would paste it) and find the numbers on the overview.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import type { PropertySettings, QueryResponse } from '../src/lib/types.ts';
import { launchChromium, missingChromium } from './browser.ts';
import { GEOIP_DB, missingPart, startFixture, type Fixture } from './system-fixture.ts';

const BIN = fileURLToPath(new URL('../../bin/webalytic.js', import.meta.url));
const TID = 'UA-31337-1';
const missing = missingPart() ?? missingChromium();

if (missing) {
  process.stderr.write(`ui/test/onboarding.browser.test.ts: skipped, ${missing}\n`);
} else {
  let fixture: Fixture | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  const started = (async () => {
    fixture = await startFixture({ fresh: true });
    browser = await launchChromium();
    const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/London', viewport: { width: 1100, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    return fixture;
  })();
  // Reported by the first test rather than lost in a hook (uvu does not report hooks' failures).
  started.catch(() => undefined);

  test.after(async () => {
    await browser?.close();
    await fixture?.close();
  });

  test('a fresh install leads from sign-in to a form for the first property', async () => {
    const system = await started;
    await page.goto(`${system.url}/`);
    await page.getByLabel('API key').fill(system.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Add your first website' }).waitFor();
    // No property yet: no dashboard frame behind the form.
    assert.is(await page.locator('nav[aria-label="Reports"]').count(), 0);
    for (const label of ['Name', 'Website URL', 'Tracking ID', 'Time zone', 'Currency']) {
      assert.is(await page.getByLabel(label).count(), 1, `one control labelled ${label}`);
    }
  });

  test('creating it stores every field and shows the tracking snippet the API gives', async () => {
    const system = await started;
    await page.getByLabel('Name').fill('Tea <House> & Co');
    await page.getByLabel('Website URL').fill('https://tea.example.org');
    await page.getByLabel('Tracking ID').fill(TID);
    await page.getByLabel('Time zone').selectOption('Europe/Berlin');
    await page.getByLabel('Currency').selectOption('GBP');
    await page.getByRole('button', { name: 'Create property' }).click();
    await page.waitForSelector('[data-snippet]');

    const properties = await system.api<{ properties: PropertySettings[] }>('GET', '/properties');
    const created = properties.properties.find((p) => p.id === TID);
    assert.ok(created, 'the property exists');
    assert.equal([created.name, created.defaultUrl, created.timeZone, created.currency], ['Tea <House> & Co', 'https://tea.example.org/', 'Europe/Berlin', 'GBP']);
    assert.ok(await page.getByRole('heading', { name: '“Tea <House> & Co” is ready' }).isVisible(), 'the name shows as text');

    const snippet = await system.api<{ snippet: string }>('GET', `/properties/${TID}/snippet`);
    assert.is(await page.textContent('[data-snippet]'), snippet.snippet);
    assert.ok(snippet.snippet.includes(TID));
    assert.ok(await page.getByRole('button', { name: 'Copy snippet' }).isVisible());
  });

  test('the demo-data command it shows fills the dashboard', async () => {
    const system = await started;
    const command = (await page.locator('pre.code', { hasText: 'webalytic simulate' }).textContent())?.trim() ?? '';
    assert.match(command, new RegExp(`^npx webalytic simulate --property ${TID} `));
    const args = command.replace(/^npx webalytic /, '').split(/\s+/);
    // The newcomer's shell runs it in the server's directory, so with the server's data dir.
    await promisify(execFile)(process.execPath, [BIN, ...args], {
      env: { ...process.env, WEBALYTIC_DATA_DIR: system.dataDir, GEOIP_DB, LOG_LEVEL: 'silent' },
    });
    // Written by another process: the running projections pick it up from the shared file.
    await system.settled();

    await page.getByRole('button', { name: 'Open the dashboard' }).click();
    await page.waitForSelector('nav[aria-label="Reports"]');
    const hash = new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '');
    assert.is(hash.get('property'), TID);
    await page.waitForSelector('button[data-metric="users"] .value[data-value]');
    await page.waitForFunction(() => document.querySelectorAll('main [aria-busy="true"]').length === 0);

    const api = await system.api<QueryResponse>('POST', '/query', { property: TID, date_range: '30d', metrics: ['users', 'sessions'], dimensions: [] });
    const [users, sessions] = api.totals.metrics;
    assert.ok((users ?? 0) > 0, 'the simulator sent visitors');
    assert.is(await page.getAttribute('button[data-metric="users"] .value', 'data-value'), String(users));
    assert.is(await page.getAttribute('button[data-metric="sessions"] .value', 'data-value'), String(sessions));
    assert.ok(await page.locator('[data-widget="timeseries"] .chart').isVisible(), 'the time series is drawn');
    assert.equal(pageErrors, []);
  });
}

test.run();
