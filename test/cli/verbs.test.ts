import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { DescribeCertificateCommand, ListAttachedPoliciesCommand } from '@aws-sdk/client-iot';
import { startTestServer, tempDir } from '../helpers/server.js';
import { cli } from './helpers.js';
import { connectWithKit } from './device.js';
import { readKit } from '../../src/agent/kit.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

test('thing create writes a working connection kit; list, describe, delete; bad arguments', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const d = ['--data-dir', s.dataDir];
  const work = tempDir();

  assert.equal((await cli(['policy', 'create', 'miso-device', '--device', '--client-prefix', 'miso', ...d])).code, 0);
  const kitDir = join(work, 'kit');
  const created = await cli(['thing', 'create', 'miso_things_1', '--policy', 'miso-device', '--kit', kitDir, '--attribute', 'model=m1', '--json', ...d]);
  assert.equal(created.code, 0, created.stderr);
  const thing = created.json();
  assert.equal(thing.thingName, 'miso_things_1');
  assert.match(thing.certificateId, /^[0-9a-f]{64}$/);
  assert.equal(thing.kitDir, kitDir);
  assert.equal(thing.privateKeyPem, undefined, 'the private key is in the kit, never on stdout');

  // The certificate is active, attached to the thing, with the policy.
  const cert = await s.iot().send(new DescribeCertificateCommand({ certificateId: thing.certificateId }));
  assert.equal(cert.certificateDescription?.status, 'ACTIVE');
  const attached = await s.iot().send(new ListAttachedPoliciesCommand({ target: thing.certificateArn }));
  assert.deepEqual(attached.policies?.map((p) => p.policyName), ['miso-device']);

  // The kit: files, modes, config; and it connects to the broker as the thing.
  const config = JSON.parse(readFileSync(join(kitDir, 'kit.json'), 'utf8'));
  assert.equal(config.kitVersion, 1);
  assert.equal(config.thingName, 'miso_things_1');
  assert.equal(config.endpoints.mqtt, s.endpoints.endpoints.mqtt);
  assert.equal(config.endpoints.credentialProvider, s.endpoints.endpoints.credentialProvider);
  assert.equal(config.endpoints.s3, s.endpoints.endpoints.s3);
  // The agent's own reader accepts it.
  const kit = readKit(kitDir);
  assert.equal(kit.caPem, s.ca);
  assert.equal(statSync(join(kitDir, config.privateKeyFile)).mode & 0o777, 0o600);
  assert.match(readFileSync(join(kitDir, 'public.pem.key'), 'utf8'), /BEGIN PUBLIC KEY/);
  assert.ok(statSync(join(kitDir, 'start.sh')).mode & 0o100, 'start.sh is executable');
  assert.match(readFileSync(join(kitDir, 'start.sh'), 'utf8'), /"\$KIT\/ferry-agent\.mjs" --kit "\$KIT"/);
  const device = await connectWithKit(kitDir);
  await device.end();

  const list = await cli(['thing', 'list', '--json', ...d]);
  assert.deepEqual(list.json().map((x: { thingName: string }) => x.thingName), ['miso_things_1']);
  const table = await cli(['thing', 'list', ...d]);
  assert.match(table.stdout, /^NAME\s+TYPE\s+VERSION\s+ATTRIBUTES\nmiso_things_1\s+-\s+1\s+model=m1\n$/);
  const described = (await cli(['thing', 'describe', 'miso_things_1', '--json', ...d])).json();
  assert.deepEqual(described.principals, [thing.certificateArn]);
  assert.deepEqual(described.attributes, { model: 'm1' });

  // Bad arguments: usage errors exit 2, the server's refusals exit 1 with its message.
  const missing = await cli(['thing', 'create', ...d]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing required argument 'name'/);
  const badName = await cli(['thing', 'create', 'bad name!', '--kit', join(work, 'bad'), ...d]);
  assert.equal(badName.code, 1);
  assert.match(badName.stderr, /^ferry: InvalidRequestException: .+\n$/);
  assert.doesNotMatch(badName.stderr, /\bat .+\.ts:\d+/, 'no stack trace');
  const badAttribute = await cli(['thing', 'create', 'x', '--attribute', 'novalue', ...d]);
  assert.equal(badAttribute.code, 2);
  assert.match(badAttribute.stderr, /expected KEY=VALUE/);
  const noServer = await cli(['thing', 'list', '--data-dir', join(work, 'nowhere')]);
  assert.equal(noServer.code, 2);
  assert.match(noServer.stderr, /no server found/);

  const deleted = await cli(['thing', 'delete', 'miso_things_1', '--json', ...d]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.deepEqual(deleted.json().deletedCertificates, [thing.certificateId]);
  const gone = await cli(['thing', 'describe', 'miso_things_1', ...d]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /ResourceNotFoundException/);
});

test('policy create, attach, test (explained), list, get, detach, delete; bad arguments', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const d = ['--data-dir', s.dataDir];
  const work = tempDir();
  const { region, accountId } = s.endpoints;

  const device = (await cli(['policy', 'create', 'miso-device', '--device', '--role-alias', 'miso-role-alias', '--client-prefix', 'miso', '--json', ...d])).json();
  assert.equal(device.policyName, 'miso-device');
  assert.equal(device.policyArn, `arn:aws:iot:${region}:${accountId}:policy/miso-device`);
  const doc = JSON.parse((await cli(['policy', 'get', 'miso-device', '--json', ...d])).json().policyDocument);
  assert.deepEqual(doc.Statement[0], { Effect: 'Allow', Action: 'iot:AssumeRoleWithCertificate', Resource: `arn:aws:iot:${region}:${accountId}:rolealias/miso-role-alias` });
  assert.equal(doc.Statement[1].Resource, `arn:aws:iot:${region}:${accountId}:client/miso*`);

  const file = join(work, 'deny.json');
  writeFileSync(file, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iot:Publish', Resource: `arn:aws:iot:${region}:${accountId}:topic/$aws/things/*/jobs/forbidden` }] }));
  assert.equal((await cli(['policy', 'create', 'no-forbidden', '--document', file, ...d])).code, 0);

  // A thing without a policy, then both attached through --thing.
  assert.equal((await cli(['thing', 'create', 'miso_things_1', '--kit', join(work, 'kit'), ...d])).code, 0);
  const none = (await cli(['policy', 'test', '--thing', 'miso_things_1', '--action', 'connect', '--json', ...d])).json();
  assert.equal(none.results[0].decision, 'IMPLICIT_DENY');
  assert.match(none.results[0].why, /no policy is attached/);
  for (const p of ['miso-device', 'no-forbidden']) {
    const attached = await cli(['policy', 'attach', p, '--thing', 'miso_things_1', '--json', ...d]);
    assert.equal(attached.code, 0, attached.stderr);
    assert.equal(attached.json().targets.length, 1);
  }

  const connect = (await cli(['policy', 'test', '--thing', 'miso_things_1', '--action', 'connect', '--json', ...d])).json();
  assert.equal(connect.clientId, 'miso_things_1');
  assert.equal(connect.results[0].decision, 'ALLOWED');
  assert.deepEqual(connect.results[0].allowedBy, ['miso-device']);
  const other = (await cli(['policy', 'test', '--thing', 'miso_things_1', '--client-id', 'other', '--action', 'connect', '--json', ...d])).json();
  assert.equal(other.results[0].decision, 'IMPLICIT_DENY');
  assert.match(other.results[0].why, /no statement in .*miso-device.* allows iot:Connect/);
  const publish = (
    await cli([
      'policy', 'test', '--thing', 'miso_things_1', '--action', 'publish', '--json', ...d,
      '--resource', '$aws/things/miso_things_1/jobs/start-next',
      '--resource', '$aws/things/miso_things_2/jobs/start-next',
      '--resource', '$aws/things/miso_things_1/jobs/forbidden',
    ])
  ).json();
  assert.deepEqual(publish.results.map((r: { decision: string }) => r.decision), ['ALLOWED', 'IMPLICIT_DENY', 'EXPLICIT_DENY']);
  assert.equal(publish.results[0].resource, `arn:aws:iot:${region}:${accountId}:topic/$aws/things/miso_things_1/jobs/start-next`);
  assert.match(publish.results[2].why, /Deny statement in no-forbidden/);
  const human = await cli(['policy', 'test', '--thing', 'miso_things_1', '--client-id', 'other', '--action', 'connect', ...d]);
  // Explained with the Connect statements (client/miso*), not the Publish statements' thing variable.
  assert.match(human.stdout, /IMPLICIT_DENY .*client\/other\n.*allows iot:Connect on this resource \(their iot:Connect statements allow only arn:aws:iot:[^ ]+:client\/miso\*\)\n/);
  assert.doesNotMatch(human.stdout, /names no thing|policy variables/);
  const subscribe = (await cli(['policy', 'test', '--thing', 'miso_things_1', '--action', 'subscribe', '--resource', '$aws/things/miso_things_1/jobs/notify-next', '--json', ...d])).json();
  assert.equal(subscribe.results[0].decision, 'ALLOWED');
  assert.match(subscribe.results[0].resource, /:topicfilter\/\$aws\/things\/miso_things_1\/jobs\/notify-next$/);

  const names = (await cli(['policy', 'list', '--json', ...d])).json().map((p: { policyName: string }) => p.policyName).sort();
  assert.deepEqual(names, ['miso-device', 'no-forbidden']);

  // Bad arguments.
  const both = await cli(['policy', 'create', 'x', '--device', '--document', file, ...d]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /either --document FILE or --device/);
  writeFileSync(join(work, 'broken.json'), '{\n  "Version": "2012-10-17",\n  "Statement": [ nope ]\n}\n');
  const notJson = await cli(['policy', 'create', 'x', '--document', join(work, 'broken.json'), ...d]);
  assert.equal(notJson.code, 2);
  assert.match(notJson.stderr, /broken\.json is not JSON: line 3, column 18: expected a value .*found 'n'/);
  writeFileSync(join(work, 'malformed.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Perhaps', Action: 'iot:Connect', Resource: '*' }] }));
  const malformed = await cli(['policy', 'create', 'x', '--document', join(work, 'malformed.json'), ...d]);
  assert.equal(malformed.code, 1);
  assert.match(malformed.stderr, /^ferry: MalformedPolicyException: /);
  const noTarget = await cli(['policy', 'attach', 'miso-device', ...d]);
  assert.equal(noTarget.code, 2);
  assert.match(noTarget.stderr, /exactly one target/);
  const badAction = await cli(['policy', 'test', '--thing', 'miso_things_1', '--action', 'jump', ...d]);
  assert.equal(badAction.code, 2);
  assert.match(badAction.stderr, /Allowed choices are connect, publish, subscribe, receive/);
  const unknownPolicy = await cli(['policy', 'attach', 'nope', '--thing', 'miso_things_1', ...d]);
  assert.equal(unknownPolicy.code, 1);
  assert.match(unknownPolicy.stderr, /ResourceNotFoundException/);

  const attachedStill = await cli(['policy', 'delete', 'no-forbidden', ...d]);
  assert.equal(attachedStill.code, 1, 'a policy still attached is not deleted');
  assert.equal((await cli(['policy', 'detach', 'no-forbidden', '--thing', 'miso_things_1', ...d])).code, 0);
  const deleted = await cli(['policy', 'delete', 'no-forbidden', '--json', ...d]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.deepEqual(deleted.json(), { policyName: 'no-forbidden', deleted: true });
});

test('bucket create, list, ls, delete; cp up (multipart) and down with progress; bad arguments', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const d = ['--data-dir', s.dataDir];
  const work = tempDir();

  const created = await cli(['bucket', 'create', 'firmware', '--json', ...d]);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.json().bucket, 'firmware');
  assert.deepEqual((await cli(['bucket', 'list', '--json', ...d])).json().map((b: { name: string }) => b.name), ['firmware']);

  const data = randomBytes(11 * 1024 * 1024 + 7);
  const file = join(work, 'miso-1.0.0.bin');
  writeFileSync(file, data);
  const up = await cli(['cp', file, 's3://firmware/firmware/', '--part-size', '5', '--json', ...d]);
  assert.equal(up.code, 0, up.stderr);
  const uploaded = up.json();
  assert.equal(uploaded.key, 'firmware/miso-1.0.0.bin', 'a key ending in / takes the file name');
  assert.equal(uploaded.size, data.length);
  assert.equal(uploaded.multipart, true);
  assert.match(uploaded.etag, /-3"$/, 'three parts');
  // Progress goes to stderr as plain lines (not a terminal), ending at 100%.
  assert.match(up.stderr, /upload .* 100% 11\.0 MiB in /);
  assert.ok(up.stderr.split('\n').length >= 3);

  const small = join(work, 'doc.json');
  writeFileSync(small, '{"operation":"download"}');
  const putSmall = await cli(['cp', small, 's3://firmware/jobs/doc.json', '--no-progress', ...d]);
  assert.equal(putSmall.code, 0, putSmall.stderr);
  assert.equal(putSmall.stderr, '');
  assert.match(putSmall.stdout, /^copied .*doc\.json to s3:\/\/firmware\/jobs\/doc\.json \(24 B\)\n$/);

  const ls = (await cli(['bucket', 'ls', 'firmware', '--json', ...d])).json();
  assert.deepEqual(ls.map((o: { key: string; size: number }) => [o.key, o.size]), [['firmware/miso-1.0.0.bin', data.length], ['jobs/doc.json', 24]]);
  const lsPrefix = (await cli(['bucket', 'ls', 'firmware', 'jobs/', '--json', ...d])).json();
  assert.equal(lsPrefix.length, 1);

  const back = join(work, 'back.bin');
  const down = await cli(['cp', 's3://firmware/firmware/miso-1.0.0.bin', back, '--json', ...d]);
  assert.equal(down.code, 0, down.stderr);
  assert.equal(sha256(readFileSync(back)), sha256(data));
  assert.equal(down.json().size, data.length);
  const intoDir = join(work, 'dir');
  mkdirSync(intoDir);
  assert.equal((await cli(['cp', 's3://firmware/jobs/doc.json', intoDir, ...d])).code, 0);
  assert.equal(readFileSync(join(intoDir, 'doc.json'), 'utf8'), '{"operation":"download"}');

  // Bad arguments and refusals.
  const noSuchKey = await cli(['cp', 's3://firmware/nope.bin', join(work, 'nope.bin'), ...d]);
  assert.equal(noSuchKey.code, 1);
  assert.match(noSuchKey.stderr, /NoSuchKey/);
  assert.ok(!existsSync(join(work, 'nope.bin')), 'a failed download leaves no file');
  const local = await cli(['cp', file, join(work, 'copy.bin'), ...d]);
  assert.equal(local.code, 2);
  assert.match(local.stderr, /one side must be s3:\/\/BUCKET\/KEY/);
  const noFile = await cli(['cp', join(work, 'missing.bin'), 's3://firmware/x', ...d]);
  assert.equal(noFile.code, 2);
  assert.match(noFile.stderr, /is not a file/);
  const badPart = await cli(['cp', file, 's3://firmware/x', '--part-size', '1', ...d]);
  assert.equal(badPart.code, 2);
  const noBucket = await cli(['cp', small, 's3://nobucket/x', ...d]);
  assert.equal(noBucket.code, 1);
  assert.match(noBucket.stderr, /NoSuchBucket/);
  const badName = await cli(['bucket', 'create', 'Bad_Bucket', ...d]);
  assert.equal(badName.code, 1);
  assert.match(badName.stderr, /InvalidBucketName/);
  const notEmpty = await cli(['bucket', 'delete', 'firmware', ...d]);
  assert.equal(notEmpty.code, 1);
  assert.match(notEmpty.stderr, /BucketNotEmpty/);

  assert.equal((await cli(['bucket', 'create', 'empty', ...d])).code, 0);
  const deleted = await cli(['bucket', 'delete', 'empty', '--json', ...d]);
  assert.deepEqual(deleted.json(), { bucket: 'empty', deleted: true });
});

test('role create (policy, trust, alias), describe, list, delete; bad arguments', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const d = ['--data-dir', s.dataDir];
  const { region, accountId } = s.endpoints;

  const created = await cli(['role', 'create', 'miso-role', '--allow-get', 'firmware', '--allow-put', 'logs/devices', '--alias', 'miso-role-alias', '--duration', '1800', '--json', ...d]);
  assert.equal(created.code, 0, created.stderr);
  const role = created.json();
  assert.equal(role.roleArn, `arn:aws:iam::${accountId}:role/miso-role`);
  assert.deepEqual(role.trusts, ['iot.amazonaws.com', 'credentials.iot.amazonaws.com'], 'an alias adds the credentials provider');
  assert.equal(role.policyArn, `arn:aws:iam::${accountId}:policy/miso-role-s3-access`);
  assert.equal(role.roleAliasArn, `arn:aws:iot:${region}:${accountId}:rolealias/miso-role-alias`);

  const described = (await cli(['role', 'describe', 'miso-role', '--json', ...d])).json();
  assert.deepEqual(described.trustPolicy.Statement[0].Principal.Service, ['iot.amazonaws.com', 'credentials.iot.amazonaws.com']);
  assert.deepEqual(described.attachedPolicies, [role.policyArn]);
  assert.match((await cli(['role', 'describe', 'miso-role', ...d])).stdout, /trust policy:\n\{/);

  const iotOnly = (await cli(['role', 'create', 'signer', '--trust', 'iot', '--allow-get', 'firmware', '--json', ...d])).json();
  assert.deepEqual(iotOnly.trusts, ['iot.amazonaws.com']);
  assert.equal(iotOnly.roleAliasArn, undefined);
  const names = (await cli(['role', 'list', '--json', ...d])).json().map((r: { roleName: string }) => r.roleName).sort();
  assert.deepEqual(names, ['miso-role', 'signer']);

  const badTrust = await cli(['role', 'create', 'x', '--trust', 'everyone', ...d]);
  assert.equal(badTrust.code, 2);
  assert.match(badTrust.stderr, /expected iot or credentials/);
  const badDuration = await cli(['role', 'create', 'x', '--alias', 'a', '--duration', '10', ...d]);
  assert.equal(badDuration.code, 2);
  assert.match(badDuration.stderr, /from 900 to 43200/);
  const again = await cli(['role', 'create', 'signer', ...d]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /EntityAlreadyExists/);

  const deleted = await cli(['role', 'delete', 'miso-role', '--alias', 'miso-role-alias', '--json', ...d]);
  assert.equal(deleted.code, 0, deleted.stderr);
  const gone = await cli(['role', 'describe', 'miso-role', ...d]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /NoSuchEntity/);
});

test('the AWS profile Ferry writes is enough to find the server; --help on every verb', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const env = {
    HOME: process.env.HOME,
    AWS_CONFIG_FILE: s.endpoints.configFile,
    AWS_SHARED_CREDENTIALS_FILE: s.endpoints.credentialsFile,
    AWS_PROFILE: 'ferry',
  };
  const work = tempDir();
  const created = await cli(['thing', 'create', 'miso_things_9', '--kit', join(work, 'kit'), '--json'], { env });
  assert.equal(created.code, 0, created.stderr);
  // endpoints.json beside the profile's files gives the kit its MQTT endpoint.
  assert.equal(JSON.parse(readFileSync(join(work, 'kit', 'kit.json'), 'utf8')).endpoints.mqtt, s.endpoints.endpoints.mqtt);
  assert.equal((await cli(['bucket', 'create', 'bucket-1'], { env })).code, 0);
  assert.equal((await cli(['role', 'create', 'r1', '--allow-get', 'bucket-1'], { env })).code, 0);
  const unknownProfile = await cli(['thing', 'list'], { env: { ...env, AWS_PROFILE: 'nobody' } });
  assert.equal(unknownProfile.code, 2);
  assert.match(unknownProfile.stderr, /profile nobody is not in/);

  // Without a data dir or a profile: ./ferry-data, relative to the working directory.
  const cwd = tempDir();
  const none = await cli(['thing', 'list'], { cwd, env: { HOME: process.env.HOME } });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /ferry-data\/endpoints\.json does not exist/);

  const verbs = [
    ['thing', 'create'], ['thing', 'list'], ['thing', 'describe'], ['thing', 'delete'],
    ['policy', 'create'], ['policy', 'attach'], ['policy', 'detach'], ['policy', 'test'], ['policy', 'list'], ['policy', 'get'], ['policy', 'delete'],
    ['bucket', 'create'], ['bucket', 'list'], ['bucket', 'ls'], ['bucket', 'delete'], ['cp'],
    ['role', 'create'], ['role', 'describe'], ['role', 'list'], ['role', 'delete'],
    ['job', 'create'], ['job', 'describe'], ['job', 'list'], ['job', 'cancel'], ['job', 'watch'],
  ];
  for (const verb of verbs) {
    const help = await cli([...verb, '--help']);
    assert.equal(help.code, 0, verb.join(' '));
    assert.match(help.stdout, new RegExp(`^Usage: ferry ${verb.join(' ')} `), verb.join(' '));
    assert.match(help.stdout, /--json/, `${verb.join(' ')} has --json`);
  }
});
