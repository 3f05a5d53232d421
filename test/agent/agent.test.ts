/**
 * The device agent end to end against a real server: the real broker (mutual
 * TLS, IoT policies), the real S3 listener, the real credentials provider.
 * Jobs are answered by ScriptedJobs (jobs-responder.ts) over the broker's
 * device-messaging seam until the jobs engine lands; engine.test.ts runs the
 * same story through CreateJob.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { ScriptedJobs } from './jobs-responder.js';
import { createDevice, runAgent, s3Url, setupFleet } from './helpers.js';
import { S3Proxy } from './proxy.js';
import type { RunningAgent } from '../../src/agent/agent.js';

const BUCKET = 'fleet';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let s: TestServer;
let jobs: ScriptedJobs;
const firmware = randomBytes(300_000);
const agents: RunningAgent[] = [];

before(async () => {
  s = await startTestServer();
  const s3 = s.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'firmware/miso-1.0.0.bin', Body: firmware }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'config/app.conf', Body: 'setting=1\n' }));
  await setupFleet(s, BUCKET);
  jobs = new ScriptedJobs(s);
});

after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  jobs.stop();
  await s.close();
});

async function agentFor(name: string, extra = {}) {
  const device = await createDevice(s, name);
  const agent = await runAgent(s, device, extra);
  agents.push(agent);
  return { device, agent };
}

/** Files the agent left in its folder, its own hidden state aside. */
const visibleFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.') && !join(e.parentPath, e.name).includes('/.ferry-agent/'))
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();

test("DESIGN.md's download document ends SUCCEEDED with the exact bytes, progress reported", async (t) => {
  const { device } = await agentFor('miso_dl_1');
  // A slow link (paced by a proxy), so progress has time to be seen.
  const proxy = await new S3Proxy(s).start();
  t.after(() => proxy.close());
  proxy.pace = { bytes: 16 * 1024, everyMs: 10 };
  jobs.originFor.set(device.thingName, proxy.origin);
  await jobs.queue(device.thingName, 'dl-1', { operation: 'download', version: '1.0.0', url: s3Url(BUCKET, 'firmware/miso-1.0.0.bin'), sha256: sha256(firmware) });
  const done = await jobs.until(device.thingName, 'dl-1');
  assert.equal(done.exec.status, 'SUCCEEDED', JSON.stringify(done.exec.statusDetails));
  assert.deepEqual(readFileSync(join(device.dir, 'miso-1.0.0.bin')), firmware);
  assert.equal(done.exec.statusDetails.sha256, sha256(firmware));
  assert.equal(done.exec.statusDetails.file, 'miso-1.0.0.bin');
  const progress = done.updates.filter((u) => u.status === 'IN_PROGRESS').map((u) => u.statusDetails as Record<string, string>);
  assert.ok(progress.some((d) => d.step === 'downloading' && d.percent !== undefined && d.totalBytes === String(firmware.length)), JSON.stringify(progress));
  assert.ok(done.updates.every((u) => u.status !== 'IN_PROGRESS' || u.stepTimeoutInMinutes === 10), 'every progress update keeps the step timer alive');
  assert.deepEqual(visibleFiles(device.dir), ['miso-1.0.0.bin']);
});

test("the SDK sample agent's install document and the Device Client's download-file document end SUCCEEDED", async () => {
  const { device } = await agentFor('miso_dl_2');
  await jobs.queue(device.thingName, 'install-1', {
    operation: 'install',
    packageName: 'miso',
    workingDirectory: 'packages/miso',
    autoStart: 'true',
    files: [
      { fileName: 'miso.bin', fileVersion: '1.0.0', fileSource: { url: s3Url(BUCKET, 'firmware/miso-1.0.0.bin') }, checksum: { inline: { value: sha256(firmware) }, hashAlgorithm: 'SHA256' } },
      { fileName: 'app.conf', fileSource: { url: s3Url(BUCKET, 'config/app.conf') } },
    ],
  });
  // The AWS-Download-File managed template's shape (aws-wire-protocols.md §10.3), destination absolute inside --dir.
  await jobs.queue(device.thingName, 'dc-1', {
    version: '1.0',
    steps: [
      {
        action: {
          name: 'Download File',
          type: 'runHandler',
          input: { handler: 'download-file.sh', args: [s3Url(BUCKET, 'config/app.conf'), join(device.dir, 'etc/app.conf')], path: 'default' },
          runAsUser: 'root',
        },
      },
    ],
  });
  // The Device Client's older shape, to a folder.
  await jobs.queue(device.thingName, 'dc-old', { operation: 'download-file.sh', args: [s3Url(BUCKET, 'firmware/miso-1.0.0.bin'), 'downloads/'] });
  for (const id of ['install-1', 'dc-1', 'dc-old']) {
    const done = await jobs.until(device.thingName, id);
    assert.equal(done.exec.status, 'SUCCEEDED', `${id}: ${JSON.stringify(done.exec.statusDetails)}`);
  }
  assert.deepEqual(readFileSync(join(device.dir, 'packages/miso/miso.bin')), firmware);
  assert.equal(readFileSync(join(device.dir, 'packages/miso/app.conf'), 'utf8'), 'setting=1\n');
  assert.equal(readFileSync(join(device.dir, 'etc/app.conf'), 'utf8'), 'setting=1\n');
  assert.deepEqual(readFileSync(join(device.dir, 'downloads/miso-1.0.0.bin')), firmware);
  assert.deepEqual(visibleFiles(device.dir), ['downloads/miso-1.0.0.bin', 'etc/app.conf', 'packages/miso/app.conf', 'packages/miso/miso.bin']);
});

test('a checksum mismatch ends FAILED with the reason and leaves no file; a destination outside --dir is REJECTED; the next job still succeeds', async () => {
  const { device } = await agentFor('miso_dl_3');
  const outside = tempDir('ferry-outside-');
  // A symbolic link inside --dir that leads out.
  symlinkSync(outside, join(device.dir, 'escape'));
  await jobs.queue(device.thingName, 'bad-sum', { operation: 'download', url: s3Url(BUCKET, 'firmware/miso-1.0.0.bin'), sha256: sha256(Buffer.from('other')) });
  await jobs.queue(device.thingName, 'dotdot', { operation: 'download', url: s3Url(BUCKET, 'config/app.conf'), destination: '../../evil.conf' });
  await jobs.queue(device.thingName, 'absolute', { version: '1.0', steps: [{ action: { name: 'x', type: 'runHandler', input: { handler: 'download-file.sh', args: [s3Url(BUCKET, 'config/app.conf'), join(outside, 'evil.conf')] } } }] });
  await jobs.queue(device.thingName, 'symlink', { operation: 'download', url: s3Url(BUCKET, 'config/app.conf'), destination: 'escape/evil.conf' });
  await jobs.queue(device.thingName, 'good', { operation: 'download', url: s3Url(BUCKET, 'config/app.conf'), destination: 'ok/app.conf' });

  const bad = await jobs.until(device.thingName, 'bad-sum');
  assert.equal(bad.exec.status, 'FAILED');
  assert.equal(bad.exec.statusDetails.reason, 'checksum-mismatch');
  assert.match(bad.exec.statusDetails.message!, new RegExp(`sha256 of the download is ${sha256(firmware)}`));
  for (const id of ['dotdot', 'absolute', 'symlink']) {
    const e = await jobs.until(device.thingName, id);
    assert.equal(e.exec.status, 'REJECTED', id);
    assert.equal(e.exec.statusDetails.reason, 'destination-outside-dir', id);
  }
  const good = await jobs.until(device.thingName, 'good');
  assert.equal(good.exec.status, 'SUCCEEDED');
  // Nothing of the failed download is left (no file, no part); nothing was written outside.
  assert.deepEqual(readdirSync(device.dir, { recursive: true }).filter((f) => String(f).includes('miso')), []);
  assert.deepEqual(readdirSync(outside), []);
  assert.deepEqual(visibleFiles(device.dir), ['ok/app.conf']);
});

test('an unknown operation is REJECTED with the reason; the next job runs', async () => {
  const { device } = await agentFor('miso_dl_4');
  await jobs.queue(device.thingName, 'reboot-1', { operation: 'reboot' });
  await jobs.queue(device.thingName, 'cmd-1', { version: '1.0', steps: [{ action: { name: 'rm', type: 'runCommand', input: { command: 'rm,-rf,/' } } }] });
  await jobs.queue(device.thingName, 'after', { operation: 'download', url: s3Url(BUCKET, 'config/app.conf') });
  const reboot = await jobs.until(device.thingName, 'reboot-1');
  assert.equal(reboot.exec.status, 'REJECTED');
  assert.equal(reboot.exec.statusDetails.reason, 'unknown-operation');
  assert.match(reboot.exec.statusDetails.message!, /no handler for operation 'reboot' \(it runs: download, install, download-file, upload\)/);
  const cmd = await jobs.until(device.thingName, 'cmd-1');
  assert.equal(cmd.exec.status, 'REJECTED');
  assert.equal(cmd.exec.statusDetails.reason, 'unsupported-step');
  assert.equal((await jobs.until(device.thingName, 'after')).exec.status, 'SUCCEEDED');
});

test('an upload the role allows ends SUCCEEDED; one outside its permission ends FAILED with the reason', async () => {
  const { device } = await agentFor('miso_up_1');
  const log = Buffer.from(`boot ok ${randomBytes(8).toString('hex')}\n`.repeat(1000));
  mkdirSync(join(device.dir, 'logs'));
  writeFileSync(join(device.dir, 'logs/app.log'), log);
  await jobs.queue(device.thingName, 'up-ok', { operation: 'upload', file: 'logs/app.log', bucket: BUCKET, key: `logs/${device.thingName}/app.log` });
  await jobs.queue(device.thingName, 'up-denied', { operation: 'upload', file: 'logs/app.log', bucket: BUCKET, key: 'firmware/evil.bin' });
  await jobs.queue(device.thingName, 'up-outside', { operation: 'upload', file: '/etc/passwd', bucket: BUCKET, key: 'logs/passwd' });

  const ok = await jobs.until(device.thingName, 'up-ok');
  assert.equal(ok.exec.status, 'SUCCEEDED', JSON.stringify(ok.exec.statusDetails));
  const stored = await s.s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: `logs/${device.thingName}/app.log` }));
  assert.deepEqual(Buffer.from(await stored.Body!.transformToByteArray()), log);

  const denied = await jobs.until(device.thingName, 'up-denied');
  assert.equal(denied.exec.status, 'FAILED');
  assert.equal(denied.exec.statusDetails.reason, 'upload-denied');
  assert.match(denied.exec.statusDetails.message!, /S3 refused the upload to s3:\/\/fleet\/firmware\/evil\.bin/);
  const outside = await jobs.until(device.thingName, 'up-outside');
  assert.equal(outside.exec.status, 'REJECTED');
  assert.equal(outside.exec.statusDetails.reason, 'file-outside-dir');
  assert.equal(existsSync(join(device.dir, 'passwd')), false);
});
