// `npm run screenshots`: starts Webalytic on a temp data dir filled by the simulator,
// signs in to the dashboard in headless Chromium and saves a PNG of every page to
// docs/screenshots/. Prints each file written.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './test/browser.ts';
import { REPO_ROOT, startFixture } from './test/system-fixture.ts';

const OUT_DIR = join(REPO_ROOT, 'docs', 'screenshots');
const VISITORS = Number(process.env.SCREENSHOT_VISITORS ?? 800);
// Sixty days, so the comparison with the previous 30 days has something to compare.
const DAYS = Number(process.env.SCREENSHOT_DAYS ?? 60);

interface Shot {
  file: string;
  hash: string;
  /** What to wait for before the picture (the page's data, not a delay). */
  ready: string;
  scheme?: 'light' | 'dark';
  width?: number;
  prepare?: (page: Page) => Promise<void>;
}

const shots = (property: string): Shot[] => {
  const p = `property=${property}`;
  return [
    { file: 'overview.png', hash: `overview?${p}&compare=previous_period`, ready: '[data-report="channel"] tbody tr' },
    { file: 'overview-dark.png', hash: `overview?${p}`, ready: '[data-report="channel"] tbody tr', scheme: 'dark' },
    { file: 'overview-phone.png', hash: `overview?${p}`, ready: '[data-report="channel"] tbody tr', width: 390 },
    { file: 'realtime.png', hash: `realtime?${p}`, ready: '.big[data-value]' },
    { file: 'acquisition.png', hash: `acquisition?${p}&report=sourceMedium`, ready: '.report tbody tr' },
    { file: 'behaviour.png', hash: `behaviour?${p}&report=pages`, ready: '.report tbody tr' },
    { file: 'behaviour-events.png', hash: `behaviour?${p}&report=events`, ready: '.report tbody tr' },
    { file: 'audience.png', hash: `audience?${p}&report=countries`, ready: '.report tbody tr' },
    { file: 'ecommerce.png', hash: `ecommerce?${p}`, ready: '[data-report="productName"] tbody tr, [data-report="productName"] [data-state="empty"]' },
    {
      file: 'sessions.png',
      hash: `sessions?${p}`,
      ready: 'section[aria-labelledby="sessions-title"] tbody tr',
      prepare: async (page) => {
        await page.click('section[aria-labelledby="sessions-title"] tbody tr:first-child td:first-child button');
        await page.waitForSelector('[data-session] ol.hits li');
      },
    },
    { file: 'administration.png', hash: `admin?${p}`, ready: 'form[aria-label="Property settings"]' },
    { file: 'projections.png', hash: `admin?${p}&report=projections`, ready: '[data-projection], [data-state="empty"]' },
    { file: 'add-property.png', hash: `admin?${p}&report=new`, ready: 'form' },
  ];
};

async function main(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  process.stdout.write(`starting Webalytic with ${VISITORS} simulated visitors over ${DAYS} days…\n`);
  const fixture = await startFixture({ simulate: { visitors: VISITORS, days: DAYS }, hostile: false, propertyName: 'Coffee & Co' });
  const browser = await launchChromium();
  try {
    await firstRun(browser);
    const login = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    await login.goto(`${fixture.url}/`);
    await login.waitForSelector('input[name="api-key"]');
    await login.screenshot({ path: join(OUT_DIR, 'login.png') });
    process.stdout.write(`wrote docs/screenshots/login.png\n`);
    await login.close();

    for (const shot of shots(fixture.propertyId)) {
      const context = await browser.newContext({ viewport: { width: shot.width ?? 1280, height: 900 }, locale: 'en-US', colorScheme: shot.scheme ?? 'light', deviceScaleFactor: 1 });
      // The key goes in sessionStorage before the app starts, as the login screen would put it.
      await context.addInitScript((key) => sessionStorage.setItem('webalytic.apiKey', key), fixture.key);
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(`${fixture.url}/#/${shot.hash}`);
      await page.waitForSelector(shot.ready);
      await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0);
      await shot.prepare?.(page);
      await page.screenshot({ path: join(OUT_DIR, shot.file), fullPage: true });
      process.stdout.write(`wrote docs/screenshots/${shot.file}\n`);
      await context.close();
    }
  } finally {
    await browser.close();
    await fixture.close();
  }
}

/** A fresh install after sign-in: the form for the first property, then its snippet. */
async function firstRun(browser: Browser): Promise<void> {
  const fresh = await startFixture({ fresh: true });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Europe/Berlin', deviceScaleFactor: 1 });
  try {
    await context.addInitScript((key) => sessionStorage.setItem('webalytic.apiKey', key), fresh.key);
    const page = await context.newPage();
    await page.goto(`${fresh.url}/`);
    await page.getByLabel('Name').fill('My coffee shop');
    await page.getByLabel('Website URL').fill('https://coffee.example.com');
    await page.getByLabel('Tracking ID').fill('UA-12345-1');
    await page.getByLabel('Currency').selectOption('EUR');
    await page.screenshot({ path: join(OUT_DIR, 'onboarding.png') });
    process.stdout.write('wrote docs/screenshots/onboarding.png\n');
    await page.getByRole('button', { name: 'Create property' }).click();
    await page.waitForSelector('[data-snippet]');
    await page.screenshot({ path: join(OUT_DIR, 'onboarding-snippet.png') });
    process.stdout.write('wrote docs/screenshots/onboarding-snippet.png\n');
  } finally {
    await context.close();
    await fresh.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`screenshots failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
