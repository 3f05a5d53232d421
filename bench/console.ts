/**
 * `npm run bench -- console [--things N] [--runs R] [--out DIR]`: measures, never asserts, the
 * web console's weight and speed — its JavaScript and CSS as shipped (dist/console, raw and
 * gzipped) and, in Debian's Chromium, the time from opening the things list to its first
 * render with N things (default 10,000) registered through the API. Writes console.json to --out.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateThingCommand } from '@aws-sdk/client-iot';
import { chromium, type Page } from 'playwright-core';
import { consoleBuildDir } from '../src/api/console/static.js';
import { startFerry } from './ferry/server.js';
import { ferryClients } from './ferry/clients.js';
import { stopAll } from './children.js';

const log = (line: string) => process.stdout.write(`${line}\n`);
const CHROMIUM = process.env.FERRY_TEST_CHROMIUM ?? '/usr/bin/chromium';

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

/** Every shipped asset, raw and gzipped at level 9 (what a compressing proxy would send). */
export function assetSizes(dir = consoleBuildDir()): { js: { raw: number; gzip: number }; css: { raw: number; gzip: number }; files: string[] } {
  const sizes = { js: { raw: 0, gzip: 0 }, css: { raw: 0, gzip: 0 } };
  const files = readdirSync(join(dir, 'assets'));
  for (const name of files) {
    const kind = name.endsWith('.js') ? 'js' : name.endsWith('.css') ? 'css' : undefined;
    if (!kind) continue;
    const body = readFileSync(join(dir, 'assets', name));
    sizes[kind].raw += body.length;
    sizes[kind].gzip += gzipSync(body, { level: 9 }).length;
  }
  return { ...sizes, files };
}

async function registerThings(create: (name: string) => Promise<unknown>, count: number, concurrency = 32): Promise<number> {
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        await create(`bench_console_${String(i).padStart(5, '0')}`);
        if ((i + 1) % 2000 === 0) log(`  registered ${i + 1}/${count}`);
      }
    }),
  );
  return (Date.now() - started) / 1000;
}

/** The page's own stamp; polled with evaluate (the console's CSP forbids waitForFunction's eval). */
async function renderedAt(page: Page): Promise<number> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const at = await page.evaluate<number | null>('window.__rendered ?? null');
    if (at !== null) return at;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the things list did not render within two minutes');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchConsole(args: string[]): Promise<number> {
  const things = Number(option(args, '--things', '10000'));
  const runs = Number(option(args, '--runs', '5'));
  const out = option(args, '--out', 'bench-results/console');
  mkdirSync(out, { recursive: true });
  const sizes = assetSizes();
  log(`console assets: JavaScript ${sizes.js.raw} B (${sizes.js.gzip} B gzipped), CSS ${sizes.css.raw} B (${sizes.css.gzip} B gzipped)`);

  const dataDir = join(out, 'data');
  rmSync(dataDir, { recursive: true, force: true });
  const ferry = await startFerry({ dataDir, logFile: join(out, 'ferry.log') });
  const clients = ferryClients(ferry);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    log(`registering ${things} things`);
    const registerSeconds = await registerThings((thingName) => clients.iot.send(new CreateThingCommand({ thingName, attributePayload: { attributes: { site: 'bench' } } })), things);
    const base = (ferry.endpoints.endpoints as unknown as { console: string }).console;
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    // Stamps the moment the list's caption shows every thing: measured in the page, not by polling from here.
    await page.addInitScript(`(() => {
      const want = ${JSON.stringify(`of ${things} things`)};
      new MutationObserver(() => {
        if (window.__rendered === undefined && [...document.querySelectorAll('caption')].some((c) => c.textContent.includes(want))) window.__rendered = performance.now();
      }).observe(document, { subtree: true, childList: true, characterData: true });
    })();`);
    await page.goto(base);
    await page.getByLabel('Access key id').fill(ferry.credentials.accessKeyId);
    await page.getByLabel('Secret access key').fill(ferry.credentials.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const samples: number[] = [];
    for (let run = 0; run < runs; run++) {
      // A full load of /console/#/things: from navigation start (performance's time origin) to the rendered list.
      await page.goto(`${base}#/things`, { waitUntil: 'commit' });
      await page.reload();
      const ms = await renderedAt(page);
      samples.push(Math.round(ms));
      log(`  run ${run + 1}: things list with ${things} things rendered in ${Math.round(ms)} ms`);
    }
    const rows = await page.locator('tbody tr').count();
    const report = {
      at: new Date().toISOString(),
      chromium: browser.version(),
      assets: sizes,
      things,
      registerSeconds: Math.round(registerSeconds * 10) / 10,
      thingsListFirstRenderMs: { samples, median: median(samples), min: Math.min(...samples), max: Math.max(...samples) },
      rowsRendered: rows,
    };
    writeFileSync(join(out, 'console.json'), `${JSON.stringify(report, null, 2)}\n`);
    log(`things list first render (${things} things, ${runs} runs): median ${report.thingsListFirstRenderMs.median} ms (min ${report.thingsListFirstRenderMs.min}, max ${report.thingsListFirstRenderMs.max}); ${rows} rows`);
    log(`report: ${join(out, 'console.json')}`);
    await context.close();
    return 0;
  } finally {
    await browser.close();
    clients.close();
    await stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
