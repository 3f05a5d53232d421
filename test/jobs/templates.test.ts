/**
 * Job templates through @aws-sdk/client-iot: a custom template used by two
 * jobs (one overriding its rollout), a template made from an existing job,
 * the AWS-managed templates and their document parameters, and the refusals
 * beside the successes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateJobTemplateCommand,
  CreateThingCommand,
  DeleteJobTemplateCommand,
  DescribeJobCommand,
  DescribeJobTemplateCommand,
  DescribeManagedJobTemplateCommand,
  GetJobDocumentCommand,
  ListJobTemplatesCommand,
  ListManagedJobTemplatesCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { pgSkipReason } from '../helpers/postgres.js';
import { arnOf, createJob, createSigningRole, uploadFirmware } from './helpers.js';

async function refusal(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  assert.fail('expected a refusal');
}

for (const engine of ['sqlite', 'postgres'] as const) describe(`job templates (${engine})`, { skip: engine === 'postgres' ? pgSkipReason() : false }, () => {
  let ts: TestServer;
  let iot: IoTClient;
  let roleArn: string;
  const managedArn = (name: string) => `arn:aws:iot:${ts.endpoints.region}::jobtemplate/${name}:1.0`;

  before(async () => {
    ts = await startTestServer({ engine });
    iot = ts.iot();
    for (const name of ['t1', 't2']) await iot.send(new CreateThingCommand({ thingName: name }));
    await uploadFirmware(ts, 'firmware', 'fw.bin', Buffer.from('firmware'));
    roleArn = await createSigningRole(ts, 'signer', 'firmware');
  });
  after(() => ts.close());

  test('a custom template used by two jobs, one overriding its rollout; DescribeJob shows the template and the merged configuration', async () => {
    const document = JSON.stringify({ operation: 'download', url: '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/firmware/fw.bin}' });
    const abortConfig = { criteriaList: [{ failureType: 'FAILED' as const, action: 'CANCEL' as const, thresholdPercentage: 50, minNumberOfExecutedThings: 2 }] };
    const created = await iot.send(new CreateJobTemplateCommand({
      jobTemplateId: 'release',
      description: 'the firmware rollout',
      document,
      presignedUrlConfig: { roleArn, expiresInSec: 600 },
      jobExecutionsRolloutConfig: { maximumPerMinute: 10 },
      abortConfig,
      timeoutConfig: { inProgressTimeoutInMinutes: 30 },
      jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'TIMED_OUT', numberOfRetries: 2 }] },
      tags: [{ Key: 'team', Value: 'fw' }],
    }));
    assert.equal(created.jobTemplateArn, arnOf(ts, 'jobtemplate/release'));
    assert.equal(created.jobTemplateId, 'release');

    const described = await iot.send(new DescribeJobTemplateCommand({ jobTemplateId: 'release' }));
    assert.equal(described.document, document);
    assert.deepEqual(described.jobExecutionsRolloutConfig, { maximumPerMinute: 10 });
    assert.deepEqual(described.timeoutConfig, { inProgressTimeoutInMinutes: 30 });
    assert.deepEqual(described.presignedUrlConfig, { roleArn, expiresInSec: 600 });
    assert.ok(described.createdAt instanceof Date);

    await createJob(ts, { jobId: 'release-1', things: ['t1'], jobTemplateArn: created.jobTemplateArn });
    await createJob(ts, { jobId: 'release-2', things: ['t2'], jobTemplateArn: created.jobTemplateArn, jobExecutionsRolloutConfig: { maximumPerMinute: 100 }, description: 'hotfix' });
    const one = (await iot.send(new DescribeJobCommand({ jobId: 'release-1' }))).job!;
    const two = (await iot.send(new DescribeJobCommand({ jobId: 'release-2' }))).job!;
    assert.equal(one.jobTemplateArn, created.jobTemplateArn);
    assert.equal(two.jobTemplateArn, created.jobTemplateArn);
    assert.deepEqual(one.jobExecutionsRolloutConfig, { maximumPerMinute: 10 });
    assert.deepEqual(two.jobExecutionsRolloutConfig, { maximumPerMinute: 100 });
    for (const job of [one, two]) {
      assert.deepEqual(job.abortConfig, abortConfig);
      assert.deepEqual(job.timeoutConfig, { inProgressTimeoutInMinutes: 30 });
      assert.deepEqual(job.jobExecutionsRetryConfig, { criteriaList: [{ failureType: 'TIMED_OUT', numberOfRetries: 2 }] });
      assert.deepEqual(job.presignedUrlConfig, { roleArn, expiresInSec: 600 });
    }
    assert.equal(two.description, 'hotfix');
    assert.equal((await iot.send(new GetJobDocumentCommand({ jobId: 'release-2' }))).document, document);

    const listed = await iot.send(new ListJobTemplatesCommand({}));
    assert.deepEqual(listed.jobTemplates?.map((t) => [t.jobTemplateId, t.description]), [['release', 'the firmware rollout']]);
  });

  test('a template made from an existing job reproduces its document and configurations', async () => {
    const document = JSON.stringify({ operation: 'reboot', delay: 5 });
    await createJob(ts, { jobId: 'source-job', things: ['t1'], document, jobExecutionsRolloutConfig: { maximumPerMinute: 7 } });
    await iot.send(new CreateJobTemplateCommand({ jobTemplateId: 'from-job', description: 'copied', jobArn: arnOf(ts, 'job/source-job') }));
    const t = await iot.send(new DescribeJobTemplateCommand({ jobTemplateId: 'from-job' }));
    assert.equal(t.document, document);
    assert.deepEqual(t.jobExecutionsRolloutConfig, { maximumPerMinute: 7 });
    await createJob(ts, { jobId: 'from-copy', things: ['t2'], jobTemplateArn: t.jobTemplateArn });
    assert.equal((await iot.send(new GetJobDocumentCommand({ jobId: 'from-copy' }))).document, document);
  });

  test('a template is refused by the same checks as a job, naming the field, and nothing is stored', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ jobExecutionsRolloutConfig: { maximumPerMinute: 1001 } }, /jobExecutionsRolloutConfig.maximumPerMinute 1001 is not valid/],
      [{ maintenanceWindows: [{ startTime: 'cron(nope)', durationInMinutes: 30 }] }, /maintenanceWindows\[0\].startTime/],
      [{ document: '{nope' }, /not valid JSON/],
      [{ document: undefined }, /needs a document/],
      [{ document: JSON.stringify({ u: '${aws:iot:parameter:downloadUrl}' }) }, /aws:iot:parameter/],
      [{ jobArn: arnOf(ts, 'job/ghost'), document: undefined }, /does not exist/],
    ];
    for (const [change, message] of cases) {
      const e = await refusal(iot.send(new CreateJobTemplateCommand({ jobTemplateId: 'bad', description: 'bad', document: '{"a":1}', ...change } as never)));
      assert.match(e.message, message, JSON.stringify(change));
    }
    await assert.rejects(iot.send(new DescribeJobTemplateCommand({ jobTemplateId: 'bad' })), { name: 'ResourceNotFoundException' });
    await iot.send(new CreateJobTemplateCommand({ jobTemplateId: 'twice', description: 'x', document: '{"a":1}' }));
    await assert.rejects(iot.send(new CreateJobTemplateCommand({ jobTemplateId: 'twice', description: 'x', document: '{"a":1}' })), { name: 'ConflictException' });
    await iot.send(new DeleteJobTemplateCommand({ jobTemplateId: 'twice' }));
    await assert.rejects(iot.send(new DescribeJobTemplateCommand({ jobTemplateId: 'twice' })), { name: 'ResourceNotFoundException' });
  });

  test('the managed templates: listed, described with their parameters, and filled by documentParameters', async () => {
    const listed = await iot.send(new ListManagedJobTemplatesCommand({}));
    const names = listed.managedJobTemplates!.map((t) => t.templateName);
    for (const name of ['AWS-Download-File', 'AWS-Reboot', 'AWS-Install-Application', 'AWS-Start-Application', 'AWS-Stop-Application', 'AWS-Restart-Application', 'AWS-Remove-Application']) {
      assert.ok(names.includes(name), name);
    }
    const filtered = await iot.send(new ListManagedJobTemplatesCommand({ templateName: 'AWS-Reboot' }));
    assert.deepEqual(filtered.managedJobTemplates!.map((t) => [t.templateArn, t.templateVersion]), [[managedArn('AWS-Reboot'), '1.0']]);
    const download = await iot.send(new DescribeManagedJobTemplateCommand({ templateName: 'AWS-Download-File' }));
    assert.equal(download.templateArn, managedArn('AWS-Download-File'));
    assert.deepEqual(download.documentParameters!.map((p) => [p.key, p.optional]), [['downloadUrl', false], ['filePath', false], ['runAsUser', true], ['pathToHandler', true]]);
    assert.equal(JSON.parse(download.document!).steps[0].action.type, 'runHandler');
    await assert.rejects(iot.send(new DescribeManagedJobTemplateCommand({ templateName: 'AWS-Nothing' })), { name: 'ResourceNotFoundException' });

    const url = '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/firmware/fw.bin}';
    await createJob(ts, {
      jobId: 'managed-download', things: ['t1'], jobTemplateArn: managedArn('AWS-Download-File'),
      documentParameters: { downloadUrl: url, filePath: '/tmp/fw.bin' }, presignedUrlConfig: { roleArn, expiresInSec: 600 },
    });
    const job = (await iot.send(new DescribeJobCommand({ jobId: 'managed-download' }))).job!;
    assert.equal(job.jobTemplateArn, managedArn('AWS-Download-File'));
    assert.deepEqual(job.documentParameters, { downloadUrl: url, filePath: '/tmp/fw.bin' });
    const doc = JSON.parse((await iot.send(new GetJobDocumentCommand({ jobId: 'managed-download' }))).document!);
    assert.deepEqual(doc.steps[0].action.input, { handler: 'download-file.sh', args: [url, '/tmp/fw.bin'], path: '' });
    const before = await iot.send(new GetJobDocumentCommand({ jobId: 'managed-download', beforeSubstitution: true }));
    assert.equal(before.document, download.document);
  });

  test('documentParameters: missing, malformed or unexpected refused naming the parameter; with a custom template refused', async () => {
    await iot.send(new CreateJobTemplateCommand({ jobTemplateId: 'custom', description: 'x', document: '{"a":1}' }));
    const base = { jobId: 'param-refused', things: ['t1'], jobTemplateArn: managedArn('AWS-Download-File') };
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ documentParameters: { downloadUrl: 'https://x/y' } }, /documentParameters.filePath is missing/],
      [{ documentParameters: { downloadUrl: 'has spaces in it', filePath: '/a' } }, /documentParameters.downloadUrl "has spaces in it" is not valid for AWS-Download-File: it must match/],
      [{ documentParameters: { downloadUrl: 'https://x/y', filePath: '/a', colour: 'red' } }, /documentParameters.colour is not a parameter of AWS-Download-File/],
      // Issue 24 item 4: a request-supplied key named like an Object property is a key like any other (never dropped).
      ...['__proto__', 'constructor', 'toString'].map((key): [Record<string, unknown>, RegExp] => [
        { documentParameters: JSON.parse(`{"downloadUrl":"https://x/y","filePath":"/a","${key}":"x"}`) },
        new RegExp(`documentParameters.${key} is not a parameter of AWS-Download-File`),
      ]),
      [{ jobTemplateArn: arnOf(ts, 'jobtemplate/custom'), documentParameters: { downloadUrl: 'x' } }, /documentParameters cannot be used with the custom job template custom/],
      [{ jobTemplateArn: managedArn('AWS-Nope') }, /no AWS-managed job template AWS-Nope/],
    ];
    for (const [change, message] of cases) {
      const e = await refusal(createJob(ts, { ...base, ...change } as never));
      assert.match(e.message, message, JSON.stringify(change));
    }
    await assert.rejects(iot.send(new DescribeJobCommand({ jobId: 'param-refused' })), { name: 'ResourceNotFoundException' });
  });
});
