// Headless Chromium for the dashboard's browser tests, the screenshots and bench:ui:
// Debian's chromium (or CHROMIUM_PATH) driven by playwright-core.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export const missingChromium = (): string | undefined => (existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM}`);

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}
