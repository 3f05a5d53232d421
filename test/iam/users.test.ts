/**
 * Operators as IAM users (issue 20): users, groups and keys on AWS's wire,
 * every operator request decided by the authorizer — each refusal beside the
 * root key doing the same successfully — on both storage engines.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { IoTClient, CreateJobCommand, CreateThingCommand, CreateThingGroupCommand, DeleteJobCommand, DeleteThingCommand, DescribeJobCommand, DescribeThingCommand, ListThingsCommand, TagResourceCommand } from '@aws-sdk/client-iot';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  GetAccessKeyLastUsedCommand,
  GetGroupCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListGroupsForUserCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  UpdateAccessKeyCommand,
  CreateLoginProfileCommand,
  GetLoginProfileCommand,
  DeleteLoginProfileCommand,
  ChangePasswordCommand,
  UpdateAccountPasswordPolicyCommand,
  GetAccountPasswordPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { engines } from '../helpers/stores.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rejectsWith } from '../helpers/assert.js';
import { allowPolicy, trustPolicy } from '../helpers/policies.js';

interface Key {
  accessKeyId: string;
  secretAccessKey: string;
}

function clientsFor(ts: TestServer, key: Key) {
  const common = { region: ts.endpoints.region, credentials: { ...key }, requestHandler: new NodeHttpHandler({ httpsAgent: ts.agent }), maxAttempts: 1 };
  return {
    iot: new IoTClient({ ...common, endpoint: ts.endpoints.endpoints.iot }),
    iam: new IAMClient({ ...common, region: 'us-east-1', endpoint: ts.endpoints.endpoints.iam }),
    sts: new STSClient({ ...common, endpoint: ts.endpoints.endpoints.iam }),
  };
}

async function newUser(ts: TestServer, name: string): Promise<Key> {
  const iam = ts.iam();
  await iam.send(new CreateUserCommand({ UserName: name }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
}

const doc = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

for (const { engine, skip } of engines()) {
  describe(`IAM users and authorization (${engine})`, { skip }, () => {
    test('a release engineer creates jobs for lobby with its role and nothing else; root does all of it', async (t) => {
      const ts = await startTestServer({ engine });
      t.after(() => ts.close());
      const { region, accountId } = ts.endpoints;
      const arn = (rest: string) => `arn:aws:iot:${region}:${accountId}:${rest}`;
      const root = { iot: ts.iot(), iam: ts.iam() };
      for (const name of ['fw-role', 'other-role']) await root.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustPolicy('iot.amazonaws.com') }));
      const fwRole = `arn:aws:iam::${accountId}:role/fw-role`;
      const otherRole = `arn:aws:iam::${accountId}:role/other-role`;
      for (const g of ['lobby', 'kitchen']) await root.iot.send(new CreateThingGroupCommand({ thingGroupName: g }));

      const key = await newUser(ts, 'alice');
      await root.iam.send(
        new PutUserPolicyCommand({
          UserName: 'alice',
          PolicyName: 'release',
          PolicyDocument: doc([
            { Effect: 'Allow', Action: 'iot:CreateJob', Resource: [arn('job/*'), arn('thinggroup/lobby')] },
            { Effect: 'Allow', Action: ['iot:Describe*', 'iot:List*', 'iot:Get*'], Resource: '*' },
            { Effect: 'Allow', Action: 'iam:PassRole', Resource: fwRole },
          ]),
        }),
      );
      const alice = clientsFor(ts, key);
      const identity = await alice.sts.send(new GetCallerIdentityCommand({}));
      assert.equal(identity.Arn, `arn:aws:iam::${accountId}:user/alice`);
      assert.match(identity.UserId!, /^AIDA/);

      const job = (jobId: string, group: string, roleArn: string) =>
        new CreateJobCommand({ jobId, targets: [arn(`thinggroup/${group}`)], document: '{"operation":"noop"}', presignedUrlConfig: { roleArn, expiresInSec: 300 } });
      await alice.iot.send(job('fw-1', 'lobby', fwRole));
      assert.equal((await alice.iot.send(new DescribeJobCommand({ jobId: 'fw-1' }))).job?.jobId, 'fw-1');
      await alice.iot.send(new ListThingsCommand({}));

      const user = `arn:aws:iam::${accountId}:user/alice`;
      await rejectsWith(
        alice.iot.send(job('fw-2', 'kitchen', fwRole)),
        'AccessDeniedException',
        403,
        new RegExp(`^User: ${user} is not authorized to perform: iot:CreateJob on resource: ${arn('thinggroup/kitchen')} because no identity-based policy allows the iot:CreateJob action$`),
      );
      await rejectsWith(alice.iot.send(job('fw-3', 'lobby', otherRole)), 'AccessDeniedException', 403, new RegExp(`perform: iam:PassRole on resource: ${otherRole} because`));
      await rejectsWith(alice.iot.send(new CreateThingCommand({ thingName: 'x' })), 'AccessDeniedException', 403, new RegExp(`perform: iot:CreateThing on resource: ${arn('thing/x')}`));
      await rejectsWith(alice.iot.send(new DeleteJobCommand({ jobId: 'fw-1' })), 'AccessDeniedException', 403, new RegExp(`perform: iot:DeleteJob on resource: ${arn('job/fw-1')}`));
      await rejectsWith(alice.iam.send(new CreateUserCommand({ UserName: 'mallory' })), 'AccessDenied', 403, new RegExp(`perform: iam:CreateUser on resource: arn:aws:iam::${accountId}:user/mallory`));
      // Nothing the refusals touched exists.
      await rejectsWith(root.iot.send(new DescribeJobCommand({ jobId: 'fw-2' })), 'ResourceNotFoundException');

      // The root key does every one of them.
      await root.iot.send(job('fw-2', 'kitchen', fwRole));
      await root.iot.send(job('fw-3', 'lobby', otherRole));
      await root.iot.send(new CreateThingCommand({ thingName: 'x' }));
      await root.iot.send(new DeleteJobCommand({ jobId: 'fw-1', force: true }));
      await root.iam.send(new CreateUserCommand({ UserName: 'mallory' }));
    });

    test('group membership grants and its removal revokes at once; an explicit Deny wins over iot:*', async (t) => {
      const ts = await startTestServer({ engine });
      t.after(() => ts.close());
      const { region, accountId } = ts.endpoints;
      const root = { iot: ts.iot(), iam: ts.iam() };
      const key = await newUser(ts, 'bob');
      const bob = clientsFor(ts, key);
      await rejectsWith(bob.iot.send(new ListThingsCommand({})), 'AccessDeniedException', 403, /because no identity-based policy allows the iot:ListThings action/);
      await root.iam.send(new CreateGroupCommand({ GroupName: 'operators' }));
      await root.iam.send(new AttachGroupPolicyCommand({ GroupName: 'operators', PolicyArn: 'arn:aws:iam::aws:policy/AWSIoTFullAccess' }));
      await root.iam.send(new AddUserToGroupCommand({ GroupName: 'operators', UserName: 'bob' }));
      assert.deepEqual((await root.iam.send(new ListGroupsForUserCommand({ UserName: 'bob' }))).Groups?.map((g) => g.GroupName), ['operators']);
      assert.deepEqual((await root.iam.send(new GetGroupCommand({ GroupName: 'operators' }))).Users?.map((u) => u.UserName), ['bob']);
      await bob.iot.send(new CreateThingCommand({ thingName: 'keep' }));
      await bob.iot.send(new CreateThingCommand({ thingName: 'gone' }));
      await bob.iot.send(new DeleteThingCommand({ thingName: 'gone' }));

      const { Policy } = await root.iam.send(
        new CreatePolicyCommand({ PolicyName: 'no-delete', PolicyDocument: doc([{ Effect: 'Deny', Action: 'iot:DeleteThing', Resource: '*' }]) }),
      );
      await root.iam.send(new AttachUserPolicyCommand({ UserName: 'bob', PolicyArn: Policy!.Arn! }));
      await rejectsWith(
        bob.iot.send(new DeleteThingCommand({ thingName: 'keep' })),
        'AccessDeniedException',
        403,
        new RegExp(`perform: iot:DeleteThing on resource: arn:aws:iot:${region}:${accountId}:thing/keep with an explicit deny in an identity-based policy`),
      );
      await bob.iot.send(new ListThingsCommand({}));

      await root.iam.send(new RemoveUserFromGroupCommand({ GroupName: 'operators', UserName: 'bob' }));
      await rejectsWith(bob.iot.send(new ListThingsCommand({})), 'AccessDeniedException', 403);
      await root.iot.send(new ListThingsCommand({}));
      await root.iot.send(new DeleteThingCommand({ thingName: 'keep' }));
    });

    test('an Inactive or deleted key is refused on the next request; two keys per user; ${aws:username} rotates only its own', async (t) => {
      const ts = await startTestServer({ engine });
      t.after(() => ts.close());
      const { accountId } = ts.endpoints;
      const root = ts.iam();
      const first = await newUser(ts, 'carol');
      await newUser(ts, 'dave');
      await root.send(
        new PutUserPolicyCommand({
          UserName: 'carol',
          PolicyName: 'own-keys',
          PolicyDocument: doc([
            { Effect: 'Allow', Action: ['iam:CreateAccessKey', 'iam:DeleteAccessKey', 'iam:ListAccessKeys', 'iam:UpdateAccessKey', 'iam:GetUser'], Resource: 'arn:aws:iam::*:user/${aws:username}' },
          ]),
        }),
      );
      const carol = clientsFor(ts, first);
      const created = await carol.iam.send(new CreateAccessKeyCommand({}));
      assert.equal(created.AccessKey?.UserName, 'carol');
      const second = { accessKeyId: created.AccessKey!.AccessKeyId!, secretAccessKey: created.AccessKey!.SecretAccessKey! };
      await rejectsWith(carol.iam.send(new CreateAccessKeyCommand({})), 'LimitExceededException', 409, /AccessKeysPerUser: 2/);
      await rejectsWith(carol.iam.send(new CreateAccessKeyCommand({ UserName: 'dave' })), 'AccessDenied', 403, new RegExp(`perform: iam:CreateAccessKey on resource: arn:aws:iam::${accountId}:user/dave`));
      await rejectsWith(carol.iam.send(new ListAccessKeysCommand({ UserName: 'dave' })), 'AccessDenied', 403);
      const listed = await carol.iam.send(new ListAccessKeysCommand({}));
      assert.equal(listed.AccessKeyMetadata?.length, 2);
      assert.ok(listed.AccessKeyMetadata!.every((k) => k.Status === 'Active' && !('SecretAccessKey' in k)));
      // Rotation: the new key works, the old one is deactivated, then deleted.
      const next = clientsFor(ts, second);
      assert.equal((await next.iam.send(new GetUserCommand({}))).User?.UserName, 'carol');
      await next.iam.send(new UpdateAccessKeyCommand({ AccessKeyId: first.accessKeyId, Status: 'Inactive' }));
      await rejectsWith(carol.iam.send(new GetUserCommand({})), 'InvalidClientTokenId', 403);
      await next.iam.send(new UpdateAccessKeyCommand({ AccessKeyId: first.accessKeyId, Status: 'Active' }));
      await carol.iam.send(new GetUserCommand({}));
      await next.iam.send(new DeleteAccessKeyCommand({ AccessKeyId: first.accessKeyId }));
      await rejectsWith(carol.iam.send(new GetUserCommand({})), 'InvalidClientTokenId', 403);
      const used = await root.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: second.accessKeyId }));
      assert.equal(used.UserName, 'carol');
      assert.equal(used.AccessKeyLastUsed?.ServiceName, 'iam');
      assert.ok(used.AccessKeyLastUsed?.LastUsedDate);
    });

    test('users: errors in AWS shapes; DeleteUser refused while keys and a login profile remain', async (t) => {
      const ts = await startTestServer({ engine });
      t.after(() => ts.close());
      const root = ts.iam();
      await newUser(ts, 'erin');
      await rejectsWith(root.send(new CreateUserCommand({ UserName: 'ERIN' })), 'EntityAlreadyExistsException', 409);
      await rejectsWith(root.send(new GetUserCommand({ UserName: 'nobody' })), 'NoSuchEntityException', 404, /The user with name nobody cannot be found/);
      await root.send(new CreateLoginProfileCommand({ UserName: 'erin', Password: 'Correct-horse-9', PasswordResetRequired: true }));
      assert.equal((await root.send(new GetLoginProfileCommand({ UserName: 'erin' }))).LoginProfile?.PasswordResetRequired, true);
      await rejectsWith(root.send(new DeleteUserCommand({ UserName: 'erin' })), 'DeleteConflictException', 409, /login profile/);
      await root.send(new DeleteLoginProfileCommand({ UserName: 'erin' }));
      await rejectsWith(root.send(new DeleteUserCommand({ UserName: 'erin' })), 'DeleteConflictException', 409, /access keys/);
      const keys = await root.send(new ListAccessKeysCommand({ UserName: 'erin' }));
      await root.send(new DeleteAccessKeyCommand({ UserName: 'erin', AccessKeyId: keys.AccessKeyMetadata![0]!.AccessKeyId! }));
      await root.send(new DeleteUserCommand({ UserName: 'erin' }));
      assert.deepEqual((await root.send(new ListUsersCommand({}))).Users?.map((u) => u.UserName) ?? [], []);
    });

    test('password policy and ChangePassword; aws:ResourceTag and aws:SourceIp conditions', async (t) => {
      const ts = await startTestServer({ engine });
      t.after(() => ts.close());
      const { region, accountId } = ts.endpoints;
      const root = { iot: ts.iot(), iam: ts.iam() };
      await rejectsWith(root.iam.send(new GetAccountPasswordPolicyCommand({})), 'NoSuchEntityException', 404);
      await root.iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 12, RequireNumbers: true, AllowUsersToChangePassword: true }));
      assert.equal((await root.iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy?.MinimumPasswordLength, 12);
      const key = await newUser(ts, 'frank');
      await rejectsWith(root.iam.send(new CreateLoginProfileCommand({ UserName: 'frank', Password: 'short1' })), 'PasswordPolicyViolationException', 400);
      await root.iam.send(new CreateLoginProfileCommand({ UserName: 'frank', Password: 'long-enough-pw-1', PasswordResetRequired: true }));
      await root.iam.send(
        new PutUserPolicyCommand({
          UserName: 'frank',
          PolicyName: 'p',
          PolicyDocument: doc([
            { Effect: 'Allow', Action: 'iam:ChangePassword', Resource: 'arn:aws:iam::*:user/${aws:username}' },
            { Effect: 'Allow', Action: 'iot:DescribeThing', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'frank' } } },
            { Effect: 'Allow', Action: 'iot:ListThings', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
          ]),
        }),
      );
      const frank = clientsFor(ts, key);
      await rejectsWith(frank.iam.send(new ChangePasswordCommand({ OldPassword: 'wrong-password-1', NewPassword: 'another-long-pw-2' })), 'InvalidInputException', 400);
      await frank.iam.send(new ChangePasswordCommand({ OldPassword: 'long-enough-pw-1', NewPassword: 'another-long-pw-2' }));
      assert.equal((await root.iam.send(new GetLoginProfileCommand({ UserName: 'frank' }))).LoginProfile?.PasswordResetRequired, false);

      for (const name of ['mine', 'theirs']) await root.iot.send(new CreateThingCommand({ thingName: name }));
      await root.iot.send(new TagResourceCommand({ resourceArn: `arn:aws:iot:${region}:${accountId}:thing/mine`, tags: [{ Key: 'team', Value: 'frank' }] }));
      await frank.iot.send(new DescribeThingCommand({ thingName: 'mine' }));
      await rejectsWith(frank.iot.send(new DescribeThingCommand({ thingName: 'theirs' })), 'AccessDeniedException', 403, /iot:DescribeThing on resource: .*thing\/theirs/);
      // The test connects from 127.0.0.1, outside 10.0.0.0/8.
      await rejectsWith(frank.iot.send(new ListThingsCommand({})), 'AccessDeniedException', 403);
      await root.iot.send(new ListThingsCommand({}));
    });
  });
}
