/**
 * The agent without MQTT: `--transport https` runs its jobs by polling the
 * Jobs HTTPS data plane with the device certificate, with the same handlers,
 * resumable downloads, progress and outcomes as over MQTT; `--transport auto`
 * uses MQTT and falls back to HTTPS when the broker cannot be reached. The
 * MQTT endpoint the agents are given is a closed port unless said otherwise.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { RunningAgent } from '../../src/agent/agent.js';
import type { Operation } from '../../src/agent/types.js';
import { defaultOperations } from '../../src/agent/handlers/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  agentProcess,
  allowJobsOverHttps,
  cancelExecution,
  closedPort,
  createDevice,
  createJob,
  executionEnded,
  JobsObserver,
  linksVia,
  outcomes,
  removeScratch,
  runAgent,
  s3Url,
  setupFleet,
  type Device,
  type Fleet,
} from './helpers.js';
import { ManualTimer } from './manual-timer.js';
import { S3Proxy } from './proxy.js';

const BUCKET = 'fleet';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MiB = 1024 * 1024;
const firmware = randomBytes(3 * MiB + 77);

let s: TestServer;
let fleet: Fleet;
let observer: JobsObserver;
let noBroker: string;
const agents: RunningAgent[] = [];

before(async () => {
  s = await startTestServer();
  await s.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s.s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'firmware.bin', Body: firmware }));
  fleet = await setupFleet(s, BUCKET);
  observer = new JobsObserver(s);
  noBroker = `mqtts://127.0.0.1:${await closedPort()}`;
});

after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  observer.stop();
  await s.close();
  removeScratch();
});

const download = (destination = 'firmware.bin') => ({ operation: 'download', url: s3Url(BUCKET, 'firmware.bin'), destination, sha256: sha256(firmware), size: firmware.length });

async function httpsDevice(name: string): Promise<Device> {
  const device = await createDevice(s, name);
  await allowJobsOverHttps(s, device);
  return device;
}

async function agent(device: Device, extra: Parameters<typeof runAgent>[2]): Promise<RunningAgent> {
  const a = await runAgent(s, device, { mqttEndpoint: noBroker, jobsEndpoint: s.endpoints.endpoints.iotJobsData, ...extra });
  agents.push(a);
  return a;
}

test('--transport https: a download job SUCCEEDED with the exact bytes, progress and the outcome reported over HTTPS; the broker never heard of it', async () => {
  const device = await httpsDevice('miso_https_1');
  const ended = executionEnded(s, 'https-1', device.thingName);
  await createJob(s, fleet, 'https-1', device.thingName, download());
  const running = await agent(device, { transport: 'https' });
  const done = outcomes(running);
  assert.equal((await done.of('https-1')).status, 'SUCCEEDED');
  const server = await ended;
  assert.equal(server.status, 'SUCCEEDED', JSON.stringify(server.statusDetails));
  assert.equal(server.statusDetails.sha256, sha256(firmware));
  assert.deepEqual(readFileSync(join(device.dir, 'firmware.bin')), firmware);
  assert.equal(running.connection, undefined, 'no MQTT connection at all');
  assert.deepEqual(observer.requests.filter((r) => r.thing === device.thingName), [], 'no Jobs request over MQTT');
});

test('--transport https: a job canceled while it runs is noticed at the next poll (no notify-next over HTTPS), and the next poll finds the next job', async () => {
  const device = await httpsDevice('miso_https_2');
  const timer = new ManualTimer();
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  // A job that works until it is told to stop.
  const wait: Operation = {
    name: 'wait',
    matches: (doc) => doc.operation === 'wait',
    run: (job) =>
      new Promise((_resolve, reject) => {
        started();
        job.signal.addEventListener('abort', () => reject(job.signal.reason as Error), { once: true });
      }),
  };
  await createJob(s, fleet, 'https-wait', device.thingName, { operation: 'wait' });
  const a = await agent(device, { transport: 'https', pollTimer: timer, operations: [wait, ...defaultOperations()] });
  const canceled = new Promise<string>((resolve) => a.loop.once('canceled', (_e, why) => resolve(why)));
  await running;
  await cancelExecution(s, 'https-wait', device.thingName);
  await timer.fire();
  assert.match(await canceled, /CANCELED/);

  const ended = executionEnded(s, 'https-after', device.thingName);
  await createJob(s, fleet, 'https-after', device.thingName, download('after.bin'));
  await timer.fire();
  assert.equal((await ended).status, 'SUCCEEDED');
  assert.ok(timer.waits.every((ms) => ms >= 54_000 && ms <= 66_000), `polls every 60 s ± 10 %: ${timer.waits.join(', ')}`);
});

test('--transport https: a download interrupted by a stop resumes with Range after the next start', async (t) => {
  const device = await httpsDevice('miso_https_3');
  const proxy = await new S3Proxy(s).start();
  const restore = linksVia(s, proxy.origin);
  t.after(async () => {
    restore();
    await proxy.close();
  });
  proxy.pace = { bytes: 64 * 1024, everyMs: 5 };
  await createJob(s, fleet, 'https-resume', device.thingName, download());
  const first = await runAgent(s, device, { transport: 'https', jobsEndpoint: s.endpoints.endpoints.iotJobsData, download: { checkpointBytes: 256 * 1024, backoff: { initialMs: 5, maxMs: 20 } } });
  await proxy.whenSent(MiB + 512 * 1024);
  await first.stop();
  proxy.pace = undefined;
  const ended = executionEnded(s, 'https-resume', device.thingName);
  await agent(device, { transport: 'https' });
  const server = await ended;
  assert.equal(server.status, 'SUCCEEDED', JSON.stringify(server.statusDetails));
  const ranged = proxy.requests.find((r) => r.range);
  assert.ok(ranged && /^bytes=\d+-$/.test(ranged.range!) && ranged.status === 206, JSON.stringify(proxy.requests));
  assert.equal(server.statusDetails.resumedFrom, /^bytes=(\d+)-$/.exec(ranged.range!)![1]);
  assert.deepEqual(readFileSync(join(device.dir, 'firmware.bin')), firmware);
});

test('--transport auto: the broker unreachable, the job runs over HTTPS; the broker reachable, over MQTT with no polling', async () => {
  const offline = await httpsDevice('miso_auto_1');
  const ended = executionEnded(s, 'auto-1', offline.thingName);
  await createJob(s, fleet, 'auto-1', offline.thingName, download());
  const fallback = await agent(offline, { transport: 'auto' });
  assert.equal((await ended).status, 'SUCCEEDED');
  assert.equal(fallback.https!.poller.running, true, 'polling while the broker cannot be reached');
  assert.equal(fallback.connection!.online, false);
  assert.deepEqual(readFileSync(join(offline.dir, 'firmware.bin')), firmware);

  const online = await httpsDevice('miso_auto_2');
  const endedOnline = executionEnded(s, 'auto-2', online.thingName);
  const direct = await agent(online, { transport: 'auto', mqttEndpoint: s.endpoints.endpoints.mqtt });
  await new Promise<void>((resolve) => (direct.connection!.online ? resolve() : direct.connection!.once('online', () => resolve())));
  await createJob(s, fleet, 'auto-2', online.thingName, download());
  assert.equal((await endedOnline).status, 'SUCCEEDED');
  await observer.untilFinal(online.thingName, 'auto-2');
  assert.ok(observer.updates(online.thingName, 'auto-2').some((u) => u.status === 'SUCCEEDED'), 'the outcome went over MQTT');
  assert.equal(direct.https!.poller.running, false, 'no polling while MQTT works');
});

const startCli = agentProcess;

for (const transport of ['https', 'auto'] as const) {
  test(`\`ferry agent --kit K --transport ${transport}\` completes a job with the MQTT port closed; SIGTERM stops it with exit 0`, async (t) => {
    const device = await httpsDevice(`miso_cli_${transport}`);
    // The kit's MQTT endpoint goes nowhere.
    const kitFile = join(device.kitDir, 'kit.json');
    const kit = JSON.parse(readFileSync(kitFile, 'utf8'));
    writeFileSync(kitFile, JSON.stringify({ ...kit, endpoints: { ...kit.endpoints, mqtt: noBroker } }));
    const ended = executionEnded(s, `cli-${transport}`, device.thingName);
    await createJob(s, fleet, `cli-${transport}`, device.thingName, download());
    const run = startCli(['--kit', device.kitDir, '--dir', device.dir, '--transport', transport, '--poll-interval', '5']);
    t.after(() => run.child.kill('SIGKILL'));
    const server = await ended;
    assert.equal(server.status, 'SUCCEEDED', `${JSON.stringify(server.statusDetails)}\n${run.output()}`);
    assert.deepEqual(readFileSync(join(device.dir, 'firmware.bin')), firmware);
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0, run.output());
    if (transport === 'auto') assert.match(run.output(), /the broker cannot be reached: asking for jobs over HTTPS/);
  });
}

test('`ferry agent` refuses a poll interval under 5 s and https without a Jobs endpoint, before connecting anywhere', async () => {
  const device = await createDevice(s, 'miso_cli_bad');
  const tooFast = startCli(['--kit', device.kitDir, '--dir', device.dir, '--transport', 'https', '--poll-interval', '1']);
  assert.notEqual(await tooFast.exited, 0);
  assert.match(tooFast.output(), /at least 5/);
  const noEndpoint = startCli(['--thing', device.thingName, '--cert', join(device.kitDir, 'certificate.pem.crt'), '--key', join(device.kitDir, 'private.pem.key'), '--ca', join(device.kitDir, 'root-CA.crt'), '--dir', device.dir, '--transport', 'https']);
  assert.notEqual(await noEndpoint.exited, 0);
  assert.match(noEndpoint.output(), /missing: --jobs-endpoint/);
});
