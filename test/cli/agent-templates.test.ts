/**
 * The bundled agent (dist/ferry-agent.mjs, what a connection kit carries)
 * runs jobs made with `ferry job create --template`: the managed
 * AWS-Download-File job to SUCCEEDED with the exact bytes, and
 * AWS-Restart-Application through the handler in its --handler-dir.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DescribeJobExecutionCommand } from '@aws-sdk/client-iot';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { cli } from './helpers.js';
import { AGENT_BUNDLE } from '../../src/cli/kit.js';

/** Polls the execution until it ends (the agent is another process: there is no event to wait on). */
async function ended(s: TestServer, jobId: string, thingName: string): Promise<{ status?: string; details?: Record<string, string> }> {
  for (let i = 0; i < 600; i++) {
    const e = (await s.iot().send(new DescribeJobExecutionCommand({ jobId, thingName }))).execution;
    if (e?.status && !['QUEUED', 'IN_PROGRESS'].includes(e.status)) return { status: e.status, details: e.statusDetails?.detailsMap ?? {} };
    await new Promise((r) => setTimeout(r, 100));
  }
  return {};
}

test('ferry agent (the bundle) runs AWS-Download-File and AWS-Restart-Application jobs made from the managed templates', async (t) => {
  assert.ok(existsSync(AGENT_BUNDLE), `${AGENT_BUNDLE} is built by \`npm run build\``);
  const s = await startTestServer();
  t.after(() => s.close());
  const work = tempDir();
  const ok = async (...args: string[]) => {
    const r = await cli([...args, '--data-dir', s.dataDir], { cwd: work });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  };
  await ok('policy', 'create', 'miso-device', '--device', '--client-prefix', 'miso');
  await ok('thing', 'create', 'miso_things_1', '--policy', 'miso-device', '--kit', join(work, 'kit1'));
  await ok('bucket', 'create', 'firmware');
  const firmware = randomBytes(150_000);
  writeFileSync(join(work, 'miso.bin'), firmware);
  await ok('cp', join(work, 'miso.bin'), 's3://firmware/miso-3.0.0.bin');
  await ok('role', 'create', 'miso-role', '--allow-get', 'firmware');

  const handlers = join(work, 'handlers');
  mkdirSync(handlers);
  writeFileSync(join(handlers, 'restart-services.sh'), `#!/bin/sh\nprintf '%s' "$2" > '${join(work, 'restarted')}'\n`);
  chmodSync(join(handlers, 'restart-services.sh'), 0o755);
  const files = join(work, 'files');
  const agent = spawn(process.execPath, [AGENT_BUNDLE, '--kit', join(work, 'kit1'), '--dir', files, '--handler-dir', handlers], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  agent.stdout.on('data', (b: Buffer) => (log += b.toString()));
  agent.stderr.on('data', (b: Buffer) => (log += b.toString()));
  t.after(() => agent.kill('SIGKILL'));

  const url = '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/firmware/miso-3.0.0.bin}';
  await ok('job', 'create', 'dl-1', '--targets', 'miso_things_1', '--template', 'AWS-Download-File', '--param', `downloadUrl=${url}`, '--param', 'filePath=fw/miso.bin', '--presign-role', 'miso-role');
  const download = await ended(s, 'dl-1', 'miso_things_1');
  assert.equal(download.status, 'SUCCEEDED', `${JSON.stringify(download)}\nagent log:\n${log}`);
  assert.ok(readFileSync(join(files, 'fw', 'miso.bin')).equals(firmware), 'the exact bytes, where filePath says');

  await ok('job', 'create', 'restart-1', '--targets', 'miso_things_1', '--template', 'AWS-Restart-Application', '--param', 'services=nginx');
  const restart = await ended(s, 'restart-1', 'miso_things_1');
  assert.equal(restart.status, 'SUCCEEDED', `${JSON.stringify(restart)}\nagent log:\n${log}`);
  assert.equal(readFileSync(join(work, 'restarted'), 'utf8'), 'nginx');
});
