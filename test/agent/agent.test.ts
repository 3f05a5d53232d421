/**
 * The device agent end to end against a real server: jobs made with
 * CreateJob and delivered by the jobs engine over the real broker (mutual
 * TLS, IoT policies), files from the real S3 listener through links the
 * engine signs, uploads with role credentials from the real credentials
 * provider. Each refusal runs beside a success.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { RunningAgent } from '../../src/agent/agent.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createDevice, createJob, execution, JobsObserver, linksVia, outcomes, runAgent, s3Url, setupFleet, type Fleet, removeScratch, scratch } from './helpers.js';
import { S3Proxy } from './proxy.js';

const BUCKET = 'fleet';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let s: TestServer;
let fleet: Fleet;
let observer: JobsObserver;
const firmware = randomBytes(300_000);
const agents: RunningAgent[] = [];

before(async () => {
  s = await startTestServer();
  const s3 = s.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'firmware/miso-1.0.0.bin', Body: firmware }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'config/app.conf', Body: 'setting=1\n' }));
  fleet = await setupFleet(s, BUCKET);
  observer = new JobsObserver(s);
});

after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  observer.stop();
  await s.close();
  removeScratch();
});

async function agentFor(name: string, extra = {}) {
  const device = await createDevice(s, name);
  const agent = await runAgent(s, device, extra);
  agents.push(agent);
  return { device, agent, done: outcomes(agent) };
}

/** Files the agent left in its folder, its own hidden state aside. */
const visibleFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.') && !join(e.parentPath, e.name).includes('/.ferry-agent/'))
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();

test("DESIGN.md's download document ends SUCCEEDED with the exact bytes, progress reported on the way", async (t) => {
  const { device, done } = await agentFor('miso_dl_1');
  // A slow link (a pacing proxy in front of S3, the engine's links pointed at it), so progress has time to show.
  const proxy = await new S3Proxy(s).start();
  const restore = linksVia(s, proxy.origin);
  t.after(async () => {
    restore();
    await proxy.close();
  });
  proxy.pace = { bytes: 16 * 1024, everyMs: 10 };
  await createJob(s, fleet, 'dl-1', device.thingName, { operation: 'download', version: '1.0.0', url: s3Url(BUCKET, 'firmware/miso-1.0.0.bin'), sha256: sha256(firmware) });
  assert.equal((await done.of('dl-1')).status, 'SUCCEEDED');
  const server = await execution(s, 'dl-1', device.thingName);
  assert.equal(server.status, 'SUCCEEDED', JSON.stringify(server.details));
  assert.equal(server.details.sha256, sha256(firmware));
  assert.equal(server.details.file, 'miso-1.0.0.bin');
  assert.deepEqual(readFileSync(join(device.dir, 'miso-1.0.0.bin')), firmware);
  const updates = observer.updates(device.thingName, 'dl-1');
  const progress = updates.filter((u) => u.status === 'IN_PROGRESS').map((u) => u.statusDetails as Record<string, string>);
  assert.ok(progress.some((d) => d.step === 'downloading' && d.percent !== undefined && d.totalBytes === String(firmware.length)), JSON.stringify(progress));
  assert.ok(progress.length <= 14, `at most every 10 % and the phases, not per chunk (${progress.length} updates)`);
  assert.ok(updates.every((u) => u.status !== 'IN_PROGRESS' || u.stepTimeoutInMinutes === 10), 'every progress update keeps the step timer alive');
  assert.deepEqual(visibleFiles(device.dir), ['miso-1.0.0.bin']);
});

test("the SDK sample agent's install document and the Device Client's download-file documents end SUCCEEDED", async () => {
  const { device, done } = await agentFor('miso_dl_2');
  mkdirSync(join(device.dir, 'existing'));
  await createJob(s, fleet, 'install-1', device.thingName, {
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
  await createJob(s, fleet, 'dc-1', device.thingName, {
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
      // A second step, to a folder that exists: the file goes inside it.
      { action: { name: 'Download File', type: 'runHandler', input: { handler: 'download-file.sh', args: [s3Url(BUCKET, 'config/app.conf'), 'existing'] } } },
    ],
  });
  // The Device Client's older shape, to a folder.
  await createJob(s, fleet, 'dc-old', device.thingName, { operation: 'download-file.sh', args: [s3Url(BUCKET, 'firmware/miso-1.0.0.bin'), 'downloads/'] });
  for (const id of ['install-1', 'dc-1', 'dc-old']) {
    const outcome = await done.of(id);
    assert.equal(outcome.status, 'SUCCEEDED', `${id}: ${JSON.stringify(outcome)}`);
    assert.equal((await execution(s, id, device.thingName)).status, 'SUCCEEDED', id);
  }
  assert.deepEqual(readFileSync(join(device.dir, 'packages/miso/miso.bin')), firmware);
  assert.equal(readFileSync(join(device.dir, 'packages/miso/app.conf'), 'utf8'), 'setting=1\n');
  assert.equal(readFileSync(join(device.dir, 'etc/app.conf'), 'utf8'), 'setting=1\n');
  assert.deepEqual(readFileSync(join(device.dir, 'downloads/miso-1.0.0.bin')), firmware);
  assert.equal(readFileSync(join(device.dir, 'existing/app.conf'), 'utf8'), 'setting=1\n');
  assert.deepEqual(visibleFiles(device.dir), ['downloads/miso-1.0.0.bin', 'etc/app.conf', 'existing/app.conf', 'packages/miso/app.conf', 'packages/miso/miso.bin']);
});

test('a checksum mismatch ends FAILED with the reason and leaves no file; destinations outside --dir are REJECTED; the next job succeeds', async () => {
  const { device, done } = await agentFor('miso_dl_3');
  const outside = scratch('ferry-outside-');
  // A symbolic link inside --dir that leads out.
  symlinkSync(outside, join(device.dir, 'escape'));
  await createJob(s, fleet, 'bad-sum', device.thingName, { operation: 'download', url: s3Url(BUCKET, 'firmware/miso-1.0.0.bin'), sha256: sha256(Buffer.from('other')) });
  await createJob(s, fleet, 'dotdot', device.thingName, { operation: 'download', url: s3Url(BUCKET, 'config/app.conf'), destination: '../../evil.conf' });
  await createJob(s, fleet, 'absolute', device.thingName, {
    version: '1.0',
    steps: [{ action: { name: 'x', type: 'runHandler', input: { handler: 'download-file.sh', args: [s3Url(BUCKET, 'config/app.conf'), join(outside, 'evil.conf')] } } }],
  });
  await createJob(s, fleet, 'symlink', device.thingName, { operation: 'download', url: s3Url(BUCKET, 'config/app.conf'), destination: 'escape/evil.conf' });
  await createJob(s, fleet, 'good', device.thingName, { operation: 'download', url: s3Url(BUCKET, 'config/app.conf'), destination: 'ok/app.conf' });

  await done.of('bad-sum');
  const bad = await execution(s, 'bad-sum', device.thingName);
  assert.equal(bad.status, 'FAILED');
  assert.equal(bad.details.reason, 'checksum-mismatch');
  assert.match(bad.details.message!, new RegExp(`sha256 of the download is ${sha256(firmware)}`));
  for (const id of ['dotdot', 'absolute', 'symlink']) {
    await done.of(id);
    const e = await execution(s, id, device.thingName);
    assert.equal(e.status, 'REJECTED', id);
    assert.equal(e.details.reason, 'destination-outside-dir', id);
  }
  await done.of('good');
  assert.equal((await execution(s, 'good', device.thingName)).status, 'SUCCEEDED');
  // Nothing of the failed download is left (no file, no part); nothing was written outside.
  assert.deepEqual(readdirSync(device.dir, { recursive: true }).filter((f) => String(f).includes('miso')), []);
  assert.deepEqual(readdirSync(outside), []);
  assert.deepEqual(visibleFiles(device.dir), ['ok/app.conf']);
});

test('an unknown operation is REJECTED with the reason; the next job runs', async () => {
  const { device, done } = await agentFor('miso_dl_4');
  await createJob(s, fleet, 'reboot-1', device.thingName, { operation: 'reboot' });
  await createJob(s, fleet, 'cmd-1', device.thingName, { version: '1.0', steps: [{ action: { name: 'rm', type: 'runCommand', input: { command: 'rm,-rf,/' } } }] });
  await createJob(s, fleet, 'after', device.thingName, { operation: 'download', url: s3Url(BUCKET, 'config/app.conf') });
  await done.of('reboot-1');
  const reboot = await execution(s, 'reboot-1', device.thingName);
  assert.equal(reboot.status, 'REJECTED');
  assert.equal(reboot.details.reason, 'unknown-operation');
  assert.match(reboot.details.message!, /no handler for operation 'reboot' \(it runs: download, install, download-file, upload\)/);
  await done.of('cmd-1');
  const cmd = await execution(s, 'cmd-1', device.thingName);
  assert.equal(cmd.status, 'REJECTED');
  assert.equal(cmd.details.reason, 'unsupported-step');
  await done.of('after');
  assert.equal((await execution(s, 'after', device.thingName)).status, 'SUCCEEDED');
});

test('uploads the role allows end SUCCEEDED (PutObject and multipart); one outside its permission ends FAILED with the reason', async () => {
  const { device, done } = await agentFor('miso_up_1');
  const log = Buffer.from(`boot ok ${randomBytes(8).toString('hex')}\n`.repeat(1000));
  const big = randomBytes(11 * 1024 * 1024);
  mkdirSync(join(device.dir, 'logs'));
  writeFileSync(join(device.dir, 'logs/app.log'), log);
  writeFileSync(join(device.dir, 'logs/core.dump'), big);
  await createJob(s, fleet, 'up-ok', device.thingName, { operation: 'upload', file: 'logs/app.log', bucket: BUCKET, key: `logs/${device.thingName}/app.log` });
  await createJob(s, fleet, 'up-big', device.thingName, { operation: 'upload', file: 'logs/core.dump', bucket: BUCKET, key: `logs/${device.thingName}/core.dump` });
  await createJob(s, fleet, 'up-denied', device.thingName, { operation: 'upload', file: 'logs/app.log', bucket: BUCKET, key: 'firmware/evil.bin' });
  await createJob(s, fleet, 'up-outside', device.thingName, { operation: 'upload', file: '/etc/passwd', bucket: BUCKET, key: 'logs/passwd' });

  for (const [id, body] of [['up-ok', log], ['up-big', big]] as const) {
    const outcome = await done.of(id);
    assert.equal(outcome.status, 'SUCCEEDED', `${id}: ${JSON.stringify(outcome)}`);
    assert.equal((await execution(s, id, device.thingName)).status, 'SUCCEEDED');
    const key = `logs/${device.thingName}/${id === 'up-ok' ? 'app.log' : 'core.dump'}`;
    const stored = await s.s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.deepEqual(Buffer.from(await stored.Body!.transformToByteArray()), body, key);
  }
  await done.of('up-denied');
  const denied = await execution(s, 'up-denied', device.thingName);
  assert.equal(denied.status, 'FAILED');
  assert.equal(denied.details.reason, 'upload-denied');
  assert.match(denied.details.message!, /S3 refused the upload to s3:\/\/fleet\/firmware\/evil\.bin/);
  await done.of('up-outside');
  const outside = await execution(s, 'up-outside', device.thingName);
  assert.equal(outside.status, 'REJECTED');
  assert.equal(outside.details.reason, 'file-outside-dir');
  assert.equal(existsSync(join(device.dir, 'passwd')), false);
});
