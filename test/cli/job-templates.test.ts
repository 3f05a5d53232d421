/**
 * Job templates from the command line: `ferry job-template …` and
 * `ferry job create --template … --param …`, and the AWS CLI's
 * list-managed-job-templates / describe-managed-job-template through the
 * profile Ferry writes, in AWS's shapes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateThingCommand, DescribeJobCommand, GetJobDocumentCommand } from '@aws-sdk/client-iot';
import { awsCli } from '../helpers/aws-cli.js';
import { startTestServer } from '../helpers/server.js';
import { cli } from './helpers.js';

test('ferry job-template create, list, describe, delete, managed; ferry job create --template with --param', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const d = ['--data-dir', s.dataDir];
  const ok = async (args: string[]) => {
    const r = await cli([...args, ...d]);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  await s.iot().send(new CreateThingCommand({ thingName: 'miso_tpl' }));
  await ok(['job-template', 'create', 'release', '--description', 'the release', '--document', '{"operation":"reboot"}', '--rate', '25']);
  assert.match((await ok(['job-template', 'list'])).stdout, /release\s.*the release/);
  const described = JSON.parse((await ok(['job-template', 'describe', 'release', '--json'])).stdout);
  assert.deepEqual([described.jobTemplateId, described.document, described.jobExecutionsRolloutConfig], ['release', '{"operation":"reboot"}', { maximumPerMinute: 25 }]);

  await ok(['job', 'create', 'from-custom', '--targets', 'miso_tpl', '--template', 'release']);
  const job = (await s.iot().send(new DescribeJobCommand({ jobId: 'from-custom' }))).job!;
  assert.equal(job.jobTemplateArn, `arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:jobtemplate/release`);
  assert.deepEqual(job.jobExecutionsRolloutConfig, { maximumPerMinute: 25 });

  assert.match((await ok(['job-template', 'managed'])).stdout, /AWS-Download-File\s+1\.0/);
  assert.match((await ok(['job-template', 'managed', 'AWS-Download-File'])).stdout, /downloadUrl\s+yes/);
  await ok(['job', 'create', 'from-managed', '--targets', 'miso_tpl', '--template', 'AWS-Download-File', '--param', 'downloadUrl=https://example.com/f.bin', '--param', 'filePath=/tmp/f.bin']);
  const doc = JSON.parse((await s.iot().send(new GetJobDocumentCommand({ jobId: 'from-managed' }))).document!);
  assert.deepEqual(doc.steps[0].action.input.args, ['https://example.com/f.bin', '/tmp/f.bin']);

  const missing = await cli(['job', 'create', 'bad', '--targets', 'miso_tpl', '--template', 'AWS-Download-File', '--param', 'downloadUrl=https://x/y', ...d]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /documentParameters.filePath is missing/);
  const neither = await cli(['job', 'create', 'bad', '--targets', 'miso_tpl', ...d]);
  assert.equal(neither.code, 2);
  assert.match(neither.stderr, /give --document .* or --template/);

  await ok(['job-template', 'delete', 'release']);
  assert.doesNotMatch((await ok(['job-template', 'list'])).stdout, /release/);
});

test('aws iot list-managed-job-templates and describe-managed-job-template through the generated profile', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const listed = await awsCli(s, ['iot', 'list-managed-job-templates']);
  assert.equal(listed.code, 0, listed.stderr);
  const templates = JSON.parse(listed.stdout).managedJobTemplates as Array<Record<string, unknown>>;
  const download = templates.find((x) => x.templateName === 'AWS-Download-File');
  assert.deepEqual(download, {
    templateArn: `arn:aws:iot:${s.endpoints.region}::jobtemplate/AWS-Download-File:1.0`,
    templateName: 'AWS-Download-File',
    description: 'A managed job template for downloading a file.',
    environments: ['LINUX'],
    templateVersion: '1.0',
  });
  const filtered = await awsCli(s, ['iot', 'list-managed-job-templates', '--template-name', 'AWS-Reboot']);
  assert.deepEqual(JSON.parse(filtered.stdout).managedJobTemplates.map((x: { templateName: string }) => x.templateName), ['AWS-Reboot']);

  const described = await awsCli(s, ['iot', 'describe-managed-job-template', '--template-name', 'AWS-Restart-Application', '--template-version', '1.0']);
  assert.equal(described.code, 0, described.stderr);
  const out = JSON.parse(described.stdout);
  assert.deepEqual(Object.keys(out).sort(), ['description', 'document', 'documentParameters', 'environments', 'templateArn', 'templateName', 'templateVersion']);
  assert.deepEqual(out.documentParameters.map((p: { key: string; optional: boolean }) => [p.key, p.optional]), [['services', false], ['runAsUser', true], ['pathToHandler', true]]);
  for (const p of out.documentParameters) assert.deepEqual(Object.keys(p).sort(), ['description', 'example', 'key', 'optional', 'regex']);
  assert.equal(JSON.parse(out.document).steps[0].action.input.handler, 'restart-services.sh');

  const unknown = await awsCli(s, ['iot', 'describe-managed-job-template', '--template-name', 'AWS-Nothing']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /ResourceNotFoundException/);
});
