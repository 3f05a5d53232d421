import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AdjustableClock } from '../../src/clock.js';
import { FerryError } from '../../src/errors.js';
import { IamService } from '../../src/iam/service.js';
import type { DeviceIdentities } from '../../src/iam/credentials-provider.js';
import { AccessKeys } from '../../src/iam/access-keys.js';
import { ephemeralSecretBox } from '../../src/iam/secrets.js';
import { PRESIGN_SESSION_MARGIN_SEC, PRESIGN_SESSION_REUSE_SEC } from '../../src/iam/presign.js';
import { engines, openTestStore } from '../helpers/stores.js';

const ACCOUNT = '123456789012';
const trust = (service: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
const allow = (action: string, resource: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] });

const noIdentities: DeviceIdentities = { resolveDeviceIdentity: async () => ({ ok: false, reason: 'unknown-certificate', message: 'no registry here' }) };

function kindOf(error: unknown): string {
  assert.ok(error instanceof FerryError, `expected a FerryError, got ${String(error)}`);
  return error.kind;
}

async function withIam(engine: 'sqlite' | 'postgres', body: (iam: IamService, ctx: { clock: AdjustableClock; keys: AccessKeys }) => Promise<void>) {
  const { store, dispose } = await openTestStore(engine);
  const clock = new AdjustableClock();
  const secrets = ephemeralSecretBox();
  const iam = new IamService({
    db: store.db,
    clock,
    accountId: ACCOUNT,
    region: 'us-east-1',
    identities: noIdentities,
    secrets,
    sign: async (r) => {
      if (r.sessionToken) signedTokens.set(r.accessKeyId, r.sessionToken);
      return `${r.origin}${r.path}?X-Amz-Credential=${r.accessKeyId}&X-Amz-Expires=${r.expiresSec}`;
    },
  });
  iam.useS3Endpoint(() => 'https://127.0.0.1:9000');
  try {
    await body(iam, { clock, keys: new AccessKeys(store.db, ACCOUNT, secrets) });
  } finally {
    await dispose();
  }
}

for (const { engine, skip } of engines()) {
  describe(`iam domain [${engine}]`, { skip }, () => {
    test('role names are unique regardless of case; a recreated role gets a new id', async () => {
      await withIam(engine, async (iam) => {
        const first = await iam.roles.create({ roleName: 'Uploader', trustPolicy: trust('iot.amazonaws.com') });
        assert.equal(first.arn, `arn:aws:iam::${ACCOUNT}:role/Uploader`);
        assert.match(first.roleId, /^AROA[A-Z2-7]{17}$/);
        await assert.rejects(iam.roles.create({ roleName: 'uploader', trustPolicy: trust('iot.amazonaws.com') }), (e) => kindOf(e) === 'AlreadyExists');
        assert.equal((await iam.roles.get('UPLOADER')).roleName, 'Uploader');
        await iam.roles.delete('Uploader');
        const again = await iam.roles.create({ roleName: 'Uploader', trustPolicy: trust('iot.amazonaws.com'), path: '/fleet/' });
        assert.notEqual(again.roleId, first.roleId);
        assert.equal(again.arn, `arn:aws:iam::${ACCOUNT}:role/fleet/Uploader`);
      });
    });

    test('a malformed trust or permissions document is refused and nothing is stored', async () => {
      await withIam(engine, async (iam) => {
        await assert.rejects(iam.roles.create({ roleName: 'r', trustPolicy: '{"Statement":' }), (e) => kindOf(e) === 'MalformedPolicy');
        await assert.rejects(iam.roles.get('r'), (e) => kindOf(e) === 'NotFound');
        await assert.rejects(iam.policies.create({ policyName: 'p', document: '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]}' }), (e) => kindOf(e) === 'MalformedPolicy');
        assert.equal((await iam.policies.list({})).items.length, 0);
      });
    });

    test('roles and policies list in pages, filtered by path', async () => {
      await withIam(engine, async (iam) => {
        for (const name of ['a', 'b', 'c', 'd', 'e']) await iam.roles.create({ roleName: name, trustPolicy: trust('iot.amazonaws.com'), path: name < 'c' ? '/x/' : '/' });
        const first = await iam.roles.list({ maxItems: 2 });
        assert.deepEqual(first.items.map((r) => r.roleName), ['a', 'b']);
        const second = await iam.roles.list({ maxItems: 2, marker: first.marker });
        assert.deepEqual(second.items.map((r) => r.roleName), ['c', 'd']);
        const third = await iam.roles.list({ maxItems: 2, marker: second.marker });
        assert.deepEqual(third.items.map((r) => r.roleName), ['e']);
        assert.equal(third.marker, undefined);
        assert.deepEqual((await iam.roles.list({ pathPrefix: '/x/' })).items.map((r) => r.roleName), ['a', 'b']);
        await assert.rejects(iam.roles.list({ marker: 'not a marker!' }), (e) => kindOf(e) === 'InvalidInput');
      });
    });

    test('policy versions: five at most, default cannot be deleted, delete needs versions gone and no attachments', async () => {
      await withIam(engine, async (iam, { clock }) => {
        const p = await iam.policies.create({ policyName: 'Read', document: allow('s3:GetObject', '*') });
        for (let i = 2; i <= 5; i++) {
          clock.advance(1000);
          const v = await iam.policies.createVersion(p.arn, allow('s3:GetObject', `arn:aws:s3:::b${i}/*`), i === 3);
          assert.equal(v.versionId, `v${i}`);
        }
        await assert.rejects(iam.policies.createVersion(p.arn, allow('s3:*', '*'), false), (e) => kindOf(e) === 'LimitExceeded');
        assert.equal((await iam.policies.get(p.arn)).defaultVersionId, 'v3');
        assert.deepEqual((await iam.policies.listVersions(p.arn)).map((v) => `${v.versionId}${v.isDefault ? '*' : ''}`), ['v5', 'v4', 'v3*', 'v2', 'v1']);
        await assert.rejects(iam.policies.deleteVersion(p.arn, 'v3'), (e) => kindOf(e) === 'Conflict');
        await assert.rejects(iam.policies.setDefaultVersion(p.arn, 'v9'), (e) => kindOf(e) === 'NotFound');
        await assert.rejects(iam.policies.delete(p.arn), (e) => kindOf(e) === 'Conflict');
        for (const v of ['v1', 'v2', 'v4', 'v5']) await iam.policies.deleteVersion(p.arn, v);
        const v6 = await iam.policies.createVersion(p.arn, allow('s3:*', '*'), false);
        assert.equal(v6.versionId, 'v6', 'version ids are never reused');
        await iam.policies.deleteVersion(p.arn, 'v6');
        await iam.roles.create({ roleName: 'r', trustPolicy: trust('iot.amazonaws.com') });
        await iam.rolePolicies.attach('r', p.arn);
        assert.equal((await iam.policies.get(p.arn)).attachmentCount, 1);
        await assert.rejects(iam.policies.delete(p.arn), (e) => kindOf(e) === 'Conflict');
        await iam.rolePolicies.detach('r', p.arn);
        await iam.policies.delete(p.arn);
        await assert.rejects(iam.policies.get(p.arn), (e) => kindOf(e) === 'NotFound');
      });
    });

    test('a role with policies cannot be deleted; attach is idempotent; detach of a stranger is NotFound', async () => {
      await withIam(engine, async (iam) => {
        await iam.roles.create({ roleName: 'r', trustPolicy: trust('iot.amazonaws.com') });
        const p = await iam.policies.create({ policyName: 'p', document: allow('s3:GetObject', '*') });
        await iam.rolePolicies.attach('r', p.arn);
        await iam.rolePolicies.attach('r', p.arn);
        assert.deepEqual((await iam.rolePolicies.listAttached('r', {})).items, [{ policyName: 'p', policyArn: p.arn }]);
        await assert.rejects(iam.roles.delete('r'), (e) => kindOf(e) === 'Conflict');
        await iam.rolePolicies.detach('r', p.arn);
        await assert.rejects(iam.rolePolicies.detach('r', p.arn), (e) => kindOf(e) === 'NotFound');
        await iam.rolePolicies.putInline('r', 'inline', allow('s3:PutObject', '*'));
        await assert.rejects(iam.roles.delete('r'), (e) => kindOf(e) === 'Conflict');
        await iam.rolePolicies.deleteInline('r', 'inline');
        await iam.roles.delete('r');
        await assert.rejects(iam.rolePolicies.attach('r', p.arn), (e) => kindOf(e) === 'NotFound');
        await assert.rejects(iam.rolePolicies.attach('nobody', `arn:aws:iam::${ACCOUNT}:policy/none`), (e) => kindOf(e) === 'NotFound');
      });
    });

    test('inline policies of a role stay within 10,240 characters together', async () => {
      await withIam(engine, async (iam) => {
        await iam.roles.create({ roleName: 'r', trustPolicy: trust('iot.amazonaws.com') });
        const big = (n: number) => allow('s3:GetObject', `arn:aws:s3:::${'b'.repeat(n)}/*`);
        await iam.rolePolicies.putInline('r', 'one', big(6000));
        await assert.rejects(iam.rolePolicies.putInline('r', 'two', big(5000)), (e) => kindOf(e) === 'LimitExceeded');
        await iam.rolePolicies.putInline('r', 'one', big(9000)); // replacing counts the new size only
        assert.deepEqual((await iam.rolePolicies.listInline('r', {})).items, ['one']);
      });
    });

    test('role permissions: attached and inline policies, session variables, detaching takes effect at once', async () => {
      await withIam(engine, async (iam) => {
        const role = await iam.roles.create({ roleName: 'dev', trustPolicy: trust('credentials.iot.amazonaws.com') });
        const p = await iam.policies.create({ policyName: 'read', document: allow('s3:GetObject', 'arn:aws:s3:::logs/*') });
        await iam.rolePolicies.attach('dev', p.arn);
        await iam.rolePolicies.putInline('dev', 'own', allow('s3:PutObject', 'arn:aws:s3:::logs/${credentials-iot:ThingName}/*'));
        const session = {
          kind: 'role-session' as const,
          arn: `arn:aws:sts::${ACCOUNT}:assumed-role/dev/abc`,
          accountId: ACCOUNT,
          accessKeyId: 'ASIAX',
          roleArn: role.arn,
          variables: { 'credentials-iot:ThingName': 'thing1' },
        };
        assert.equal(await iam.permissions.sessionAllows(session, 's3:GetObject', 'arn:aws:s3:::logs/a'), true);
        assert.equal(await iam.permissions.sessionAllows(session, 's3:PutObject', 'arn:aws:s3:::logs/thing1/x'), true);
        assert.equal(await iam.permissions.sessionAllows(session, 's3:PutObject', 'arn:aws:s3:::logs/thing2/x'), false);
        assert.ok(await iam.permissions.policiesFor(session));
        assert.equal(await iam.permissions.policiesFor({ kind: 'root', arn: 'x', accountId: ACCOUNT, accessKeyId: 'AKIA' }), null);
        await iam.rolePolicies.detach('dev', p.arn);
        assert.equal(await iam.permissions.sessionAllows(session, 's3:GetObject', 'arn:aws:s3:::logs/a'), false);
      });
    });

    test('role aliases: role must exist, duration 900–43200 and within MaxSessionDuration', async () => {
      await withIam(engine, async (iam) => {
        const role = await iam.roles.create({ roleName: 'dev', trustPolicy: trust('credentials.iot.amazonaws.com') });
        await assert.rejects(iam.roleAliases.create({ roleAlias: 'a', roleArn: `arn:aws:iam::${ACCOUNT}:role/none` }), (e) => kindOf(e) === 'InvalidInput');
        await assert.rejects(iam.roleAliases.create({ roleAlias: 'a', roleArn: role.arn, credentialDurationSeconds: 899 }), (e) => kindOf(e) === 'InvalidInput');
        await assert.rejects(iam.roleAliases.create({ roleAlias: 'a', roleArn: role.arn, credentialDurationSeconds: 7200 }), /MaxSessionDuration/);
        await assert.rejects(iam.roleAliases.create({ roleAlias: 'bad/name', roleArn: role.arn }), (e) => kindOf(e) === 'InvalidInput');
        const alias = await iam.roleAliases.create({ roleAlias: 'a', roleArn: role.arn, credentialDurationSeconds: 900 });
        assert.equal(alias.roleAliasArn, `arn:aws:iot:us-east-1:${ACCOUNT}:rolealias/a`);
        await assert.rejects(iam.roleAliases.create({ roleAlias: 'a', roleArn: role.arn }), (e) => kindOf(e) === 'AlreadyExists');
        await iam.roles.update('dev', { maxSessionDuration: 7200 });
        assert.equal((await iam.roleAliases.update('a', { credentialDurationSeconds: 7200 })).credentialDurationSeconds, 7200);
        await iam.roleAliases.create({ roleAlias: 'b', roleArn: role.arn });
        assert.deepEqual((await iam.roleAliases.list({ ascending: false })).items, ['b', 'a']);
        await iam.roleAliases.delete('a');
        await assert.rejects(iam.roleAliases.describe('a'), (e) => kindOf(e) === 'NotFound');
      });
    });

    test('sessions are access keys that expire; presigning needs a role that trusts iot.amazonaws.com', async () => {
      await withIam(engine, async (iam, { clock, keys }) => {
        await assert.rejects(iam.presignGetAsRole({ roleArn: `arn:aws:iam::${ACCOUNT}:role/none`, bucket: 'b', key: 'k', expiresSec: 60 }), /does not exist/);
        await iam.roles.create({ roleName: 'device', trustPolicy: trust('credentials.iot.amazonaws.com') });
        await assert.rejects(
          iam.presignGetAsRole({ roleArn: `arn:aws:iam::${ACCOUNT}:role/device`, bucket: 'b', key: 'k', expiresSec: 60 }),
          /does not trust iot\.amazonaws\.com/,
        );
        await iam.roles.create({ roleName: 'jobs', trustPolicy: trust('iot.amazonaws.com') });
        const url = await iam.presignGetAsRole({ roleArn: `arn:aws:iam::${ACCOUNT}:role/jobs`, bucket: 'b', key: 'fw/a b+c.bin', expiresSec: 60 });
        assert.match(url, /^https:\/\/127\.0\.0\.1:9000\/b\/fw\/a%20b%2Bc\.bin\?X-Amz-Credential=ASIA/);
        const keyId = /X-Amz-Credential=(ASIA[A-Z2-7]+)/.exec(url)![1]!;
        const row = await keys.resolve(keyId, await tokenOf(iam, keyId), clock.now());
        assert.equal(row.principal.arn, `arn:aws:sts::${ACCOUNT}:assumed-role/jobs/ferry-presign`);
        clock.advance((60 + PRESIGN_SESSION_MARGIN_SEC + PRESIGN_SESSION_REUSE_SEC - 1) * 1000);
        await keys.resolve(keyId, await tokenOf(iam, keyId), clock.now());
        clock.advance(1000);
        await assert.rejects(keys.resolve(keyId, await tokenOf(iam, keyId), clock.now()), /expired/);
      });
    });

    test('one session signs a role\'s links of one lifetime for PRESIGN_SESSION_REUSE_SEC; the last link it signs outlives its expiry by the margin', async () => {
      await withIam(engine, async (iam, { clock, keys }) => {
        await iam.roles.create({ roleName: 'jobs', trustPolicy: trust('iot.amazonaws.com') });
        const roleArn = `arn:aws:iam::${ACCOUNT}:role/jobs`;
        const keyOf = async (expiresSec: number) => /X-Amz-Credential=(ASIA[A-Z2-7]+)/.exec(await iam.presignGetAsRole({ roleArn, bucket: 'b', key: 'k', expiresSec }))![1]!;
        const first = await keyOf(60);
        const [again, concurrent] = await Promise.all([keyOf(60), keyOf(60)]);
        assert.equal(again, first);
        assert.equal(concurrent, first);
        assert.notEqual(await keyOf(120), first, 'another link lifetime, another session');
        clock.advance(PRESIGN_SESSION_REUSE_SEC * 1000 - 1000);
        assert.equal(await keyOf(60), first, 'the last second of the window');
        clock.advance(1000);
        const next = await keyOf(60);
        assert.notEqual(next, first, 'a new session once the window has passed');
        // The link signed in the window's last second expires 60 s later; its session lives the margin beyond.
        clock.advance((60 + PRESIGN_SESSION_MARGIN_SEC - 1) * 1000);
        await keys.resolve(first, await tokenOf(iam, first), clock.now());
        clock.advance(1000);
        await assert.rejects(keys.resolve(first, await tokenOf(iam, first), clock.now()), /expired/);
        await keys.resolve(next, await tokenOf(iam, next), clock.now());
      });
    });
  });
}

/** The session token the sessions table holds for a key (tests only). */
/** Session tokens as the signer was handed them (the database keeps only their digest). */
const signedTokens = new Map<string, string>();

async function tokenOf(_iam: IamService, accessKeyId: string): Promise<string> {
  const token = signedTokens.get(accessKeyId);
  if (token === undefined) throw new Error(`no link was signed with ${accessKeyId}`);
  return token;
}
