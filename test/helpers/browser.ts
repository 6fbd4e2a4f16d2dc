/**
 * Headless Chromium for the browser tests: Debian's `chromium` (or CHROMIUM_PATH) through
 * playwright-core, nothing downloaded. Without it those tests are skipped, unless
 * MBQUAD_REQUIRE_BROWSER=1 (`.ci/run` sets it), which makes its absence a failure.
 */
import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import type { Browser, Page, ViewportSize } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
export const browserRequired = process.env.MBQUAD_REQUIRE_BROWSER === '1';
/** Skip a browser test: no Chromium here, and none required. */
export const noBrowser = !CHROMIUM && !browserRequired;

/** Runs `use` on a new page of a fresh headless Chromium (no network services of its own), collecting the page's console errors and uncaught exceptions; closes the browser after. */
export async function withPage<T>(viewport: ViewportSize, use: (page: Page, errors: string[], browser: Browser) => Promise<T>): Promise<T> {
  expect(CHROMIUM, 'Chromium is required (MBQUAD_REQUIRE_BROWSER=1): apt-get install chromium, or set CHROMIUM_PATH').toBeTruthy();
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    return await use(page, errors, browser);
  } finally {
    await browser.close();
  }
}
