import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium, newContext, recordRequests } from './browser.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(url: string, agent: https.Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { agent }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (c: string) => (body += c));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      })
      .on('error', reject);
  });
}

/** A reverse proxy that serves Ferry's api listener under /ferry/ (plain HTTP on localhost, as a TLS-terminating proxy would hand it on). */
function prefixProxy(target: URL, agent: https.Agent): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    if (!request.url?.startsWith('/ferry/')) {
      response.writeHead(404).end();
      return;
    }
    const upstream = https.request({ host: target.hostname, port: target.port, path: request.url.slice('/ferry'.length), method: request.method, headers: request.headers, agent }, (reply) => {
      response.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(response);
    });
    upstream.on('error', () => response.writeHead(502).end());
    request.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('console: static files, caching, deep links, a path prefix', () => {
  let ts: TestServer;
  let base: string;

  before(async () => {
    ts = await startTestServer();
    base = ts.endpoints.endpoints.console;
  });
  after(() => ts.close());

  test('index.html is revalidated, hashed assets are immutable with their types, deep links go to hash routes, all with the CSP', async () => {
    const index = await get(base, ts.agent);
    assert.equal(index.status, 200);
    assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(index.headers['cache-control'], 'no-cache');
    assert.match(String(index.headers['content-security-policy']), /default-src 'none'; script-src 'self'; style-src 'self'/);
    assert.match(String(index.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(index.headers['x-content-type-options'], 'nosniff');
    assert.doesNotMatch(index.body, /<script>(?!<)/, 'no inline script');
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(index.body)?.[1];
    const style = /href="\.\/(assets\/[^"]+\.css)"/.exec(index.body)?.[1];
    assert.ok(script && style, 'relative asset URLs');
    const js = await get(new URL(script, base).href, ts.agent);
    assert.equal(js.status, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal((await get(new URL(style, base).href, ts.agent)).headers['content-type'], 'text/css; charset=utf-8');
    assert.equal((await get(new URL('assets/missing.js', base).href, ts.agent)).status, 404);

    const bare = await get(base.replace(/\/$/, ''), ts.agent);
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.location, 'console/');
    const deep = await get(new URL('things/pump_7', base).href, ts.agent);
    assert.equal(deep.status, 302);
    assert.equal(deep.headers.location, '../#/things/pump_7');
    assert.equal(new URL(deep.headers.location!, new URL('things/pump_7', base)).href, `${base}#/things/pump_7`);
  });

  test('behind a reverse proxy under /ferry/, the console loads, signs in and lists things', async () => {
    const proxy = await prefixProxy(new URL(base), ts.agent);
    let browser: Browser | undefined;
    try {
      const origin = `http://localhost:${(proxy.address() as AddressInfo).port}`;
      browser = await launchChromium();
      const context = await newContext(browser);
      const page = await context.newPage();
      const requests = recordRequests(page);
      await page.goto(`${origin}/ferry/console/things/anything`);
      assert.equal(new URL(page.url()).pathname, '/ferry/console/');
      await page.getByLabel('Access key id').fill(ts.credentials.accessKeyId);
      await page.getByLabel('Secret access key').fill(ts.credentials.secretAccessKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Thing anything' }).waitFor();
      await page.getByRole('alert').filter({ hasText: 'ResourceNotFoundException' }).waitFor();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Things', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Things' }).waitFor();
      assert.deepEqual(requests.filter((u) => !u.startsWith(`${origin}/ferry/`) && !u.startsWith('data:')), []);
      await context.close();
    } finally {
      await browser?.close();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
