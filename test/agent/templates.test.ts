/**
 * The agent carries out jobs made from AWS-managed job templates, end to end
 * against a real server: AWS-Download-File (its downloadUrl a presigned-URL
 * placeholder) ends SUCCEEDED with the exact bytes; AWS-Restart-Application
 * runs only an allow-listed handler from the device's handler directory —
 * with no such handler, with pathToHandler outside that directory or with a
 * runAsUser the device does not allow it is REJECTED and nothing runs; a
 * handler that fails ends FAILED with its exit code.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateJobCommand } from '@aws-sdk/client-iot';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { RunningAgent } from '../../src/agent/agent.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createDevice, execution, outcomes, runAgent, s3Url, scratch, setupFleet, removeScratch, type Fleet } from './helpers.js';

const BUCKET = 'fleet';
let s: TestServer;
let fleet: Fleet;
const firmware = randomBytes(200_000);
const agents: RunningAgent[] = [];

before(async () => {
  s = await startTestServer();
  await s.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s.s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'firmware/miso-2.0.0.bin', Body: firmware }));
  fleet = await setupFleet(s, BUCKET);
});

after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await s.close();
  removeScratch();
});

const managed = (name: string) => `arn:aws:iot:${s.endpoints.region}::jobtemplate/${name}:1.0`;

async function managedJob(jobId: string, thingName: string, template: string, documentParameters: Record<string, string>): Promise<void> {
  await s.iot().send(new CreateJobCommand({
    jobId,
    targets: [`arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:thing/${thingName}`],
    jobTemplateArn: managed(template),
    documentParameters,
    presignedUrlConfig: { roleArn: fleet.signerArn, expiresInSec: 600 },
  }));
}

/** A handler directory holding one executable script. */
function handlerDir(name: string, body: string): string {
  const dir = scratch('ferry-handlers-');
  writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, name), 0o755);
  return dir;
}

async function agentFor(name: string, extra = {}) {
  const device = await createDevice(s, name);
  const agent = await runAgent(s, device, extra);
  agents.push(agent);
  return { device, done: outcomes(agent) };
}

test('AWS-Download-File: the managed job runs to SUCCEEDED with the file in place, bytes exact', async () => {
  const { device, done } = await agentFor('miso_tpl_1');
  const target = join(device.dir, 'firmware', 'miso.bin');
  await managedJob('tpl-download', device.thingName, 'AWS-Download-File', { downloadUrl: s3Url(BUCKET, 'firmware/miso-2.0.0.bin'), filePath: target });
  const outcome = await done.of('tpl-download');
  assert.equal(outcome.status, 'SUCCEEDED', JSON.stringify(outcome));
  assert.equal((await execution(s, 'tpl-download', device.thingName)).status, 'SUCCEEDED');
  assert.deepEqual(readFileSync(target), firmware);
});

test('AWS-Restart-Application: an allow-listed handler runs and SUCCEEDS; missing handler, path outside, or a user not allowed are REJECTED and nothing runs', async () => {
  const marker = join(scratch('ferry-marker-'), 'ran');
  const dir = handlerDir('restart-services.sh', `printf '%s|%s' "$1" "$2" > '${marker}'`);
  const outside = handlerDir('restart-services.sh', `touch '${marker}.outside'`);
  const { device, done } = await agentFor('miso_tpl_2', { handlerDir: dir, runAsUsers: ['appuser'] });
  const bare = await agentFor('miso_tpl_3');

  await managedJob('tpl-outside', device.thingName, 'AWS-Restart-Application', { services: 'nginx', pathToHandler: outside });
  await managedJob('tpl-user', device.thingName, 'AWS-Restart-Application', { services: 'nginx', runAsUser: 'root' });
  await managedJob('tpl-restart', device.thingName, 'AWS-Restart-Application', { services: 'nginx', runAsUser: 'appuser', pathToHandler: dir });
  await managedJob('tpl-none', bare.device.thingName, 'AWS-Restart-Application', { services: 'nginx' });

  for (const [id, thing, reason] of [['tpl-outside', device.thingName, 'handler-path-not-allowed'], ['tpl-user', device.thingName, 'user-not-allowed'], ['tpl-none', bare.device.thingName, 'handler-not-allowed']] as const) {
    await (thing === device.thingName ? done : bare.done).of(id);
    const e = await execution(s, id, thing);
    assert.equal(e.status, 'REJECTED', id);
    assert.equal(e.details.reason, reason, `${id}: ${JSON.stringify(e.details)}`);
  }
  assert.match((await execution(s, 'tpl-outside', device.thingName)).details.message!, /outside the allow-listed handler directory/);
  assert.equal(existsSync(`${marker}.outside`), false);

  const ok = await done.of('tpl-restart');
  assert.equal(ok.status, 'SUCCEEDED', JSON.stringify(ok));
  assert.equal((await execution(s, 'tpl-restart', device.thingName)).status, 'SUCCEEDED');
  assert.equal(readFileSync(marker, 'utf8'), 'appuser|nginx');
});

test('a handler that fails ends FAILED with its exit code and stderr in statusDetails', async () => {
  const dir = handlerDir('restart-services.sh', 'echo "no such service: $2" >&2\nexit 3');
  const { device, done } = await agentFor('miso_tpl_4', { handlerDir: dir });
  await managedJob('tpl-fails', device.thingName, 'AWS-Restart-Application', { services: 'ghost' });
  await done.of('tpl-fails');
  const e = await execution(s, 'tpl-fails', device.thingName);
  assert.equal(e.status, 'FAILED');
  assert.equal(e.details.reason, 'handler-failed');
  assert.equal(e.details.exitCode, '3');
  assert.match(e.details.stderr!, /no such service: ghost/);
});
