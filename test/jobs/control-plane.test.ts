import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AddThingToThingGroupCommand, CreateThingCommand, CreateThingGroupCommand, DescribeJobCommand, ListJobExecutionsForJobCommand, ListJobExecutionsForThingCommand, ListJobsCommand, ListTagsForResourceCommand, type IoTClient } from '@aws-sdk/client-iot';
import { CreateRoleCommand, DeleteRolePolicyCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { arnOf, createJob, createSigningRole, trustPolicy, uploadFirmware } from './helpers.js';

const PLACEHOLDER_DOC = JSON.stringify({ url: '${aws:iot:s3-presigned-url:https://s3.us-east-1.amazonaws.com/firmware/fw.bin}' });

async function refusal(p: Promise<unknown>): Promise<Error & { $metadata: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { $metadata: { httpStatusCode?: number } };
  }
  return assert.fail('the call succeeded');
}

/** The jobs control plane with @aws-sdk/client-iot (aws-wire-protocols.md §3.3). */
describe('jobs control plane', () => {
  let ts: TestServer;
  let iot: IoTClient;
  let roleArn: string;

  before(async () => {
    ts = await startTestServer();
    iot = ts.iot();
    for (const name of ['t1', 't2', 't3', 't4', 'lonely']) await iot.send(new CreateThingCommand({ thingName: name }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'fleet' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'fleet-eu', parentGroupName: 'fleet' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'fleet', thingName: 't1' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'fleet-eu', thingName: 't2' }));
    await uploadFirmware(ts, 'firmware', 'fw.bin', Buffer.from('firmware'));
    roleArn = await createSigningRole(ts, 'signer', 'firmware');
  });
  after(() => ts.close());

  test('CreateJob refuses what it cannot honour, naming the field, and stores nothing', async () => {
    const base = { jobId: 'refused', things: ['t1'], document: '{"a":1}' };
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ jobExecutionsRolloutConfig: { maximumPerMinute: 1001 } }, /jobExecutionsRolloutConfig.maximumPerMinute 1001 is not valid: it must be an integer from 1 to 1000/],
            [{ documentParameters: { downloadUrl: 'x' } }, /documentParameters can be used only with an AWS-managed job template/],
      [{ targetSelection: 'SOMETIMES' }, /targetSelection must be SNAPSHOT or CONTINUOUS/],
      [{ jobId: 'bad id!' }, /jobId/],
      [{ document: undefined }, /needs a document/],
      [{ document: '{nope' }, /not valid JSON/],
      [{ document: '{\n  "url": "x",\n  "size": 12,\n}' }, /not valid JSON: line 4, column 1: expected a double-quoted property name after the comma, found '}'/],
      [{ document: '[1,2]' }, /must be a JSON object/],
      [{ document: JSON.stringify({ pad: 'x'.repeat(32768) }) }, /too large/],
      [{ documentSource: 'https://s3.amazonaws.com/firmware/fw.bin' }, /either document or documentSource/],
      [{ things: [] }, /at least one/],
      [{ targets: ['arn:aws:iot:eu-west-1:123456789012:thing/t1'] }, /not the ARN of a thing or thing group of account/],
      [{ document: PLACEHOLDER_DOC }, /has presigned-URL placeholders .* but the job has no presignedUrlConfig/],
      [{ document: PLACEHOLDER_DOC, presignedUrlConfig: { roleArn, expiresInSec: 59 } }, /expiresInSec must be an integer from 60 to 3600/],
      [{ document: PLACEHOLDER_DOC, presignedUrlConfig: { roleArn, expiresInSec: 3601 } }, /expiresInSec/],
      [{ document: JSON.stringify({ url: '${aws:iot:s3-presigned-url:https://example.com/firmware/fw.bin}' }), presignedUrlConfig: { roleArn } }, /neither an AWS S3 endpoint nor this server's S3 endpoint/],
      [{ document: PLACEHOLDER_DOC, presignedUrlConfig: { roleArn: `arn:aws:iam::${ts.endpoints.accountId}:role/nobody` } }, /Role arn:aws:iam::\d+:role\/nobody does not exist/],
      [{ timeoutConfig: { inProgressTimeoutInMinutes: 0 } }, /inProgressTimeoutInMinutes/],
      [{ timeoutConfig: { inProgressTimeoutInMinutes: 10081 } }, /inProgressTimeoutInMinutes/],
    ];
    for (const [change, message] of cases) {
      const e = await refusal(createJob(ts, { ...base, ...change } as Parameters<typeof createJob>[1]));
      assert.equal(e.name, 'InvalidRequestException', `${JSON.stringify(change)}: ${e.message}`);
      assert.equal(e.$metadata.httpStatusCode, 400);
      assert.match(e.message, message);
    }
    const missingThing = await refusal(createJob(ts, { ...base, things: ['ghost'] }));
    assert.equal(missingThing.name, 'ResourceNotFoundException');
    assert.match(missingThing.message, /Thing ghost does not exist/);
    assert.equal((await iot.send(new ListJobsCommand({}))).jobs?.some((j) => j.jobId === 'refused'), false);
  });

  test('a role without s3:GetObject on the object is refused, naming the role, the action and the object', async () => {
    const iam = ts.iam();
    await iam.send(new CreateRoleCommand({ RoleName: 'narrow', AssumeRolePolicyDocument: trustPolicy('iot.amazonaws.com') }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'narrow', PolicyName: 'other', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::firmware/other/*' }] }) }));
    const narrow = `arn:aws:iam::${ts.endpoints.accountId}:role/narrow`;
    const e = await refusal(createJob(ts, { jobId: 'narrow', things: ['t1'], document: PLACEHOLDER_DOC, presignedUrlConfig: { roleArn: narrow } }));
    assert.equal(e.name, 'InvalidRequestException');
    assert.match(e.message, /Role arn:aws:iam::\d+:role\/narrow is not allowed s3:GetObject on arn:aws:s3:::firmware\/fw\.bin/);
    // The object need not exist yet: the operator may upload it after creating the job.
    const later = JSON.stringify({ url: '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/firmware/other/later.bin}' });
    await createJob(ts, { jobId: 'narrow-ok', things: ['t4'], document: later, presignedUrlConfig: { roleArn: narrow } });
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'narrow', PolicyName: 'other' }));
  });

  test('a placeholder naming a bucket that does not exist is refused as such, beside one whose object is not uploaded yet', async () => {
    const url = (bucket: string, key: string) => JSON.stringify({ url: `\${aws:iot:s3-presigned-url:https://s3.amazonaws.com/${bucket}/${key}}` });
    const e = await refusal(createJob(ts, { jobId: 'typo', things: ['t1'], document: url('firmwrae', 'fw.bin'), presignedUrlConfig: { roleArn } }));
    assert.equal(e.name, 'InvalidRequestException');
    assert.match(e.message, /The bucket firmwrae named by the placeholder for https:\/\/s3\.amazonaws\.com\/firmwrae\/fw\.bin does not exist/);
    assert.doesNotMatch(e.message, /s3:GetObject/);
    const ok = await createJob(ts, { jobId: 'not-uploaded-yet', things: ['t4'], document: url('firmware', 'later/fw2.bin'), presignedUrlConfig: { roleArn } });
    assert.equal(ok.jobId, 'not-uploaded-yet');
    assert.equal((await iot.send(new ListJobsCommand({}))).jobs?.some((j) => j.jobId === 'typo'), false);
  });

  test('placeholders Ferry does not serve are refused by name, inline or from documentSource, beside a presigned one that is served', async () => {
    const docs: Array<[string, RegExp]> = [
      [JSON.stringify({ sig: '${aws:iot:code-sign-signature:s3://us-east-1.firmware/fw.bin@1}' }), /placeholder \$\{aws:iot:code-sign-signature:…\}, which Ferry does not serve: .*AWS Signer/],
      [JSON.stringify({ steps: [{ url: '${aws:iot:parameter:downloadUrl}' }] }), /placeholder \$\{aws:iot:parameter:…\}, which Ferry does not serve: .*managed job template/],
      [JSON.stringify({ x: 'a ${aws:iot:s3-presigned-url:https://s3.amazonaws.com/firmware/fw.bin} and ${aws:iot:future-thing:y}' }), /\$\{aws:iot:future-thing:…\}, which Ferry does not serve/],
    ];
    for (const [document, message] of docs) {
      const e = await refusal(createJob(ts, { jobId: 'unserved', things: ['t1'], document, presignedUrlConfig: { roleArn } }));
      assert.equal(e.name, 'InvalidRequestException', e.message);
      assert.match(e.message, message);
    }
    await ts.s3().send(new PutObjectCommand({ Bucket: 'firmware', Key: 'jobs/signed.json', Body: docs[0]![0] }));
    const fromSource = await refusal(createJob(ts, { jobId: 'unserved', things: ['t1'], documentSource: `${ts.endpoints.endpoints.s3}/firmware/jobs/signed.json`, presignedUrlConfig: { roleArn } }));
    assert.match(fromSource.message, /code-sign-signature:…\}, which Ferry does not serve/);
    assert.equal((await iot.send(new ListJobsCommand({}))).jobs?.some((j) => j.jobId === 'unserved'), false);
    const served = await createJob(ts, { jobId: 'served', things: ['t4'], document: PLACEHOLDER_DOC, presignedUrlConfig: { roleArn } });
    assert.equal(served.jobId, 'served');
  });

  test('groups are expanded recursively at creation (SNAPSHOT); DescribeJob shows exact counters, float-second times and the document source; tags and listings', async () => {
    const source = `${ts.endpoints.endpoints.s3}/firmware/jobs/job.json`;
    await ts.s3().send(new PutObjectCommand({ Bucket: 'firmware', Key: 'jobs/job.json', Body: PLACEHOLDER_DOC }));
    const created = await createJob(ts, {
      jobId: 'group-job',
      targets: [arnOf(ts, 'thinggroup/fleet'), arnOf(ts, 'thing/t3')],
      documentSource: source,
      description: 'to the fleet',
      presignedUrlConfig: { roleArn },
      timeoutConfig: { inProgressTimeoutInMinutes: 30 },
      tags: [{ Key: 'release', Value: '1.0' }],
    });
    assert.equal(created.description, 'to the fleet');
    // Joining the group afterwards does not add the thing to a SNAPSHOT job.
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'fleet', thingName: 'lonely' }));
    // Later changes to the source object do not affect the job.
    await ts.s3().send(new PutObjectCommand({ Bucket: 'firmware', Key: 'jobs/job.json', Body: '{"changed":true}' }));

    const described = await iot.send(new DescribeJobCommand({ jobId: 'group-job' }));
    assert.equal(described.documentSource, source);
    const job = described.job!;
    assert.deepEqual([job.status, job.targetSelection, job.forceCanceled, job.description], ['IN_PROGRESS', 'SNAPSHOT', false, 'to the fleet']);
    assert.deepEqual(job.targets, [arnOf(ts, 'thinggroup/fleet'), arnOf(ts, 'thing/t3')]);
    assert.deepEqual(job.presignedUrlConfig, { roleArn, expiresInSec: 3600 });
    assert.deepEqual(job.timeoutConfig, { inProgressTimeoutInMinutes: 30 });
    assert.equal(job.jobProcessDetails?.numberOfQueuedThings, 3);
    assert.ok(job.createdAt instanceof Date);

    const raw = await rawDescribe(ts, 'group-job');
    assert.equal(typeof raw.job.createdAt, 'number');
    assert.ok(Math.abs(raw.job.createdAt * 1000 - ts.clock.now()) < 60_000, 'epoch seconds, fractional milliseconds allowed');

    const things = await iot.send(new ListJobExecutionsForJobCommand({ jobId: 'group-job' }));
    assert.deepEqual(things.executionSummaries?.map((s) => s.thingArn), ['t1', 't2', 't3'].map((t) => arnOf(ts, `thing/${t}`)));
    assert.deepEqual(things.executionSummaries?.[0]?.jobExecutionSummary && { ...things.executionSummaries[0].jobExecutionSummary, queuedAt: undefined, lastUpdatedAt: undefined }, { status: 'QUEUED', executionNumber: 1, retryAttempt: 0, queuedAt: undefined, lastUpdatedAt: undefined });
    const paged = await iot.send(new ListJobExecutionsForJobCommand({ jobId: 'group-job', maxResults: 2 }));
    assert.equal(paged.executionSummaries?.length, 2);
    const rest = await iot.send(new ListJobExecutionsForJobCommand({ jobId: 'group-job', maxResults: 2, nextToken: paged.nextToken }));
    assert.deepEqual(rest.executionSummaries?.map((s) => s.thingArn), [arnOf(ts, 'thing/t3')]);
    assert.equal(rest.nextToken, undefined);
    const forThing = await iot.send(new ListJobExecutionsForThingCommand({ thingName: 't1' }));
    assert.ok(forThing.executionSummaries?.some((s) => s.jobId === 'group-job'));
    assert.deepEqual((await iot.send(new ListJobExecutionsForThingCommand({ thingName: 't1', status: 'SUCCEEDED' }))).executionSummaries, []);

    const tags = await iot.send(new ListTagsForResourceCommand({ resourceArn: arnOf(ts, 'job/group-job') }));
    assert.deepEqual(tags.tags, [{ Key: 'release', Value: '1.0' }]);

    const byGroup = await iot.send(new ListJobsCommand({ thingGroupName: 'fleet' }));
    assert.deepEqual(byGroup.jobs?.map((j) => j.jobId), ['group-job']);
    const inProgress = await iot.send(new ListJobsCommand({ status: 'IN_PROGRESS', maxResults: 1 }));
    assert.equal(inProgress.jobs?.length, 1);
    assert.ok(inProgress.nextToken, 'more than one page');
    const second = await iot.send(new ListJobsCommand({ status: 'IN_PROGRESS', maxResults: 1, nextToken: inProgress.nextToken }));
    assert.notEqual(second.jobs?.[0]?.jobId, inProgress.jobs?.[0]?.jobId);
    assert.deepEqual((await iot.send(new ListJobsCommand({ status: 'COMPLETED' }))).jobs, []);

    const duplicate = await refusal(createJob(ts, { jobId: 'group-job', things: ['t1'], document: '{}' }));
    assert.equal(duplicate.name, 'ResourceAlreadyExistsException');
    assert.equal(duplicate.$metadata.httpStatusCode, 409);
  });

  test('documentSource: unreadable or invalid documents are refused, naming the URL', async () => {
    const missing = await refusal(createJob(ts, { jobId: 'src-missing', things: ['t1'], documentSource: 'https://s3.amazonaws.com/firmware/jobs/none.json' }));
    assert.equal(missing.name, 'InvalidRequestException');
    assert.match(missing.message, /documentSource https:\/\/s3\.amazonaws\.com\/firmware\/jobs\/none\.json cannot be read/);
    await ts.s3().send(new PutObjectCommand({ Bucket: 'firmware', Key: 'jobs/bad.json', Body: 'not json' }));
    const bad = await refusal(createJob(ts, { jobId: 'src-bad', things: ['t1'], documentSource: 'https://firmware.s3.us-east-1.amazonaws.com/jobs/bad.json' }));
    assert.match(bad.message, /not valid JSON/);
  });

  test('an empty group gives a job that is complete at once', async () => {
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'nobody' }));
    await createJob(ts, { jobId: 'empty', targets: [arnOf(ts, 'thinggroup/nobody')], document: '{}' });
    const job = (await iot.send(new DescribeJobCommand({ jobId: 'empty' }))).job!;
    assert.equal(job.status, 'COMPLETED');
    assert.ok(job.completedAt instanceof Date);
  });
});

/** DescribeJob's JSON as it is on the wire. */
async function rawDescribe(ts: TestServer, jobId: string): Promise<any> {
  const iot = ts.iot();
  let body = '';
  iot.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const response = out.response as { body: NodeJS.ReadableStream };
      const chunks: Buffer[] = [];
      for await (const c of response.body) chunks.push(Buffer.from(c as Buffer));
      body = Buffer.concat(chunks).toString();
      const { Readable } = await import('node:stream');
      response.body = Readable.from([Buffer.from(body)]);
      return out;
    },
    { step: 'deserialize' },
  );
  await iot.send(new DescribeJobCommand({ jobId }));
  return JSON.parse(body);
}
