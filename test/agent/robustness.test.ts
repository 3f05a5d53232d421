/**
 * The agent when things go wrong: the MQTT connection drops mid-job, the
 * operator cancels the running job, a link expires mid-download, hooks
 * succeed, fail or are not allow-listed. Each refusal runs beside a success.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { RunningAgent } from '../../src/agent/agent.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { ScriptedJobs } from './jobs-responder.js';
import { createDevice, runAgent, s3Url, setupFleet } from './helpers.js';
import { S3Proxy } from './proxy.js';

const BUCKET = 'fleet';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const image = randomBytes(1_200_000);

let s: TestServer;
let jobs: ScriptedJobs;
let proxy: S3Proxy;
const agents: RunningAgent[] = [];

before(async () => {
  s = await startTestServer();
  await s.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s.s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'image.bin', Body: image }));
  await s.s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'small.txt', Body: 'small' }));
  await setupFleet(s, BUCKET);
  jobs = new ScriptedJobs(s);
  proxy = await new S3Proxy(s).start();
});

after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  jobs.stop();
  await proxy.close();
  await s.close();
});

async function slowDevice(name: string, extra = {}) {
  const device = await createDevice(s, name);
  jobs.originFor.set(device.thingName, proxy.origin);
  const agent = await runAgent(s, device, extra);
  agents.push(agent);
  return { device, agent };
}

const imageJob = (destination = 'image.bin') => ({ operation: 'download', url: s3Url(BUCKET, 'image.bin'), destination, sha256: sha256(image) });

test('the MQTT connection drops mid-download: the agent reconnects, keeps downloading, and reports SUCCEEDED', async () => {
  proxy.pace = { bytes: 16 * 1024, everyMs: 5 };
  const { device, agent } = await slowDevice('miso_net_1');
  let offline = 0;
  agent.connection.on('offline', () => (offline += 1));
  const sent = proxy.sent;
  await jobs.queue(device.thingName, 'net-1', imageJob());
  await proxy.whenSent(sent + 200_000);
  const startNexts = jobs.requests.filter((r) => r.thing === device.thingName && r.op === 'start-next').length;
  agent.connection.drop();
  const done = await jobs.until(device.thingName, 'net-1');
  proxy.pace = undefined;
  assert.equal(done.exec.status, 'SUCCEEDED', JSON.stringify(done.exec.statusDetails));
  assert.equal(offline, 1, 'one drop');
  assert.equal(agent.connection.online, true, 'connected again');
  assert.deepEqual(readFileSync(join(device.dir, 'image.bin')), image);
  // After the reconnect (and the job), the agent asked for pending work again.
  await jobs.until(device.thingName, 'net-1', () => jobs.requests.filter((r) => r.thing === device.thingName && r.op === 'start-next').length > startNexts);
});

test('a job canceled while it downloads is dropped (its part removed) and the next job runs', async () => {
  proxy.pace = { bytes: 8 * 1024, everyMs: 5 };
  const { device, agent } = await slowDevice('miso_cancel_1');
  const canceled = new Promise<string>((resolve) => agent.loop.once('canceled', (_e, why) => resolve(why)));
  const sent = proxy.sent;
  await jobs.queue(device.thingName, 'cancel-me', imageJob('big/image.bin'));
  await jobs.queue(device.thingName, 'after-cancel', { operation: 'download', url: s3Url(BUCKET, 'small.txt') });
  await proxy.whenSent(sent + 100_000);
  await jobs.cancel(device.thingName, 'cancel-me');
  assert.match(await canceled, /CANCELED/);
  proxy.pace = undefined;
  const next = await jobs.until(device.thingName, 'after-cancel');
  assert.equal(next.exec.status, 'SUCCEEDED');
  assert.equal(jobs.entry(device.thingName, 'cancel-me').exec.status, 'CANCELED');
  assert.deepEqual(readdirSync(join(device.dir, 'big')), [], 'no file and no part of the canceled download');
  assert.equal(readFileSync(join(device.dir, 'small.txt'), 'utf8'), 'small');
});

test('an allow-listed hook runs with the file and its exit status decides; a hook not allow-listed is REJECTED before any download', async () => {
  const bin = tempDir('ferry-hooks-');
  const apply = join(bin, 'apply.sh');
  writeFileSync(apply, '#!/bin/sh\necho "applied $1 for $FERRY_JOB_ID on $FERRY_THING_NAME"\n');
  const broken = join(bin, 'broken.sh');
  writeFileSync(broken, '#!/bin/sh\necho "cannot apply $(basename "$1")" >&2\nexit 3\n');
  chmodSync(apply, 0o755);
  chmodSync(broken, 0o755);
  const { device } = await slowDevice('miso_hook_1', { hooks: [{ name: 'apply', path: apply }, { name: 'broken', path: broken }] });
  await jobs.queue(device.thingName, 'hook-ok', { operation: 'download', url: s3Url(BUCKET, 'small.txt'), destination: 'a.txt', hook: 'apply' });
  await jobs.queue(device.thingName, 'hook-fails', { operation: 'download', url: s3Url(BUCKET, 'small.txt'), destination: 'b.txt', hook: 'broken' });
  await jobs.queue(device.thingName, 'hook-unknown', { operation: 'download', url: s3Url(BUCKET, 'small.txt'), destination: 'c.txt', hook: '/bin/rm' });

  const ok = await jobs.until(device.thingName, 'hook-ok');
  assert.equal(ok.exec.status, 'SUCCEEDED', JSON.stringify(ok.exec.statusDetails));
  assert.equal(ok.exec.statusDetails.hook, 'apply');
  assert.equal(ok.exec.statusDetails.hookOutput, `applied ${join(device.dir, 'a.txt')} for hook-ok on miso_hook_1`);
  const bad = await jobs.until(device.thingName, 'hook-fails');
  assert.equal(bad.exec.status, 'FAILED');
  assert.equal(bad.exec.statusDetails.reason, 'hook-failed');
  assert.equal(bad.exec.statusDetails.message, 'Hook broken exited with 3: cannot apply b.txt');
  assert.equal(bad.exec.statusDetails.hookExitCode, '3');
  const unknown = await jobs.until(device.thingName, 'hook-unknown');
  assert.equal(unknown.exec.status, 'REJECTED');
  assert.equal(unknown.exec.statusDetails.reason, 'hook-not-allowed');
  assert.match(unknown.exec.statusDetails.message!, /allowed: apply, broken/);
  assert.equal(existsSync(join(device.dir, 'c.txt')), false);

  // Without --hook, no document can run one.
  const { device: plain } = await slowDevice('miso_hook_2');
  await jobs.queue(plain.thingName, 'no-hooks', { operation: 'download', url: s3Url(BUCKET, 'small.txt'), hook: 'apply' });
  const refused = await jobs.until(plain.thingName, 'no-hooks');
  assert.equal(refused.exec.status, 'REJECTED');
  assert.match(refused.exec.statusDetails.message!, /no hooks are configured on this device/);
});

// Last in this file: it moves the server's clock two hours on.
test('a link that expires mid-download is refreshed (the execution asked for again) and the job completes', async () => {
  proxy.pace = { bytes: 16 * 1024, everyMs: 5 };
  const { device } = await slowDevice('miso_expiry_1');
  jobs.expiresSec = 60;
  const from = proxy.requests.length;
  const sent = proxy.sent;
  await jobs.queue(device.thingName, 'expiry-1', imageJob());
  await proxy.whenSent(sent + 150_000);
  s.clock.advance(2 * 3600_000);
  proxy.cutNow();
  proxy.pace = undefined;
  const done = await jobs.until(device.thingName, 'expiry-1');
  jobs.expiresSec = 3600;
  assert.equal(done.exec.status, 'SUCCEEDED', JSON.stringify(done.exec.statusDetails));
  const seen = proxy.requests.slice(from).map((r) => `${r.range ? 'ranged' : 'full'} ${r.status}`);
  assert.deepEqual(seen, ['full 200', 'ranged 403', 'ranged 206'], 'cut, refused as expired, resumed with a fresh link');
  assert.ok(done.deliveries >= 2, 'the document was delivered again');
  assert.ok(jobs.requests.some((r) => r.thing === device.thingName && r.op === 'get' && r.payload.includeJobDocument === true), 'DescribeJobExecution asked for the document');
  assert.deepEqual(readFileSync(join(device.dir, 'image.bin')), image);
});
