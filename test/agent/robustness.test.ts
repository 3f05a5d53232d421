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
import { startTestServer, type TestServer } from '../helpers/server.js';
import { cancelExecution, createDevice, createJob, execution, JobsObserver, linksVia, outcomes, runAgent, s3Url, setupFleet, type Fleet, removeScratch, scratch } from './helpers.js';
import { S3Proxy } from './proxy.js';

const BUCKET = 'fleet';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const image = randomBytes(1_200_000);

let s: TestServer;
let fleet: Fleet;
let observer: JobsObserver;
let proxy: S3Proxy;
const agents: RunningAgent[] = [];

before(async () => {
  s = await startTestServer();
  await s.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s.s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'image.bin', Body: image }));
  await s.s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'small.txt', Body: 'small' }));
  fleet = await setupFleet(s, BUCKET);
  observer = new JobsObserver(s);
  // Every link the jobs engine signs goes through the pacing proxy.
  proxy = await new S3Proxy(s).start();
  linksVia(s, proxy.origin);
});

after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  observer.stop();
  await proxy.close();
  await s.close();
  removeScratch();
});

async function slowDevice(name: string, extra = {}) {
  const device = await createDevice(s, name);
  const agent = await runAgent(s, device, extra);
  agents.push(agent);
  return { device, agent, done: outcomes(agent) };
}

const imageJob = (destination = 'image.bin') => ({ operation: 'download', url: s3Url(BUCKET, 'image.bin'), destination, sha256: sha256(image) });

test('the MQTT connection drops mid-download: the agent reconnects, keeps downloading, and reports SUCCEEDED', async () => {
  proxy.pace = { bytes: 16 * 1024, everyMs: 5 };
  const { device, agent, done } = await slowDevice('miso_net_1');
  let offline = 0;
  agent.connection!.on('offline', () => (offline += 1));
  const sent = proxy.sent;
  await createJob(s, fleet, 'net-1', device.thingName, imageJob());
  await proxy.whenSent(sent + 200_000);
  const startNexts = () => observer.requests.filter((r) => r.thing === device.thingName && r.op === 'start-next').length;
  const before = startNexts();
  agent.connection!.drop();
  await done.of('net-1');
  proxy.pace = undefined;
  const server = await execution(s, 'net-1', device.thingName);
  assert.equal(server.status, 'SUCCEEDED', JSON.stringify(server.details));
  assert.equal(offline, 1, 'one drop');
  assert.equal(agent.connection!.online, true, 'connected again');
  assert.deepEqual(readFileSync(join(device.dir, 'image.bin')), image);
  // After the reconnect (and the job), the agent asked for pending work again.
  await observer.until(() => startNexts() > before);
});

test('a job canceled while it downloads is dropped (its part removed) and the next job runs', async () => {
  proxy.pace = { bytes: 4 * 1024, everyMs: 5 };
  const { device, agent, done } = await slowDevice('miso_cancel_1');
  const canceled = new Promise<string>((resolve) => agent.loop.once('canceled', (_e, why) => resolve(why)));
  const sent = proxy.sent;
  await createJob(s, fleet, 'cancel-me', device.thingName, imageJob('big/image.bin'));
  await createJob(s, fleet, 'after-cancel', device.thingName, { operation: 'download', url: s3Url(BUCKET, 'small.txt') });
  await proxy.whenSent(sent + 100_000);
  await cancelExecution(s, 'cancel-me', device.thingName);
  assert.match(await canceled, /CANCELED/);
  proxy.pace = undefined;
  await done.of('after-cancel');
  assert.equal((await execution(s, 'after-cancel', device.thingName)).status, 'SUCCEEDED');
  assert.equal((await execution(s, 'cancel-me', device.thingName)).status, 'CANCELED');
  assert.deepEqual(readdirSync(join(device.dir, 'big')), [], 'no file and no part of the canceled download');
  assert.equal(readFileSync(join(device.dir, 'small.txt'), 'utf8'), 'small');
});

test('an allow-listed hook runs with the file and its exit status decides; a hook not allow-listed is REJECTED before any download', async () => {
  const bin = scratch('ferry-hooks-');
  const apply = join(bin, 'apply.sh');
  writeFileSync(apply, '#!/bin/sh\necho "applied $1 for $FERRY_JOB_ID on $FERRY_THING_NAME"\n');
  const broken = join(bin, 'broken.sh');
  writeFileSync(broken, '#!/bin/sh\necho "cannot apply $(basename "$1")" >&2\nexit 3\n');
  chmodSync(apply, 0o755);
  chmodSync(broken, 0o755);
  const { device, done } = await slowDevice('miso_hook_1', { hooks: [{ name: 'apply', path: apply }, { name: 'broken', path: broken }] });
  await createJob(s, fleet, 'hook-ok', device.thingName, { operation: 'download', url: s3Url(BUCKET, 'small.txt'), destination: 'a.txt', hook: 'apply' });
  await createJob(s, fleet, 'hook-fails', device.thingName, { operation: 'download', url: s3Url(BUCKET, 'small.txt'), destination: 'b.txt', hook: 'broken' });
  await createJob(s, fleet, 'hook-unknown', device.thingName, { operation: 'download', url: s3Url(BUCKET, 'small.txt'), destination: 'c.txt', hook: '/bin/rm' });

  await done.of('hook-ok');
  const ok = await execution(s, 'hook-ok', device.thingName);
  assert.equal(ok.status, 'SUCCEEDED', JSON.stringify(ok.details));
  assert.equal(ok.details.hook, 'apply');
  assert.equal(ok.details.hookOutput, `applied ${join(device.dir, 'a.txt')} for hook-ok on miso_hook_1`);
  await done.of('hook-fails');
  const bad = await execution(s, 'hook-fails', device.thingName);
  assert.equal(bad.status, 'FAILED');
  assert.equal(bad.details.reason, 'hook-failed');
  assert.equal(bad.details.message, 'Hook broken exited with 3: cannot apply b.txt');
  assert.equal(bad.details.hookExitCode, '3');
  await done.of('hook-unknown');
  const unknown = await execution(s, 'hook-unknown', device.thingName);
  assert.equal(unknown.status, 'REJECTED');
  assert.equal(unknown.details.reason, 'hook-not-allowed');
  assert.match(unknown.details.message!, /allowed: apply, broken/);
  assert.equal(existsSync(join(device.dir, 'c.txt')), false);

  // Without --hook, no document can run one.
  const { device: plain, done: plainDone } = await slowDevice('miso_hook_2');
  await createJob(s, fleet, 'no-hooks', plain.thingName, { operation: 'download', url: s3Url(BUCKET, 'small.txt'), hook: 'apply' });
  await plainDone.of('no-hooks');
  const refused = await execution(s, 'no-hooks', plain.thingName);
  assert.equal(refused.status, 'REJECTED');
  assert.match(refused.details.message!, /no hooks are configured on this device/);
});

// Last in this file: it moves the server's clock on.
test('a link that expires mid-download is refreshed (the execution asked for again) and the job completes', async () => {
  proxy.pace = { bytes: 16 * 1024, everyMs: 5 };
  const { device, done } = await slowDevice('miso_expiry_1');
  const from = proxy.requests.length;
  const sent = proxy.sent;
  // Links valid for 60 s (CreateJob's minimum); the clock moves 90 s on mid-download, then the link is cut.
  await createJob(s, fleet, 'expiry-1', device.thingName, imageJob(), 60);
  await proxy.whenSent(sent + 150_000);
  s.clock.advance(90_000);
  proxy.cutNow();
  proxy.pace = undefined;
  await done.of('expiry-1');
  const server = await execution(s, 'expiry-1', device.thingName);
  assert.equal(server.status, 'SUCCEEDED', JSON.stringify(server.details));
  const seen = proxy.requests.slice(from).map((r) => `${r.range ? 'ranged' : 'full'} ${r.status}`);
  assert.deepEqual(seen, ['full 200', 'ranged 403', 'ranged 206'], 'cut, refused as expired, resumed with a fresh link');
  assert.ok(
    observer.requests.some((r) => r.thing === device.thingName && r.op === 'get' && r.jobId === 'expiry-1' && r.payload.includeJobDocument === true),
    'DescribeJobExecution asked for the document again',
  );
  assert.deepEqual(readFileSync(join(device.dir, 'image.bin')), image);
});
