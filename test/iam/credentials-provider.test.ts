import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateRoleAliasCommand,
  CreateThingCommand,
  UpdateCertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { CreateRoleCommand, ListRolesCommand, PutRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { rawRequest } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { allowPolicy, rejectsWith, trustPolicy } from './helpers.js';
import { storyPolicy } from '../helpers/policies.js';

interface Device {
  certificateId: string;
  certificateArn: string;
  cert: string;
  key: string;
}

async function device(iot: IoTClient, thing: string | undefined, policy: string, active = true): Promise<Device> {
  const made = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: active }));
  await iot.send(new AttachPolicyCommand({ policyName: policy, target: made.certificateArn! }));
  if (thing) await iot.send(new AttachThingPrincipalCommand({ thingName: thing, principal: made.certificateArn! }));
  return { certificateId: made.certificateId!, certificateArn: made.certificateArn!, cert: made.certificatePem!, key: made.keyPair!.PrivateKey! };
}

function askCredentials(s: TestServer, alias: string, who?: Device, thingName?: string) {
  return rawRequest({
    url: `${s.endpoints.endpoints.credentialProvider}/role-aliases/${alias}/credentials`,
    ca: s.ca,
    headers: { accept: '*/*', 'user-agent': 'aws-sdk-crt/x509-credentials-provider', ...(thingName ? { 'x-amzn-iot-thingname': thingName } : {}) },
    ...(who ? { cert: who.cert, key: who.key } : {}),
  });
}

interface Issued {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
}

/** AWS's own shape: {"credentials":{…}} (aws-wire-protocols.md §8). */
function credentialsOf(response: { status: number; body: string }): Issued {
  assert.equal(response.status, 200, response.body);
  assert.ok(Buffer.byteLength(response.body) < 2048, `body is ${Buffer.byteLength(response.body)} bytes; the AWS CRT client refuses 2048 or more`);
  const parsed = JSON.parse(response.body) as { credentials: Issued };
  assert.deepEqual(Object.keys(parsed), ['credentials']);
  assert.match(parsed.credentials.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
  assert.match(parsed.credentials.expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  return parsed.credentials;
}

function refusal(response: { status: number; body: string }, status: number, message: RegExp): void {
  assert.equal(response.status, status, response.body);
  const body = JSON.parse(response.body) as { message: string };
  assert.match(body.message, message);
}

function clients(s: TestServer, c: Issued) {
  const agent = new https.Agent({ ca: s.ca });
  const common = {
    region: s.endpoints.region,
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken },
    requestHandler: new NodeHttpHandler({ httpsAgent: agent }),
    maxAttempts: 1,
  };
  return {
    s3: new S3Client({ ...common, endpoint: s.endpoints.endpoints.s3, forcePathStyle: true }),
    sts: new STSClient({ ...common, endpoint: s.endpoints.endpoints.iam }),
    iam: new IAMClient({ ...common, region: 'us-east-1', endpoint: s.endpoints.endpoints.iam }),
    noToken: new S3Client({ ...common, credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }, endpoint: s.endpoints.endpoints.s3, forcePathStyle: true }),
  };
}

test('credentials provider: an ACTIVE, attached, authorized certificate gets role credentials; every missing condition is refused', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();
  const iam = s.iam();
  const { accountId, region } = s.endpoints;
  const aliasArn = (name: string) => `arn:aws:iot:${region}:${accountId}:rolealias/${name}`;

  // The role a device's logs go through: trusts the credentials provider, may read firmware and write its own logs.
  const roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'device-role', AssumeRolePolicyDocument: trustPolicy('credentials.iot.amazonaws.com') }))).Role!.Arn!;
  await iam.send(new PutRolePolicyCommand({ RoleName: 'device-role', PolicyName: 'read', PolicyDocument: allowPolicy('s3:GetObject', 'arn:aws:s3:::fleet/*') }));
  await iot.send(new CreateRoleAliasCommand({ roleAlias: 'device-alias', roleArn, credentialDurationSeconds: 900 }));
  // A role trusting only the jobs service, behind an alias the device may use.
  const jobsRoleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'jobs-role', AssumeRolePolicyDocument: trustPolicy('iot.amazonaws.com') }))).Role!.Arn!;
  await iot.send(new CreateRoleAliasCommand({ roleAlias: 'jobs-alias', roleArn: jobsRoleArn }));

  const devicePolicy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'iot:AssumeRoleWithCertificate', Resource: [aliasArn('device-alias'), aliasArn('jobs-alias'), aliasArn('missing-alias')] }],
  });
  await iot.send(new CreatePolicyCommand({ policyName: 'device-policy', policyDocument: devicePolicy }));
  const otherPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:AssumeRoleWithCertificate', Resource: aliasArn('other-alias') }] });
  await iot.send(new CreatePolicyCommand({ policyName: 'other-policy', policyDocument: otherPolicy }));
  await iot.send(new CreateThingCommand({ thingName: 'sensor-1' }));
  await iot.send(new CreateThingCommand({ thingName: 'sensor-2' }));

  const good = await device(iot, 'sensor-1', 'device-policy');
  const inactive = await device(iot, 'sensor-1', 'device-policy', false);
  const unauthorized = await device(iot, 'sensor-1', 'other-policy');

  // Success: the whole reply in AWS's shape, under 2,048 bytes.
  const issued = credentialsOf(await askCredentials(s, 'device-alias', good, 'sensor-1'));
  const expiresIn = Date.parse(issued.expiration) - s.clock.now();
  assert.ok(expiresIn > 890_000 && expiresIn <= 900_000, `expires in ${expiresIn} ms, the alias says 900 s`);

  // Refusals, each with a clear JSON message.
  refusal(await askCredentials(s, 'device-alias', undefined, 'sensor-1'), 403, /client certificate/);
  refusal(await askCredentials(s, 'device-alias', inactive, 'sensor-1'), 403, /INACTIVE, not ACTIVE/);
  refusal(await askCredentials(s, 'device-alias', good, 'sensor-2'), 403, /sensor-2 is not attached/);
  refusal(await askCredentials(s, 'device-alias', unauthorized, 'sensor-1'), 403, /do not allow iot:AssumeRoleWithCertificate on arn:aws:iot:.*:rolealias\/device-alias/);
  refusal(await askCredentials(s, 'jobs-alias', good, 'sensor-1'), 403, /does not trust credentials\.iot\.amazonaws\.com/);
  refusal(await askCredentials(s, 'missing-alias', good, 'sensor-1'), 404, /Role alias missing-alias does not exist/);
  // The certificate made INACTIVE after the fact is refused too.
  await iot.send(new UpdateCertificateCommand({ certificateId: good.certificateId, newStatus: 'INACTIVE' }));
  refusal(await askCredentials(s, 'device-alias', good, 'sensor-1'), 403, /not ACTIVE/);

  // STS tells the session who it is.
  const as = clients(s, issued);
  const who = await as.sts.send(new GetCallerIdentityCommand({}));
  assert.equal(who.Arn, `arn:aws:sts::${accountId}:assumed-role/device-role/${good.certificateId}`);
  assert.equal(who.Account, accountId);
  // The session may not manage IAM: its role allows no iam:* action.
  await rejectsWith(as.iam.send(new ListRolesCommand({})), 'AccessDenied', 403, /not authorized to perform: iam:ListRoles/);
});

test('role credentials on S3: GetObject allowed by the role, PutObject refused, no token refused, expired → ExpiredToken', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();
  const iam = s.iam();
  const root = s.s3();
  const { accountId, region } = s.endpoints;

  await root.send(new CreateBucketCommand({ Bucket: 'fleet' }));
  await root.send(new PutObjectCommand({ Bucket: 'fleet', Key: 'firmware/v1.bin', Body: 'firmware bytes' }));
  const roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: trustPolicy('credentials.iot.amazonaws.com') }))).Role!.Arn!;
  await iam.send(
    new PutRolePolicyCommand({ RoleName: 'reader', PolicyName: 'read', PolicyDocument: allowPolicy('s3:GetObject', 'arn:aws:s3:::fleet/*') }),
  );
  await iot.send(new CreateRoleAliasCommand({ roleAlias: 'reader-alias', roleArn, credentialDurationSeconds: 900 }));
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:AssumeRoleWithCertificate', Resource: `arn:aws:iot:${region}:${accountId}:rolealias/reader-alias` }] });
  await iot.send(new CreatePolicyCommand({ policyName: 'reader-policy', policyDocument: policy }));
  await iot.send(new CreateThingCommand({ thingName: 'reader-thing' }));
  const dev = await device(iot, 'reader-thing', 'reader-policy');
  const as = clients(s, credentialsOf(await askCredentials(s, 'reader-alias', dev, 'reader-thing')));

  const got = await as.s3.send(new GetObjectCommand({ Bucket: 'fleet', Key: 'firmware/v1.bin' }));
  assert.equal(await got.Body!.transformToString(), 'firmware bytes');
  await rejectsWith(as.s3.send(new PutObjectCommand({ Bucket: 'fleet', Key: 'firmware/evil.bin', Body: 'x' })), 'AccessDenied', 403);
  await rejectsWith(as.noToken.send(new GetObjectCommand({ Bucket: 'fleet', Key: 'firmware/v1.bin' })), 'InvalidToken', 400);

  // The session carries credentials-iot:ThingName: a policy added now lets the device write under its own name only.
  const logs = allowPolicy('s3:PutObject', 'arn:aws:s3:::fleet/logs/${credentials-iot:ThingName}/*');
  await iam.send(new PutRolePolicyCommand({ RoleName: 'reader', PolicyName: 'own-logs', PolicyDocument: logs }));
  await as.s3.send(new PutObjectCommand({ Bucket: 'fleet', Key: 'logs/reader-thing/boot.log', Body: 'booted' }));
  await rejectsWith(as.s3.send(new PutObjectCommand({ Bucket: 'fleet', Key: 'logs/other-thing/boot.log', Body: 'x' })), 'AccessDenied', 403);
  const log = await root.send(new GetObjectCommand({ Bucket: 'fleet', Key: 'logs/reader-thing/boot.log' }));
  assert.equal(await log.Body!.transformToString(), 'booted');

  s.clock.advance(901_000);
  await rejectsWith(as.s3.send(new GetObjectCommand({ Bucket: 'fleet', Key: 'firmware/v1.bin' })), 'ExpiredToken', 400);
});

// Issue 24: with no x-amzn-iot-thingname, nothing about the thing was checked and the session had no
// credentials-iot:ThingName, so a role policy using it silently matched nothing. Ferry now issues credentials
// without the header only when no policy involved reads a thing variable, and asks for the header otherwise.
test('credentials provider without x-amzn-iot-thingname: issued when nothing depends on the thing, else 400 asking for the header', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();
  const iam = s.iam();
  const root = s.s3();
  const { accountId, region } = s.endpoints;
  const aliasArn = (name: string) => `arn:aws:iot:${region}:${accountId}:rolealias/${name}`;
  await root.send(new CreateBucketCommand({ Bucket: 'fleet' }));
  await root.send(new PutObjectCommand({ Bucket: 'fleet', Key: 'firmware/v1.bin', Body: 'firmware bytes' }));

  // Three roles behind three aliases: one reads firmware only; one writes under the thing's name; one conditions on it.
  const role = async (name: string, policy: string) => {
    const arn = (await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustPolicy('credentials.iot.amazonaws.com') }))).Role!.Arn!;
    await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'p', PolicyDocument: policy }));
    await iot.send(new CreateRoleAliasCommand({ roleAlias: `${name}-alias`, roleArn: arn }));
  };
  await role('plain', allowPolicy('s3:GetObject', 'arn:aws:s3:::fleet/firmware/*'));
  await role('own-logs', allowPolicy('s3:PutObject', 'arn:aws:s3:::fleet/logs/${credentials-iot:ThingName}/*'));
  await role(
    'typed',
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'credentials-iot:ThingTypeName': 'mixer' } } }] }),
  );

  // The story's device policy: thing variables only in its MQTT statements, none in AssumeRoleWithCertificate's.
  const story = JSON.parse(storyPolicy(region, accountId)) as { Statement: Array<{ Resource: string | string[] }> };
  story.Statement[0]!.Resource = ['plain-alias', 'own-logs-alias', 'typed-alias'].map(aliasArn);
  await iot.send(new CreatePolicyCommand({ policyName: 'story', policyDocument: JSON.stringify(story) }));
  // A device policy whose AssumeRoleWithCertificate statement itself reads the thing's name.
  const perThing = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:AssumeRoleWithCertificate', Resource: aliasArn('${iot:Connection.Thing.ThingName}-alias') }] });
  await iot.send(new CreatePolicyCommand({ policyName: 'per-thing', policyDocument: perThing }));
  await iot.send(new CreateThingCommand({ thingName: 'plain' }));
  await iot.send(new CreateThingCommand({ thingName: 'miso-1' }));
  const dev = await device(iot, 'miso-1', 'story');
  const named = await device(iot, 'plain', 'per-thing');

  // Nothing depends on the thing: issued without the header, and the session works.
  const plain = clients(s, credentialsOf(await askCredentials(s, 'plain-alias', dev)));
  assert.equal(await (await plain.s3.send(new GetObjectCommand({ Bucket: 'fleet', Key: 'firmware/v1.bin' }))).Body!.transformToString(), 'firmware bytes');
  // The role's policies read credentials-iot:ThingName (a variable) or ThingTypeName (a condition key): 400, no session.
  refusal(await askCredentials(s, 'own-logs-alias', dev), 400, /role\/own-logs use credentials-iot:thingname: name the thing in the x-amzn-iot-thingname header/);
  refusal(await askCredentials(s, 'typed-alias', dev), 400, /credentials-iot:thingtypename: name the thing in the x-amzn-iot-thingname header/);
  // The IoT policy deciding AssumeRoleWithCertificate reads the thing's name: 400 without the header.
  refusal(await askCredentials(s, 'plain-alias', named), 400, /IoT policies of certificate .* use iot:connection\.thing\.thingname/);

  // With the header, the same requests are issued (and judged with the thing), beside the existing refusals.
  const logs = clients(s, credentialsOf(await askCredentials(s, 'own-logs-alias', dev, 'miso-1')));
  await logs.s3.send(new PutObjectCommand({ Bucket: 'fleet', Key: 'logs/miso-1/boot.log', Body: 'booted' }));
  await rejectsWith(logs.s3.send(new PutObjectCommand({ Bucket: 'fleet', Key: 'logs/other/boot.log', Body: 'x' })), 'AccessDenied', 403);
  credentialsOf(await askCredentials(s, 'plain-alias', named, 'plain'));
  refusal(await askCredentials(s, 'own-logs-alias', named, 'plain'), 403, /do not allow iot:AssumeRoleWithCertificate/);
  refusal(await askCredentials(s, 'own-logs-alias', dev, 'plain'), 403, /plain is not attached/);
});
