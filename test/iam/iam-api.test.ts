import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
  SetDefaultPolicyVersionCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { engines } from '../helpers/stores.js';
import { allowPolicy, rejectsWith, trustPolicy } from './helpers.js';

const IOT_TRUST = trustPolicy('iot.amazonaws.com');
const READ = allowPolicy('s3:GetObject', 'arn:aws:s3:::firmware/*');

for (const { engine, skip } of engines()) describe(`IAM through @aws-sdk/client-iam [${engine}]`, { skip }, () => {
  let s: TestServer;
  let iam: IAMClient;
  let account: string;
  before(async () => {
    s = await startTestServer({ engine });
    iam = s.iam();
    account = s.endpoints.accountId;
  });
  after(() => s.close());

  test('CreateRole / GetRole: the trust policy round-trips (sent URL-encoded, decoded by the SDK)', async () => {
    const created = await iam.send(
      new CreateRoleCommand({ RoleName: 'JobsSigner', AssumeRolePolicyDocument: IOT_TRUST, Description: 'signs links', Tags: [{ Key: 'team', Value: 'fw' }] }),
    );
    const role = created.Role!;
    assert.equal(role.RoleName, 'JobsSigner');
    assert.equal(role.Arn, `arn:aws:iam::${account}:role/JobsSigner`);
    assert.equal(role.Path, '/');
    assert.match(role.RoleId!, /^AROA[A-Z0-9]{17}$/);
    assert.equal(role.MaxSessionDuration, 3600);
    assert.ok(role.CreateDate instanceof Date);
    // The SDK leaves IAM's URL-encoded documents as sent (the CLI decodes them).
    assert.equal(decodeURIComponent(role.AssumeRolePolicyDocument!), IOT_TRUST);
    const got = (await iam.send(new GetRoleCommand({ RoleName: 'JobsSigner' }))).Role!;
    assert.equal(got.RoleId, role.RoleId);
    assert.equal(got.Description, 'signs links');
    assert.deepEqual(got.Tags, [{ Key: 'team', Value: 'fw' }]);
    assert.equal(decodeURIComponent(got.AssumeRolePolicyDocument!), IOT_TRUST);

    await rejectsWith(iam.send(new CreateRoleCommand({ RoleName: 'jobssigner', AssumeRolePolicyDocument: IOT_TRUST })), 'EntityAlreadyExistsException', 409);
    await rejectsWith(iam.send(new GetRoleCommand({ RoleName: 'Nobody' })), 'NoSuchEntityException', 404, /The role with name Nobody cannot be found/);
    await rejectsWith(iam.send(new CreateRoleCommand({ RoleName: 'Bad', AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[' })), 'MalformedPolicyDocumentException', 400);
    // A trust policy must name a Principal.
    await rejectsWith(iam.send(new CreateRoleCommand({ RoleName: 'Bad', AssumeRolePolicyDocument: READ })), 'MalformedPolicyDocumentException', 400);
    await rejectsWith(iam.send(new CreateRoleCommand({ RoleName: 'bad name', AssumeRolePolicyDocument: IOT_TRUST })), 'ValidationError', 400);
    await rejectsWith(iam.send(new CreateRoleCommand({ RoleName: 'Short', AssumeRolePolicyDocument: IOT_TRUST, MaxSessionDuration: 60 })), 'ValidationError', 400);
    await rejectsWith(iam.send(new CreateRoleCommand({ RoleName: 'Pathy', AssumeRolePolicyDocument: IOT_TRUST, Path: 'no-slash' })), 'ValidationError', 400);
    await rejectsWith(iam.send(new GetRoleCommand({ RoleName: 'Bad' })), 'NoSuchEntityException', 404);
  });

  test('ListRoles pages with Marker and filters by PathPrefix', async () => {
    for (const name of ['list-a', 'list-b', 'list-c']) {
      await iam.send(new CreateRoleCommand({ RoleName: name, Path: '/listing/', AssumeRolePolicyDocument: IOT_TRUST }));
    }
    const first = await iam.send(new ListRolesCommand({ PathPrefix: '/listing/', MaxItems: 2 }));
    assert.deepEqual(first.Roles!.map((r) => r.RoleName), ['list-a', 'list-b']);
    assert.equal(first.IsTruncated, true);
    const second = await iam.send(new ListRolesCommand({ PathPrefix: '/listing/', MaxItems: 2, Marker: first.Marker! }));
    assert.deepEqual(second.Roles!.map((r) => r.RoleName), ['list-c']);
    assert.equal(second.IsTruncated, false);
    assert.equal(second.Roles![0]!.Arn, `arn:aws:iam::${account}:role/listing/list-c`);
    await rejectsWith(iam.send(new ListRolesCommand({ MaxItems: 0 })), 'ValidationError', 400);
  });

  test('UpdateRole sets MaxSessionDuration and Description; UpdateAssumeRolePolicy replaces the trust', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'Updatable', AssumeRolePolicyDocument: IOT_TRUST }));
    await iam.send(new UpdateRoleCommand({ RoleName: 'Updatable', MaxSessionDuration: 43200, Description: 'longer' }));
    const newTrust = trustPolicy('credentials.iot.amazonaws.com');
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'Updatable', PolicyDocument: newTrust }));
    const role = (await iam.send(new GetRoleCommand({ RoleName: 'Updatable' }))).Role!;
    assert.equal(role.MaxSessionDuration, 43200);
    assert.equal(role.Description, 'longer');
    assert.equal(decodeURIComponent(role.AssumeRolePolicyDocument!), newTrust);

    await rejectsWith(iam.send(new UpdateRoleCommand({ RoleName: 'Updatable', MaxSessionDuration: 43201 })), 'ValidationError', 400);
    await rejectsWith(iam.send(new UpdateRoleCommand({ RoleName: 'Ghost', MaxSessionDuration: 7200 })), 'NoSuchEntityException', 404);
    await rejectsWith(iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'Updatable', PolicyDocument: '{"nope": 1}' })), 'MalformedPolicyDocumentException', 400);
    await rejectsWith(iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'Ghost', PolicyDocument: newTrust })), 'NoSuchEntityException', 404);
    assert.equal(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: 'Updatable' }))).Role!.AssumeRolePolicyDocument!), newTrust);
  });

  test('managed policies: CreatePolicy, GetPolicy, ListPolicies, versions, default version, DeletePolicy', async () => {
    const policy = (await iam.send(new CreatePolicyCommand({ PolicyName: 'FirmwareRead', PolicyDocument: READ, Description: 'read firmware' }))).Policy!;
    assert.equal(policy.Arn, `arn:aws:iam::${account}:policy/FirmwareRead`);
    assert.equal(policy.DefaultVersionId, 'v1');
    assert.equal(policy.AttachmentCount, 0);
    assert.equal(policy.IsAttachable, true);
    assert.match(policy.PolicyId!, /^ANPA[A-Z0-9]{17}$/);
    const arn = policy.Arn!;

    const got = (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!;
    assert.equal(got.Description, 'read firmware');
    const v1 = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }))).PolicyVersion!;
    assert.equal(decodeURIComponent(v1.Document!), READ);
    assert.equal(v1.IsDefaultVersion, true);

    const wider = allowPolicy(['s3:GetObject', 's3:ListBucket'], ['arn:aws:s3:::firmware', 'arn:aws:s3:::firmware/*']);
    const v2 = (await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: wider }))).PolicyVersion!;
    assert.equal(v2.VersionId, 'v2');
    assert.equal(v2.IsDefaultVersion, false);
    await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }));
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.DefaultVersionId, 'v2');
    const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions!;
    assert.deepEqual(versions.map((v) => [v.VersionId, v.IsDefaultVersion]).sort(), [['v1', false], ['v2', true]]);

    const listed = (await iam.send(new ListPoliciesCommand({ Scope: 'Local' }))).Policies!;
    assert.ok(listed.some((p) => p.Arn === arn && p.DefaultVersionId === 'v2'));
    assert.deepEqual((await iam.send(new ListPoliciesCommand({ Scope: 'AWS' }))).Policies, []);

    await rejectsWith(iam.send(new CreatePolicyCommand({ PolicyName: 'FirmwareRead', PolicyDocument: READ })), 'EntityAlreadyExistsException', 409);
    await rejectsWith(iam.send(new CreatePolicyCommand({ PolicyName: 'Broken', PolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}' })), 'MalformedPolicyDocumentException', 400);
    await rejectsWith(iam.send(new GetPolicyCommand({ PolicyArn: `arn:aws:iam::${account}:policy/Broken` })), 'NoSuchEntityException', 404);
    await rejectsWith(iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v7' })), 'NoSuchEntityException', 404);
    await rejectsWith(iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v7' })), 'NoSuchEntityException', 404);
    await rejectsWith(iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'seven' })), 'ValidationError', 400);
    await rejectsWith(iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: 'not json' })), 'MalformedPolicyDocumentException', 400);
    // The default version cannot go, and a policy with other versions cannot be deleted.
    await rejectsWith(iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' })), 'DeleteConflictException', 409);
    await rejectsWith(iam.send(new DeletePolicyCommand({ PolicyArn: arn })), 'DeleteConflictException', 409);
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
    await rejectsWith(iam.send(new GetPolicyCommand({ PolicyArn: arn })), 'NoSuchEntityException', 404);
    await rejectsWith(iam.send(new DeletePolicyCommand({ PolicyArn: arn })), 'NoSuchEntityException', 404);
  });

  test('a policy has at most five versions (LimitExceeded)', async () => {
    const arn = (await iam.send(new CreatePolicyCommand({ PolicyName: 'Versioned', PolicyDocument: READ }))).Policy!.Arn!;
    for (let i = 2; i <= 5; i++) await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: READ, SetAsDefault: true }));
    await rejectsWith(iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: READ })), 'LimitExceededException', 409);
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.DefaultVersionId, 'v5');
  });

  test('attach, list and detach managed policies; DeleteRole and DeletePolicy refused while attached', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'Attached', AssumeRolePolicyDocument: IOT_TRUST }));
    const arn = (await iam.send(new CreatePolicyCommand({ PolicyName: 'AttachMe', PolicyDocument: READ }))).Policy!.Arn!;
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'Attached', PolicyArn: arn }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'Attached', PolicyArn: arn })); // idempotent, as on AWS
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'Attached' }));
    assert.deepEqual(attached.AttachedPolicies, [{ PolicyName: 'AttachMe', PolicyArn: arn }]);
    assert.equal(attached.IsTruncated, false);
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.AttachmentCount, 1);
    assert.deepEqual((await iam.send(new ListPoliciesCommand({ OnlyAttached: true }))).Policies!.map((p) => p.PolicyName), ['AttachMe']);

    await rejectsWith(iam.send(new DeleteRoleCommand({ RoleName: 'Attached' })), 'DeleteConflictException', 409, /detach all policies/);
    await rejectsWith(iam.send(new DeletePolicyCommand({ PolicyArn: arn })), 'DeleteConflictException', 409);
    await rejectsWith(iam.send(new AttachRolePolicyCommand({ RoleName: 'Ghost', PolicyArn: arn })), 'NoSuchEntityException', 404);
    await rejectsWith(iam.send(new AttachRolePolicyCommand({ RoleName: 'Attached', PolicyArn: `arn:aws:iam::${account}:policy/Ghost` })), 'NoSuchEntityException', 404);
    await rejectsWith(iam.send(new AttachRolePolicyCommand({ RoleName: 'Attached', PolicyArn: 'arn:aws:s3:::not-a-policy' })), 'InvalidInputException', 400);
    await rejectsWith(iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'Ghost' })), 'NoSuchEntityException', 404);

    await iam.send(new DetachRolePolicyCommand({ RoleName: 'Attached', PolicyArn: arn }));
    await rejectsWith(iam.send(new DetachRolePolicyCommand({ RoleName: 'Attached', PolicyArn: arn })), 'NoSuchEntityException', 404);
    assert.deepEqual((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'Attached' }))).AttachedPolicies, []);
    await iam.send(new DeleteRoleCommand({ RoleName: 'Attached' }));
    await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
    await rejectsWith(iam.send(new DeleteRoleCommand({ RoleName: 'Attached' })), 'NoSuchEntityException', 404);
  });

  test('inline policies: PutRolePolicy, GetRolePolicy (URL-encoded), ListRolePolicies, DeleteRolePolicy', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'Inline', AssumeRolePolicyDocument: IOT_TRUST }));
    const logs = allowPolicy('s3:PutObject', 'arn:aws:s3:::logs/${credentials-iot:ThingName}/*');
    await iam.send(new PutRolePolicyCommand({ RoleName: 'Inline', PolicyName: 'logs', PolicyDocument: logs }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'Inline', PolicyName: 'read', PolicyDocument: READ }));
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'Inline', PolicyName: 'logs' }));
    assert.equal(got.RoleName, 'Inline');
    assert.equal(got.PolicyName, 'logs');
    assert.equal(decodeURIComponent(got.PolicyDocument!), logs);
    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: 'Inline' }))).PolicyNames, ['logs', 'read']);

    await rejectsWith(iam.send(new PutRolePolicyCommand({ RoleName: 'Inline', PolicyName: 'bad', PolicyDocument: '[]' })), 'MalformedPolicyDocumentException', 400);
    await rejectsWith(iam.send(new PutRolePolicyCommand({ RoleName: 'Ghost', PolicyName: 'logs', PolicyDocument: logs })), 'NoSuchEntityException', 404);
    await rejectsWith(iam.send(new GetRolePolicyCommand({ RoleName: 'Inline', PolicyName: 'bad' })), 'NoSuchEntityException', 404);
    await rejectsWith(iam.send(new DeleteRoleCommand({ RoleName: 'Inline' })), 'DeleteConflictException', 409, /delete policies first/);

    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'Inline', PolicyName: 'logs' }));
    await rejectsWith(iam.send(new DeleteRolePolicyCommand({ RoleName: 'Inline', PolicyName: 'logs' })), 'NoSuchEntityException', 404);
    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: 'Inline' }))).PolicyNames, ['read']);
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'Inline', PolicyName: 'read' }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'Inline' }));
  });
});
