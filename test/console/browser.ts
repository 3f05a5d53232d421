/**
 * Debian's Chromium driven by playwright-core. A missing browser fails the test (CI installs
 * the `chromium` package); nothing is ever downloaded.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { consoleBuildDir } from '../../src/api/console/static.js';
import { tempDir } from '../helpers/server.js';

/** The README's screenshots are refreshed with FERRY_CONSOLE_SCREENSHOTS=1; otherwise they go to a scratch directory. */
export const DOCS = process.env.FERRY_CONSOLE_SCREENSHOTS ? fileURLToPath(new URL('../../docs/', import.meta.url)) : tempDir();

export const CHROMIUM = process.env.FERRY_TEST_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium).`);
  if (!existsSync(join(consoleBuildDir(), 'index.html'))) throw new Error('The console is not built: run npm run build first.');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh browser profile that accepts the test server's own CA-issued certificate. */
export async function newContext(browser: Browser, opts: { width?: number } = {}): Promise<BrowserContext> {
  return browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: opts.width ?? 1100, height: 800 } });
}

/** Signs the page in with an access key and waits for the Overview. */
export async function signInWithKey(page: Page, consoleUrl: string, key: { accessKeyId: string; secretAccessKey: string }): Promise<void> {
  await page.goto(consoleUrl);
  await page.getByLabel('Access key id').fill(key.accessKeyId);
  await page.getByLabel('Secret access key').fill(key.secretAccessKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
}

/** Every URL the page asked for, to show none leaves the server's origin. */
export function recordRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  return urls;
}

/** axe-core finds no serious or critical violation on the page as it is now. */
export async function assertAccessible(page: Page, name: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    [],
    `${name} has serious or critical accessibility violations`,
  );
}
