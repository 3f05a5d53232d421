/**
 * STS for operators (issue 20): AssumeRole with AWS's same-account rules,
 * session policies, role chaining, ExternalId and SourceIdentity, and
 * GetSessionToken's limits, through @aws-sdk/client-sts on both engines.
 * Each refusal runs beside a success in the same setup.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { IoTClient, CreateThingCommand, DeleteThingCommand, ListThingsCommand } from '@aws-sdk/client-iot';
import { AttachRolePolicyCommand, DeleteRoleCommand, DetachRolePolicyCommand, ListAttachedRolePoliciesCommand, CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, ListUsersCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient, type Credentials } from '@aws-sdk/client-sts';
import { S3Client, ListObjectsV2Command, CreateBucketCommand } from '@aws-sdk/client-s3';
import { GetPendingJobExecutionsCommand } from '@aws-sdk/client-iot-jobs-data-plane';
import { PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { signedClient } from '../api/iot-jobs-data/helpers.js';
import { connectWebSocket, iamMqttPolicy, signWebSocketUrl, webSocketEndpoint } from '../mqtt/websocket-helpers.js';
import { engines } from '../helpers/stores.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rejectsWith } from '../helpers/assert.js';
import { allowPolicy } from '../helpers/policies.js';

interface Key {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const doc = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const keyOf = (c: Credentials | undefined): Key => ({ accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! });

/** Clients signing as `key`; `clockOffsetMs` when the server's clock was moved (SigV4 allows 15 minutes of skew). */
function clientsFor(ts: TestServer, key: Key, clockOffsetMs = 0) {
  const common = { region: ts.endpoints.region, credentials: { ...key }, requestHandler: new NodeHttpHandler({ httpsAgent: ts.agent }), maxAttempts: 1, systemClockOffset: clockOffsetMs };
  return {
    iot: new IoTClient({ ...common, endpoint: ts.endpoints.endpoints.iot }),
    iam: new IAMClient({ ...common, region: 'us-east-1', endpoint: ts.endpoints.endpoints.iam }),
    sts: new STSClient({ ...common, endpoint: ts.endpoints.endpoints.iam }),
    s3: new S3Client({ ...common, endpoint: ts.endpoints.endpoints.s3, forcePathStyle: true }),
  };
}

async function newUser(ts: TestServer, name: string, policy?: string): Promise<Key> {
  const iam = ts.iam();
  await iam.send(new CreateUserCommand({ UserName: name }));
  if (policy) await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: policy }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
}

for (const { engine, skip } of engines()) {
  describe(`STS AssumeRole and GetSessionToken (${engine})`, { skip }, () => {
    let ts: TestServer;
    let account: string;
    const keys: Record<string, Key> = {};
    const role = (name: string) => `arn:aws:iam::${account}:role/${name}`;
    const user = (name: string) => `arn:aws:iam::${account}:user/${name}`;
    const as = (name: string) => clientsFor(ts, keys[name]!);

    before(async () => {
      ts = await startTestServer({ engine });
      account = ts.endpoints.accountId;
      const iam = ts.iam();
      keys.alice = await newUser(ts, 'alice', allowPolicy(['iot:ListThings', 'iot:DescribeThing'], '*'));
      keys.bob = await newUser(ts, 'bob', allowPolicy('sts:AssumeRole', '*'));
      keys.carol = await newUser(ts, 'carol');
      keys.dave = await newUser(ts, 'dave', allowPolicy('sts:AssumeRole', role('team')));
      const trust = (principal: string, extra: object = {}) =>
        doc([{ Effect: 'Allow', Principal: { AWS: principal }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], ...extra }]);
      await iam.send(new CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: trust(user('alice')), MaxSessionDuration: 7200 }));
      await iam.send(new PutRolePolicyCommand({ RoleName: 'deployer', PolicyName: 'iot', PolicyDocument: allowPolicy(['iot:ListThings', 'iot:CreateThing', 'iot:DescribeThing'], '*') }));
      // Chained from deployer's sessions: its trust names the role.
      await iam.send(new CreateRoleCommand({ RoleName: 'chained', AssumeRolePolicyDocument: trust(role('deployer')), MaxSessionDuration: 43200 }));
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: 'chained',
          PolicyName: 'by-source',
          PolicyDocument: doc([{ Effect: 'Allow', Action: 'iot:ListThings', Resource: '*', Condition: { StringEquals: { 'aws:SourceIdentity': 'alice-laptop' } } }]),
        }),
      );
      await iam.send(new CreateRoleCommand({ RoleName: 'team', AssumeRolePolicyDocument: trust(`arn:aws:iam::${account}:root`) }));
      // An AWS-managed policy attached to a role (not only to users and groups).
      await iam.send(new AttachRolePolicyCommand({ RoleName: 'team', PolicyArn: 'arn:aws:iam::aws:policy/AWSIoTConfigReadOnlyAccess' }));
      await iam.send(
        new CreateRoleCommand({
          RoleName: 'partner',
          AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { AWS: user('alice') }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'abc-123' } } }]),
        }),
      );
      await iam.send(new PutRolePolicyCommand({ RoleName: 'partner', PolicyName: 'read', PolicyDocument: allowPolicy('iot:ListThings', '*') }));
    });
    after(() => ts?.close());

    test('a trusted user assumes a role: the ARN names the session, credentials act within role ∩ session policy, and expire', async () => {
      const out = await as('alice').sts.send(
        new AssumeRoleCommand({ RoleArn: role('deployer'), RoleSessionName: 'release-1', DurationSeconds: 900, Policy: allowPolicy(['iot:ListThings', 'iot:DeleteThing'], '*') }),
      );
      assert.equal(out.AssumedRoleUser?.Arn, `arn:aws:sts::${account}:assumed-role/deployer/release-1`);
      assert.match(out.AssumedRoleUser?.AssumedRoleId ?? '', /^AROA[A-Z2-7]{17}:release-1$/);
      assert.ok(typeof out.PackedPolicySize === 'number' && out.PackedPolicySize > 0 && out.PackedPolicySize <= 100);
      assert.ok(out.Credentials?.AccessKeyId?.startsWith('ASIA'));
      const expiresIn = out.Credentials!.Expiration!.getTime() - ts.clock.now();
      assert.ok(expiresIn > 890_000 && expiresIn <= 900_000, `expires in ${expiresIn} ms`);

      const session = clientsFor(ts, keyOf(out.Credentials));
      const me = await session.sts.send(new GetCallerIdentityCommand({}));
      assert.equal(me.Arn, out.AssumedRoleUser?.Arn);
      assert.equal(me.UserId, out.AssumedRoleUser?.AssumedRoleId);
      await session.iot.send(new ListThingsCommand({}));
      // The role allows CreateThing but the session policy does not; the session policy allows DeleteThing but the role does not.
      await rejectsWith(session.iot.send(new CreateThingCommand({ thingName: 'x' })), 'AccessDeniedException', 403, /is not authorized to perform: iot:CreateThing .* because no session policy allows/);
      await rejectsWith(session.iot.send(new DeleteThingCommand({ thingName: 'x' })), 'AccessDeniedException', 403, /iot:DeleteThing/);
      // Without a session policy the role's own permissions hold.
      const whole = await as('alice').sts.send(new AssumeRoleCommand({ RoleArn: role('deployer'), RoleSessionName: 'release-2' }));
      assert.equal(whole.PackedPolicySize, undefined);
      await clientsFor(ts, keyOf(whole.Credentials)).iot.send(new CreateThingCommand({ thingName: 'made-by-session' }));

      ts.clock.advance(901_000);
      try {
        await rejectsWith(session.iot.send(new ListThingsCommand({})), 'ExpiredTokenException', 403);
        await rejectsWith(session.sts.send(new GetCallerIdentityCommand({})), 'ExpiredToken', 403);
        await clientsFor(ts, keyOf(whole.Credentials), 901_000).iot.send(new ListThingsCommand({}));
      } finally {
        ts.clock.advance(-901_000);
      }
    });

    test('an untrusted user is refused beside the trusted one; the root user may not assume roles', async () => {
      await as('alice').sts.send(new AssumeRoleCommand({ RoleArn: role('deployer'), RoleSessionName: 'ok' }));
      // bob's identity policy allows sts:AssumeRole on *, but the trust policy names alice only.
      await rejectsWith(
        as('bob').sts.send(new AssumeRoleCommand({ RoleArn: role('deployer'), RoleSessionName: 'nope' })),
        'AccessDenied',
        403,
        new RegExp(`^User: arn:aws:iam::${account}:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${account}:role/deployer$`),
      );
      await rejectsWith(as('alice').sts.send(new AssumeRoleCommand({ RoleArn: role('no-such-role'), RoleSessionName: 'xx' })), 'AccessDenied', 403, /sts:AssumeRole on resource/);
      await rejectsWith(ts.sts().send(new AssumeRoleCommand({ RoleArn: role('deployer'), RoleSessionName: 'root' })), 'AccessDenied', 403, /Roles may not be assumed by root accounts/);
    });

    test('a trust policy naming the account root also needs an identity policy allowing sts:AssumeRole', async () => {
      const out = await as('dave').sts.send(new AssumeRoleCommand({ RoleArn: role('team'), RoleSessionName: 'dave' }));
      await clientsFor(ts, keyOf(out.Credentials)).iot.send(new ListThingsCommand({}));
      await rejectsWith(as('carol').sts.send(new AssumeRoleCommand({ RoleArn: role('team'), RoleSessionName: 'carol' })), 'AccessDenied', 403, /user\/carol is not authorized to perform: sts:AssumeRole on resource: .*role\/team/);
    });

    test('AWS-managed policies attach to roles: listed, in force for sessions, detached, and block DeleteRole', async () => {
      const iam = ts.iam();
      const listed = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'team' }));
      assert.deepEqual(listed.AttachedPolicies, [{ PolicyName: 'AWSIoTConfigReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/AWSIoTConfigReadOnlyAccess' }]);
      await rejectsWith(iam.send(new DeleteRoleCommand({ RoleName: 'team' })), 'DeleteConflictException', 409);
      await rejectsWith(iam.send(new AttachRolePolicyCommand({ RoleName: 'team', PolicyArn: 'arn:aws:iam::aws:policy/NoSuchPolicy' })), 'NoSuchEntityException', 404);
      await iam.send(new DetachRolePolicyCommand({ RoleName: 'team', PolicyArn: 'arn:aws:iam::aws:policy/AWSIoTConfigReadOnlyAccess' }));
      const out = await as('dave').sts.send(new AssumeRoleCommand({ RoleArn: role('team'), RoleSessionName: 'detached' }));
      await rejectsWith(clientsFor(ts, keyOf(out.Credentials)).iot.send(new ListThingsCommand({})), 'AccessDeniedException', 403);
      await iam.send(new AttachRolePolicyCommand({ RoleName: 'team', PolicyArn: 'arn:aws:iam::aws:policy/AWSIoTConfigReadOnlyAccess' }));
      await clientsFor(ts, keyOf(out.Credentials)).iot.send(new ListThingsCommand({}));
    });

    test('DurationSeconds: 900 to the role maximum; role chaining at most one hour', async () => {
      await rejectsWith(as('alice').sts.send(new AssumeRoleCommand({ RoleArn: role('deployer'), RoleSessionName: 'sess', DurationSeconds: 899 })), 'ValidationError', 400, /durationSeconds.*greater than or equal to 900/);
      await rejectsWith(as('alice').sts.send(new AssumeRoleCommand({ RoleArn: role('deployer'), RoleSessionName: 'sess', DurationSeconds: 7201 })), 'ValidationError', 400, /exceeds the MaxSessionDuration/);
      const first = await as('alice').sts.send(new AssumeRoleCommand({ RoleArn: role('deployer'), RoleSessionName: 'sess', DurationSeconds: 7200 }));
      const session = clientsFor(ts, keyOf(first.Credentials));
      await rejectsWith(session.sts.send(new AssumeRoleCommand({ RoleArn: role('chained'), RoleSessionName: 'hop', DurationSeconds: 3601 })), 'ValidationError', 400, /1 hour session limit for roles assumed by role chaining/);
      const hop = await session.sts.send(new AssumeRoleCommand({ RoleArn: role('chained'), RoleSessionName: 'hop', DurationSeconds: 3600 }));
      assert.equal(hop.AssumedRoleUser?.Arn, `arn:aws:sts::${account}:assumed-role/chained/hop`);
      await rejectsWith(as('alice').sts.send(new AssumeRoleCommand({ RoleArn: role('deployer'), RoleSessionName: 'a' })), 'ValidationError', 400, /roleSessionName/);
      await rejectsWith(as('alice').sts.send(new AssumeRoleCommand({ RoleArn: role('deployer'), RoleSessionName: 'bad name' })), 'ValidationError', 400, /roleSessionName/);
    });

    test('ExternalId is matched by the trust policy’s sts:ExternalId condition', async () => {
      await rejectsWith(as('alice').sts.send(new AssumeRoleCommand({ RoleArn: role('partner'), RoleSessionName: 'partner-s' })), 'AccessDenied', 403);
      await rejectsWith(as('alice').sts.send(new AssumeRoleCommand({ RoleArn: role('partner'), RoleSessionName: 'partner-s', ExternalId: 'wrong-id' })), 'AccessDenied', 403);
      const out = await as('alice').sts.send(new AssumeRoleCommand({ RoleArn: role('partner'), RoleSessionName: 'partner-s', ExternalId: 'abc-123' }));
      await clientsFor(ts, keyOf(out.Credentials)).iot.send(new ListThingsCommand({}));
    });

    test('SourceIdentity is kept through chaining, cannot change, needs sts:SetSourceIdentity, and is the aws:SourceIdentity key', async () => {
      const first = await as('alice').sts.send(new AssumeRoleCommand({ RoleArn: role('deployer'), RoleSessionName: 'si', SourceIdentity: 'alice-laptop' }));
      assert.equal(first.SourceIdentity, 'alice-laptop');
      const session = clientsFor(ts, keyOf(first.Credentials));
      const hop = await session.sts.send(new AssumeRoleCommand({ RoleArn: role('chained'), RoleSessionName: 'si-hop' }));
      assert.equal(hop.SourceIdentity, 'alice-laptop');
      await clientsFor(ts, keyOf(hop.Credentials)).iot.send(new ListThingsCommand({}));
      await rejectsWith(session.sts.send(new AssumeRoleCommand({ RoleArn: role('chained'), RoleSessionName: 'si-hop', SourceIdentity: 'someone-else' })), 'AccessDenied', 403);
      // A chain without a source identity: chained's policy (conditioned on aws:SourceIdentity) does not allow.
      const plain = clientsFor(ts, keyOf((await as('alice').sts.send(new AssumeRoleCommand({ RoleArn: role('deployer'), RoleSessionName: 'plain' }))).Credentials));
      const plainHop = await plain.sts.send(new AssumeRoleCommand({ RoleArn: role('chained'), RoleSessionName: 'plain-hop' }));
      await rejectsWith(clientsFor(ts, keyOf(plainHop.Credentials)).iot.send(new ListThingsCommand({})), 'AccessDeniedException', 403);
      // partner's trust allows sts:AssumeRole only, not sts:SetSourceIdentity.
      await rejectsWith(as('alice').sts.send(new AssumeRoleCommand({ RoleArn: role('partner'), RoleSessionName: 'partner-s', ExternalId: 'abc-123', SourceIdentity: 'alice-laptop' })), 'AccessDenied', 403, /sts:SetSourceIdentity/);
    });

    test('session policies: managed PolicyArns narrow too; a malformed Policy is MalformedPolicyDocument', async () => {
      const out = await as('alice').sts.send(
        new AssumeRoleCommand({ RoleArn: role('deployer'), RoleSessionName: 'managed', PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/AWSIoTConfigReadOnlyAccess' }] }),
      );
      const session = clientsFor(ts, keyOf(out.Credentials));
      await session.iot.send(new ListThingsCommand({}));
      await rejectsWith(session.iot.send(new CreateThingCommand({ thingName: 'y' })), 'AccessDeniedException', 403);
      await rejectsWith(as('alice').sts.send(new AssumeRoleCommand({ RoleArn: role('deployer'), RoleSessionName: 'bad', Policy: '{"Statement": 42' })), 'MalformedPolicyDocumentException', 400);
      // Within 2,048 characters but barely compressible: over the packed allotment.
      const noise = randomBytes(1400).toString('base64').replace(/[+/=]/g, 'x');
      const dense = allowPolicy('iot:DescribeThing', [0, 1, 2, 3].map((i) => `arn:aws:iot:*:*:thing/${noise.slice(i * 450, (i + 1) * 450)}`));
      assert.ok(dense.length <= 2048, `${dense.length} characters`);
      await rejectsWith(as('alice').sts.send(new AssumeRoleCommand({ RoleArn: role('deployer'), RoleSessionName: 'dense', Policy: dense })), 'PackedPolicyTooLargeException', 400, /Packed policy consumes \d+% of allotted space/);
      const tooLong = allowPolicy('iot:DescribeThing', [`arn:aws:iot:*:*:thing/${'a'.repeat(2100)}`]);
      await rejectsWith(as('alice').sts.send(new AssumeRoleCommand({ RoleArn: role('deployer'), RoleSessionName: 'long', Policy: tooLong })), 'ValidationError', 400, /'policy'/);
    });

    test('GetSessionToken: the user’s permissions on IoT, no IAM, on STS only AssumeRole and GetCallerIdentity', async () => {
      const out = await as('alice').sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
      const session = clientsFor(ts, keyOf(out.Credentials));
      const me = await session.sts.send(new GetCallerIdentityCommand({}));
      assert.equal(me.Arn, user('alice'));
      assert.match(me.UserId ?? '', /^AIDA/);
      await session.iot.send(new ListThingsCommand({}));
      await rejectsWith(session.iot.send(new CreateThingCommand({ thingName: 'z' })), 'AccessDeniedException', 403, /user\/alice is not authorized to perform: iot:CreateThing/);
      // IAM refuses them whatever the user's policies say (alice's long-term key may not list users either, but is answered AccessDenied).
      await rejectsWith(session.iam.send(new ListUsersCommand({})), 'InvalidClientTokenId', 403);
      await rejectsWith(as('alice').iam.send(new ListUsersCommand({})), 'AccessDenied', 403);
      await ts.iam().send(new ListUsersCommand({}));
      await rejectsWith(session.sts.send(new GetSessionTokenCommand({})), 'AccessDenied', 403, /Cannot call GetSessionToken with session credentials/);
      const assumed = await session.sts.send(new AssumeRoleCommand({ RoleArn: role('deployer'), RoleSessionName: 'via-token' }));
      await rejectsWith(clientsFor(ts, keyOf(assumed.Credentials)).sts.send(new GetSessionTokenCommand({})), 'AccessDenied', 403, /Cannot call GetSessionToken with session credentials/);
      await rejectsWith(as('alice').sts.send(new GetSessionTokenCommand({ DurationSeconds: 899 })), 'ValidationError', 400);
      await rejectsWith(as('alice').sts.send(new GetSessionTokenCommand({ DurationSeconds: 129601 })), 'ValidationError', 400);
      // The root's are at most an hour, and the root's session is the root.
      const root = await ts.sts().send(new GetSessionTokenCommand({ DurationSeconds: 7200 }));
      assert.ok(root.Credentials!.Expiration!.getTime() - ts.clock.now() <= 3600_000);
      const rootSession = clientsFor(ts, keyOf(root.Credentials));
      assert.equal((await rootSession.sts.send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:iam::${account}:root`);
      await rootSession.iot.send(new CreateThingCommand({ thingName: 'by-root-session' }));
      await rejectsWith(rootSession.iam.send(new ListUsersCommand({})), 'InvalidClientTokenId', 403);

      ts.clock.advance(901_000);
      try {
        await rejectsWith(session.iot.send(new ListThingsCommand({})), 'ExpiredTokenException', 403);
      } finally {
        ts.clock.advance(-901_000);
      }
    });

    test('GetCallerIdentity for the root and a user', async () => {
      const root = await ts.sts().send(new GetCallerIdentityCommand({}));
      assert.deepEqual([root.Account, root.UserId, root.Arn], [account, account, `arn:aws:iam::${account}:root`]);
      const alice = await as('alice').sts.send(new GetCallerIdentityCommand({}));
      assert.equal(alice.Arn, user('alice'));
      assert.match(alice.UserId ?? '', /^AIDA[A-Z2-7]{17}$/);
    });

    test('S3 with temporary credentials: allowed by the role, refused outside it', async () => {
      await ts.s3().send(new CreateBucketCommand({ Bucket: 'sts-bucket' }));
      await ts.iam().send(new PutRolePolicyCommand({ RoleName: 'team', PolicyName: 's3', PolicyDocument: allowPolicy('s3:ListBucket', 'arn:aws:s3:::sts-bucket') }));
      const out = await as('dave').sts.send(new AssumeRoleCommand({ RoleArn: role('team'), RoleSessionName: 'dave-s3' }));
      const session = clientsFor(ts, keyOf(out.Credentials));
      await session.s3.send(new ListObjectsV2Command({ Bucket: 'sts-bucket' }));
      await ts.s3().send(new CreateBucketCommand({ Bucket: 'other-bucket' }));
      await rejectsWith(session.s3.send(new ListObjectsV2Command({ Bucket: 'other-bucket' })), 'AccessDenied', 403);
    });

    test('temporary credentials on the Jobs data plane and MQTT over WebSocket: allowed by the role, refused beyond it, and expired', async () => {
      const iam = ts.iam();
      await ts.iot().send(new CreateThingCommand({ thingName: 'sts-thing' }));
      await iam.send(new CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { AWS: user('alice') }, Action: 'sts:AssumeRole' }]) }));
      await iam.send(new PutRolePolicyCommand({ RoleName: 'ops', PolicyName: 'mqtt', PolicyDocument: iamMqttPolicy(ts, { clients: 'ops-*', topics: 'ops/*' }) }));
      const thingArn = `arn:aws:iot:${ts.endpoints.region}:${account}:thing/sts-thing`;
      await iam.send(new PutRolePolicyCommand({ RoleName: 'ops', PolicyName: 'jobs', PolicyDocument: allowPolicy('iotjobsdata:GetPendingJobExecutions', thingArn) }));
      const out = await as('alice').sts.send(new AssumeRoleCommand({ RoleArn: role('ops'), RoleSessionName: 'ops-1', DurationSeconds: 900 }));
      const creds = keyOf(out.Credentials);
      const jobs = signedClient(ts, creds);
      assert.deepEqual((await jobs.send(new GetPendingJobExecutionsCommand({ thingName: 'sts-thing' }))).queuedJobs, []);
      // alice's own key: her identity policy has no iotjobsdata action.
      await rejectsWith(signedClient(ts, keys.alice!).send(new GetPendingJobExecutionsCommand({ thingName: 'sts-thing' })), 'AccessDeniedException', 403);
      const url = (nowMs = ts.clock.now()) => signWebSocketUrl(webSocketEndpoint(ts, 'device'), creds, { region: ts.endpoints.region, nowMs });
      const { client } = await connectWebSocket(ts, url(), 'ops-1');
      await client.endAsync();
      await assert.rejects(connectWebSocket(ts, url(), 'other-1'), /Not authorized/);
      ts.clock.advance(901_000);
      try {
        await rejectsWith(jobs.send(new GetPendingJobExecutionsCommand({ thingName: 'sts-thing' })), 'ExpiredTokenException', 403);
        await assert.rejects(connectWebSocket(ts, url(), 'ops-2'));
      } finally {
        ts.clock.advance(-901_000);
      }
    });

    test('S3 decisions see aws:SourceIp and aws:SecureTransport (identity and bucket policies)', async () => {
      const s3 = ts.s3();
      for (const b of ['ip-ok', 'ip-other', 'tls-only', 'plain-only']) await s3.send(new CreateBucketCommand({ Bucket: b }));
      const ipCondition = (cidr: string) => ({ IpAddress: { 'aws:SourceIp': cidr } });
      await ts.iam().send(
        new PutUserPolicyCommand({
          UserName: 'carol',
          PolicyName: 's3-by-ip',
          PolicyDocument: doc([
            { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::ip-ok', Condition: ipCondition('127.0.0.0/8') },
            { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::ip-other', Condition: ipCondition('10.0.0.0/8') },
          ]),
        }),
      );
      const carol = as('carol').s3;
      await carol.send(new ListObjectsV2Command({ Bucket: 'ip-ok' }));
      await rejectsWith(carol.send(new ListObjectsV2Command({ Bucket: 'ip-other' })), 'AccessDenied', 403);
      // GetSessionToken's credentials act with carol's permissions on S3.
      const token = clientsFor(ts, keyOf((await as('carol').sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials)).s3;
      await token.send(new ListObjectsV2Command({ Bucket: 'ip-ok' }));
      await rejectsWith(token.send(new ListObjectsV2Command({ Bucket: 'ip-other' })), 'AccessDenied', 403);
      // Bucket policies granting carol only over TLS, or only without it: every Ferry listener is TLS.
      const grant = (bucket: string, secure: boolean) =>
        JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: user('carol') }, Action: 's3:ListBucket', Resource: `arn:aws:s3:::${bucket}`, Condition: { Bool: { 'aws:SecureTransport': String(secure) } } }] });
      await s3.send(new PutBucketPolicyCommand({ Bucket: 'tls-only', Policy: grant('tls-only', true) }));
      await s3.send(new PutBucketPolicyCommand({ Bucket: 'plain-only', Policy: grant('plain-only', false) }));
      await carol.send(new ListObjectsV2Command({ Bucket: 'tls-only' }));
      await rejectsWith(carol.send(new ListObjectsV2Command({ Bucket: 'plain-only' })), 'AccessDenied', 403);
    });
  });
}
