/**
 * Interrupted downloads resume with Range: after the agent is stopped and
 * started again in this process, and after a `ferry agent` process is killed
 * with SIGKILL mid-download and started again. Bandwidth is throttled by a
 * pacing proxy in front of S3, so the interruption lands mid-file.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { agentProcess, createDevice, createJob, execution, JobsObserver, linksVia, runAgent, s3Url, setupFleet, type Fleet, removeScratch } from './helpers.js';
import { S3Proxy } from './proxy.js';

const BUCKET = 'fleet';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MiB = 1024 * 1024;
const image = randomBytes(4 * MiB + 4321);

let s: TestServer;
let fleet: Fleet;
let observer: JobsObserver;
let proxy: S3Proxy;

before(async () => {
  s = await startTestServer();
  await s.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s.s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'image.bin', Body: image }));
  fleet = await setupFleet(s, BUCKET);
  observer = new JobsObserver(s);
  // Every link the jobs engine signs goes through the pacing proxy.
  proxy = await new S3Proxy(s).start();
  linksVia(s, proxy.origin);
});

after(async () => {
  observer.stop();
  await proxy.close();
  await s.close();
  removeScratch();
});

const job = { operation: 'download', url: s3Url(BUCKET, 'image.bin'), destination: 'image.bin', sha256: sha256(image), size: image.length };
const rangesSince = (from: number) => proxy.requests.slice(from).map((r) => ({ range: r.range, status: r.status }));

test('an agent stopped mid-download and started again resumes with Range and the exact bytes', async () => {
  const device = await createDevice(s, 'miso_resume_1');
  proxy.pace = { bytes: 64 * 1024, everyMs: 5 };
  const from = proxy.requests.length;
  const sentBefore = proxy.sent;
  const first = await runAgent(s, device, { download: { checkpointBytes: 256 * 1024, backoff: { initialMs: 5, maxMs: 20 } } });
  await createJob(s, fleet, 'resume-1', device.thingName, job);
  await proxy.whenSent(sentBefore + 2 * MiB);
  await first.stop();
  assert.equal((await execution(s, 'resume-1', device.thingName)).status, 'IN_PROGRESS');
  proxy.pace = undefined;
  const second = await runAgent(s, device);
  try {
    await observer.untilFinal(device.thingName, 'resume-1');
    const done = await execution(s, 'resume-1', device.thingName);
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done.details));
    const seen = rangesSince(from);
    assert.equal(seen.length, 2, JSON.stringify(seen));
    assert.equal(seen[0]!.range, undefined);
    const offset = Number(/^bytes=(\d+)-$/.exec(seen[1]!.range ?? '')?.[1]);
    assert.ok(offset >= 256 * 1024, `resumed from ${offset}`);
    assert.equal(seen[1]!.status, 206);
    assert.equal(done.details.resumedFrom, String(offset));
    assert.ok(observer.updates(device.thingName, 'resume-1').some((u) => (u.statusDetails as Record<string, string>).step === 'resumed'), 'the restarted agent said it resumed');
    assert.deepEqual(readFileSync(join(device.dir, 'image.bin')), image);
    assert.deepEqual(readdirSync(device.dir).filter((f) => f !== '.ferry-agent'), ['image.bin'], 'no part or checkpoint left');
  } finally {
    await second.stop();
  }
});

const startCli = (kitDir: string, dir: string) => agentProcess(['--kit', kitDir, '--dir', dir]);

test('`ferry agent` killed with SIGKILL mid-download resumes with Range after a restart; SIGTERM stops it with exit 0', async (t) => {
  const device = await createDevice(s, 'miso_resume_2');
  proxy.pace = { bytes: 32 * 1024, everyMs: 5 };
  const from = proxy.requests.length;
  const sentBefore = proxy.sent;
  await createJob(s, fleet, 'resume-2', device.thingName, job);

  const first = startCli(device.kitDir, device.dir);
  t.after(() => first.child.kill('SIGKILL'));
  // Past the first 1 MiB checkpoint, well before the end.
  await proxy.whenSent(sentBefore + 2.5 * MiB);
  first.child.kill('SIGKILL');
  assert.equal(await first.exited, 'SIGKILL');
  assert.equal((await execution(s, 'resume-2', device.thingName)).status, 'IN_PROGRESS');
  const parts = readdirSync(device.dir).filter((f) => f.includes('ferry-part'));
  assert.deepEqual(parts.sort(), ['.image.bin.ferry-part', '.image.bin.ferry-part.json'], 'the part and its checkpoint survive the kill');

  proxy.pace = undefined;
  const second = startCli(device.kitDir, device.dir);
  t.after(() => second.child.kill('SIGKILL'));
  await observer.untilFinal(device.thingName, 'resume-2');
  const done = await execution(s, 'resume-2', device.thingName);
  assert.equal(done.status, 'SUCCEEDED', `${JSON.stringify(done.details)}\n${second.output()}`);
  const seen = rangesSince(from);
  assert.equal(seen[0]!.range, undefined);
  const resumed = seen.slice(1).find((r) => r.range);
  assert.ok(resumed, `a ranged request after the restart: ${JSON.stringify(seen)}`);
  const offset = Number(/^bytes=(\d+)-$/.exec(resumed.range!)?.[1]);
  assert.ok(offset >= MiB && offset < image.length, `resumed from ${offset}`);
  assert.equal(resumed.status, 206);
  assert.deepEqual(readFileSync(join(device.dir, 'image.bin')), image, 'the exact bytes');

  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0, second.output());
});
