import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../src/log.js';
import { flushed, startTestServer, tempDir } from '../helpers/server.js';

function signIn(base: string, agent: https.Agent, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = https.request(new URL('api/session', base), { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

test('console sign-ins are logged, failures with the key id and address, never a secret', async () => {
  const logFile = join(tempDir(), 'server.log');
  const logger = createLogger({ level: 'info', destination: logFile });
  const ts = await startTestServer({ logger });
  const wrong = `${ts.credentials.secretAccessKey.slice(0, -4)}~~~~`;
  try {
    const base = ts.endpoints.endpoints.console;
    assert.equal(await signIn(base, ts.agent, { accessKeyId: ts.credentials.accessKeyId, secretAccessKey: wrong }), 401);
    assert.equal(await signIn(base, ts.agent, ts.credentials), 200);
  } finally {
    await ts.close();
    await flushed(logger);
  }
  const log = readFileSync(logFile, 'utf8');
  const lines = log.trim().split('\n').map((l) => JSON.parse(l) as { msg?: string; accessKeyId?: string; ip?: string });
  const failed = lines.find((l) => l.msg === 'console sign-in failed');
  assert.equal(failed?.accessKeyId, ts.credentials.accessKeyId);
  assert.equal(failed?.ip, '127.0.0.1');
  assert.ok(lines.some((l) => l.msg === 'console sign-in'));
  assert.ok(!log.includes(ts.credentials.secretAccessKey), 'the right secret is not in the log');
  assert.ok(!log.includes(wrong) && !log.includes('~~~~'), 'the wrong secret is not in the log');
});
