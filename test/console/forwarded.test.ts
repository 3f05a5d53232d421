/**
 * Behind a reverse proxy: the console believes X-Forwarded-Host/-Proto (for the MQTT
 * WebSocket URL it signs and for the Origin check) only from network.trustedProxies. The
 * server trusts 127.0.0.1; the same requests from 127.0.0.2 (another loopback source) are
 * judged by their Host header.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { startTestServer, type TestServer } from '../helpers/server.js';

const TRUSTED = '127.0.0.1';
const UNTRUSTED = '127.0.0.2';

let ts: TestServer;
let cookie: string;

interface Answer {
  status: number;
  json: Record<string, unknown>;
  setCookie: string[];
}

function post(path: string, from: string, headers: Record<string, string>, body: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const request = https.request(
      new URL(path, ts.endpoints.endpoints.console),
      { method: 'POST', ca: ts.ca, localAddress: from, headers: { 'content-type': 'application/json', ...headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, json: raw ? (JSON.parse(raw) as Record<string, unknown>) : {}, setCookie: response.headers['set-cookie'] ?? [] });
        });
      },
    );
    request.on('error', reject);
    request.end(text);
  });
}

const FORWARDED = { 'x-forwarded-host': 'ferry.example.com', 'x-forwarded-proto': 'https' };

before(async () => {
  ts = await startTestServer({ trustedProxies: [`${TRUSTED}/32`] });
  const signedIn = await post('api/session', TRUSTED, {}, { accessKeyId: ts.credentials.accessKeyId, secretAccessKey: ts.credentials.secretAccessKey });
  assert.equal(signedIn.status, 200);
  cookie = signedIn.setCookie[0]!.split(';')[0]!;
});
after(() => ts.close());

test('from a trusted proxy, the MQTT URL names the forwarded host and the Origin is checked against it', async () => {
  const answer = await post('api/mqtt-url', TRUSTED, { cookie, ...FORWARDED, origin: 'https://ferry.example.com' }, {});
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  assert.match(answer.json.url as string, /^wss:\/\/ferry\.example\.com\/mqtt\?/);
  const http = await post('api/mqtt-url', TRUSTED, { cookie, 'x-forwarded-host': 'ferry.example.com', 'x-forwarded-proto': 'http' }, {});
  assert.match(http.json.url as string, /^ws:\/\/ferry\.example\.com\/mqtt\?/, 'a proxy serving plain http gets ws://');
  const otherSite = await post('api/mqtt-url', TRUSTED, { cookie, ...FORWARDED, origin: 'https://evil.example' }, {});
  assert.equal(otherSite.status, 403);
  assert.equal((otherSite.json.error as { code: string }).code, 'CrossSiteRequestRefused');
});

test('from an untrusted source, forwarded headers are ignored: the Host header stands', async () => {
  const host = new URL(ts.endpoints.endpoints.console).host;
  const answer = await post('api/mqtt-url', UNTRUSTED, { cookie, ...FORWARDED }, {});
  assert.equal(answer.status, 200);
  assert.ok((answer.json.url as string).startsWith(`wss://${host}/mqtt?`), answer.json.url as string);
  const claimed = await post('api/mqtt-url', UNTRUSTED, { cookie, ...FORWARDED, origin: 'https://ferry.example.com' }, {});
  assert.equal(claimed.status, 403, 'the forwarded host does not pass the Origin check');
  assert.equal((claimed.json.error as { code: string }).code, 'CrossSiteRequestRefused');
  const own = await post('api/mqtt-url', UNTRUSTED, { cookie, origin: `https://${host}` }, {});
  assert.equal(own.status, 200, 'its own origin still passes');
});
