import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListJobsCommand } from '@aws-sdk/client-iot';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { cli } from './helpers.js';
import { connectWithKit, runNextJob } from './device.js';

/** The jobs control plane is another engineer's work in progress: until it answers, these tests skip and say why. */
async function jobsMissing(s: TestServer): Promise<string | undefined> {
  try {
    await s.iot().send(new ListJobsCommand({}));
    return undefined;
  } catch (error) {
    const e = error as Error;
    return e.name === 'UnknownOperationException' || e.name === 'ResourceNotFoundException' ? `the jobs API has not landed (${e.name}: ${e.message})` : undefined;
  }
}

/** Policy, two things with kits, a bucket with firmware and a document, a signing role: the story up to the job. */
async function story(s: TestServer, work: string) {
  const d = ['--data-dir', s.dataDir];
  const ok = async (args: string[]) => {
    const r = await cli([...args, ...d]);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  await ok(['policy', 'create', 'miso-device', '--device', '--client-prefix', 'miso']);
  for (const thing of ['miso_things_1', 'miso_things_2']) await ok(['thing', 'create', thing, '--policy', 'miso-device', '--kit', join(work, thing)]);
  await ok(['bucket', 'create', 'firmware']);
  writeFileSync(join(work, 'fw.bin'), 'firmware bytes');
  await ok(['cp', join(work, 'fw.bin'), 's3://firmware/miso-1.0.0.bin']);
  const document = { operation: 'download', version: '1.0.0', url: '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/firmware/miso-1.0.0.bin}' };
  writeFileSync(join(work, 'job.json'), JSON.stringify(document));
  await ok(['cp', join(work, 'job.json'), 's3://firmware/jobs/job.json']);
  await ok(['role', 'create', 'miso-role', '--allow-get', 'firmware']);
  return d;
}

test('job create, describe, list, watch (ends when the job completes), cancel; bad arguments', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const missing = await jobsMissing(s);
  if (missing) return t.skip(missing);
  const work = tempDir();
  const d = await story(s, work);
  const { region, accountId } = s.endpoints;

  // Bad arguments first: nothing is created.
  const noTargets = await cli(['job', 'create', 'j0', '--document', join(work, 'job.json'), ...d]);
  assert.equal(noTargets.code, 2);
  assert.match(noTargets.stderr, /required option '--targets <targets>'/);
  const badJson = await cli(['job', 'create', 'j0', '--targets', 'miso_things_1', '--document', '{nope', ...d]);
  assert.equal(badJson.code, 2);
  assert.match(badJson.stderr, /inline document is not JSON: line 1, column 2: expected a double-quoted property name or '}', found 'n'/);
  const badExpiry = await cli(['job', 'create', 'j0', '--targets', 'miso_things_1', '--document', join(work, 'job.json'), '--presign-role', 'miso-role', '--expires-in', '5', ...d]);
  assert.equal(badExpiry.code, 2);
  const noRole = await cli(['job', 'create', 'j0', '--targets', 'miso_things_1', '--document', join(work, 'job.json'), ...d]);
  assert.equal(noRole.code, 1, 'a placeholder without a presigned-URL config is refused by the server');
  assert.match(noRole.stderr, /^ferry: InvalidRequestException: /);

  const created = await cli([
    'job', 'create', 'firmware-1', '--targets', 'miso_things_1,miso_things_2', '--document', 's3://firmware/jobs/job.json',
    '--presign-role', 'miso-role', '--expires-in', '300', '--description', 'firmware 1.0.0', '--json', ...d,
  ]);
  assert.equal(created.code, 0, created.stderr);
  const job = created.json();
  assert.equal(job.jobArn, `arn:aws:iot:${region}:${accountId}:job/firmware-1`);
  assert.deepEqual(job.targets, [`arn:aws:iot:${region}:${accountId}:thing/miso_things_1`, `arn:aws:iot:${region}:${accountId}:thing/miso_things_2`]);

  const described = (await cli(['job', 'describe', 'firmware-1', '--json', ...d])).json();
  assert.equal(described.job.status, 'IN_PROGRESS');
  assert.equal(described.job.presignedUrlConfig.expiresInSec, 300);
  assert.equal(described.counters.queued, 2);
  assert.deepEqual(described.executions.map((e: { thingName: string; status: string }) => [e.thingName, e.status]), [['miso_things_1', 'QUEUED'], ['miso_things_2', 'QUEUED']]);
  assert.match((await cli(['job', 'describe', 'firmware-1', ...d])).stdout, /miso_things_2\s+QUEUED/);
  assert.deepEqual((await cli(['job', 'list', '--json', ...d])).json().map((j: { jobId: string }) => j.jobId), ['firmware-1']);

  // The watch runs while the devices work and ends by itself when the job completes.
  const watching = cli(['job', 'watch', 'firmware-1', '--interval', '50', ...d]);
  const devices = await Promise.all(['miso_things_1', 'miso_things_2'].map((thing) => connectWithKit(join(work, thing))));
  t.after(() => Promise.all(devices.map((c) => c.endAsync())));
  const ran = await Promise.all(devices.map((c, i) => runNextJob(c, `miso_things_${i + 1}`, { status: 'SUCCEEDED', statusDetails: { percent: '100' } })));
  assert.match(String((ran[0]!.jobDocument as { url: string }).url), /X-Amz-Expires=300/, 'the device got a presigned link');
  const watched = await watching;
  assert.equal(watched.code, 0, watched.stderr);
  assert.match(watched.stdout, /job firmware-1 IN_PROGRESS: 0\/2 finished/);
  assert.match(watched.stdout, /miso_things_1 SUCCEEDED/);
  assert.match(watched.stdout, /job firmware-1 COMPLETED: .*succeeded 2/);
  assert.equal(watched.stdout.match(/^job firmware-1 COMPLETED/gm)?.length, 1, 'the final line is printed once');
  const final = (await cli(['job', 'watch', 'firmware-1', '--json', ...d])).json();
  assert.equal(final.status, 'COMPLETED');
  assert.equal(final.counters.succeeded, 2);
  assert.deepEqual(final.executions.map((e: { status: string }) => e.status), ['SUCCEEDED', 'SUCCEEDED']);

  // A second job: canceled; watching it ends at once with exit 3 (not every device succeeded).
  assert.equal((await cli(['job', 'create', 'firmware-2', '--targets', 'miso_things_1', '--document', join(work, 'job.json'), '--presign-role', 'miso-role', ...d])).code, 0);
  const canceled = await cli(['job', 'cancel', 'firmware-2', '--reason-code', 'OPERATOR', '--comment', 'wrong file', '--json', ...d]);
  assert.equal(canceled.code, 0, canceled.stderr);
  assert.equal(canceled.json().canceled, true);
  const watchCanceled = await cli(['job', 'watch', 'firmware-2', '--interval', '50', ...d]);
  assert.equal(watchCanceled.code, 3);
  assert.match(watchCanceled.stdout, /job firmware-2 CANCELED/);
  assert.equal(watchCanceled.stdout.match(/^job firmware-2 CANCELED/gm)?.length, 1, 'the final line is printed once');
  assert.deepEqual((await cli(['job', 'list', '--status', 'CANCELED', '--json', ...d])).json().map((j: { jobId: string }) => j.jobId), ['firmware-2']);

  const unknown = await cli(['job', 'watch', 'nope', ...d]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /ResourceNotFoundException/);
});
