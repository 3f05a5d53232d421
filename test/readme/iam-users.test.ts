import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateThingGroupCommand, DescribeJobCommand, DescribeThingCommand } from '@aws-sdk/client-iot';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, GetGroupCommand } from '@aws-sdk/client-iam';
import { startTestServer, tempDir } from '../helpers/server.js';
import { allowPolicy, trustPolicy } from '../helpers/policies.js';
import { failure, run, sectionBlocks } from './sections.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SECTION = 'Operators as IAM users';

test(`the README's "${SECTION}" sequence runs as written: the release engineer's job is made, CreateThing refused`, async (t) => {
  const blocks = sectionBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'), SECTION);
  assert.deepEqual(blocks.map((b) => b.file ?? b.lang), ['release-engineer.json', 'sh']);
  const [policy, commands] = blocks as [(typeof blocks)[0], (typeof blocks)[0]];

  const work = tempDir();
  const s = await startTestServer({ dataDir: join(work, 'ferry-data') });
  t.after(() => s.close());
  // What the section assumes from the Operator CLI's story: the lobby group, the firmware bucket and job document, miso-role.
  await s.iot().send(new CreateThingGroupCommand({ thingGroupName: 'lobby' }));
  await s.s3().send(new CreateBucketCommand({ Bucket: 'firmware' }));
  await s.s3().send(new PutObjectCommand({ Bucket: 'firmware', Key: 'jobs/job.json', Body: '{"operation":"download","version":"1.0.0"}' }));
  await s.iam().send(new CreateRoleCommand({ RoleName: 'miso-role', AssumeRolePolicyDocument: trustPolicy('iot.amazonaws.com') }));
  const { Policy } = await s.iam().send(new CreatePolicyCommand({ PolicyName: 'miso-read', PolicyDocument: allowPolicy('s3:GetObject', 'arn:aws:s3:::firmware/*') }));
  await s.iam().send(new AttachRolePolicyCommand({ RoleName: 'miso-role', PolicyArn: Policy!.Arn! }));
  writeFileSync(join(work, policy.file!), policy.text);

  const bin = join(work, 'bin');
  mkdirSync(bin);
  symlinkSync(join(ROOT, 'bin', 'ferry.js'), join(bin, 'ferry'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && name !== 'NODE_PATH'));
  env.PATH = `${bin}:${dirname(process.execPath)}:${env.PATH ?? ''}`;
  // The profile goes where the AWS tools look: here a scratch HOME, never this machine's ~/.aws.
  env.HOME = work;

  const result = await run(commands.text, work, env, 120_000);
  assert.equal(result.code, 0, failure(result));
  assert.match(result.stdout, /secret access key:\s+\S+\s+\(shown once/);
  assert.match(result.stdout, /refused/);
  assert.match(result.stderr, /AccessDeniedException: User: arn:aws:iam::\d+:user\/rel-eng is not authorized to perform: iot:CreateThing on resource: arn:aws:iot:[^:]+:\d+:thing\/intruder because no identity-based policy allows the iot:CreateThing action/);
  assert.match(readFileSync(join(work, '.aws', 'credentials'), 'utf8'), /\[rel-eng\]/);

  const job = await s.iot().send(new DescribeJobCommand({ jobId: 'fw-2' }));
  assert.deepEqual(job.job?.targets, [`arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:thinggroup/lobby`]);
  await assert.rejects(s.iot().send(new DescribeThingCommand({ thingName: 'intruder' })), { name: 'ResourceNotFoundException' });
  assert.deepEqual((await s.iam().send(new GetGroupCommand({ GroupName: 'release' }))).Users, []);
});
