/**
 * Issue 20: no secret in plaintext at rest (data folder and PostgreSQL, raw,
 * hex and base64); `ferry admin rotate-root-key`; iam:PassRole on role
 * aliases; `ferry user` / `ferry group` — on both storage engines.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import pg from 'pg';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CreateRoleAliasCommand, IoTClient, ListThingsCommand } from '@aws-sdk/client-iot';
import { CreateAccessKeyCommand, CreateLoginProfileCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { engines } from '../helpers/stores.js';
import { pgTestSchema } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rejectsWith } from '../helpers/assert.js';
import { trustPolicy } from '../helpers/policies.js';
import { cli } from '../cli/helpers.js';

const forms = (secret: string): Buffer[] => [Buffer.from(secret), Buffer.from(Buffer.from(secret).toString('hex')), Buffer.from(Buffer.from(secret).toString('base64'))];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

async function pgText(url: string, schema: string): Promise<Buffer> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
    const parts: string[] = [];
    for (const { table_name } of tables.rows) {
      const rows = await client.query<{ t: string }>(`SELECT t::text AS t FROM "${schema}"."${table_name}" t`);
      parts.push(...rows.rows.map((r) => r.t));
    }
    return Buffer.from(parts.join('\n'));
  } finally {
    await client.end();
  }
}

function clientsFor(ts: TestServer, key: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
  const common = { region: ts.endpoints.region, credentials: { ...key }, requestHandler: new NodeHttpHandler({ httpsAgent: ts.agent }), maxAttempts: 1 };
  return { iot: new IoTClient({ ...common, endpoint: ts.endpoints.endpoints.iot }), iam: new IAMClient({ ...common, region: 'us-east-1', endpoint: ts.endpoints.endpoints.iam }) };
}

for (const { engine, skip } of engines()) {
  describe(`secrets at rest and the root key (${engine})`, { skip }, () => {
    test('no secret, password or session token in plaintext, hex or base64 in the data folder or the database', async (t) => {
      const pgSchema = engine === 'postgres' ? await pgTestSchema() : undefined;
      const ts = await startTestServer({ engine, ...(pgSchema ? { pg: { url: pgSchema.url, schema: pgSchema.schema } } : {}) });
      t.after(async () => {
        await ts.close();
        await pgSchema?.drop();
      });
      const iam = ts.iam();
      const secrets: string[] = [ts.credentials.secretAccessKey];
      await iam.send(new CreateUserCommand({ UserName: 'alice' }));
      for (let i = 0; i < 2; i++) secrets.push((await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!.SecretAccessKey!);
      const password = 'Pass-word-for-alice-123';
      secrets.push(password);
      await iam.send(new CreateLoginProfileCommand({ UserName: 'alice', Password: password }));
      await iam.send(new CreateRoleCommand({ RoleName: 'jobs', AssumeRolePolicyDocument: trustPolicy('iot.amazonaws.com') }));
      const url = new URL(await ts.server.ctx.services.iam.presignGetAsRole({ roleArn: `arn:aws:iam::${ts.endpoints.accountId}:role/jobs`, bucket: 'b', key: 'k', expiresSec: 60 }));
      secrets.push(url.searchParams.get('X-Amz-Security-Token')!);
      const rotated = await cli(['admin', 'rotate-root-key', '--data-dir', ts.dataDir]);
      assert.equal(rotated.code, 0, rotated.stderr);
      const credentialsFile = join(ts.dataDir, 'aws', 'credentials');
      const newSecret = /aws_secret_access_key = (\S+)/.exec(readFileSync(credentialsFile, 'utf8'))![1]!;
      secrets.push(newSecret);

      const haystacks: Array<[string, Buffer]> = filesUnder(ts.dataDir)
        .filter((f) => f !== credentialsFile)
        .map((f) => [relative(ts.dataDir, f), readFileSync(f)]);
      if (pgSchema) haystacks.push(['PostgreSQL', await pgText(pgSchema.url, pgSchema.schema)]);
      assert.ok(haystacks.some(([name]) => name === 'ferry.db') || engine === 'postgres', 'the SQLite database is searched');
      for (const secret of secrets) {
        for (const form of forms(secret)) {
          for (const [name, data] of haystacks) assert.equal(data.indexOf(form), -1, `a secret (${form.toString().slice(0, 6)}…) is in ${name}`);
        }
      }
    });

    test('ferry admin rotate-root-key: the old key is refused at once, the new one is in aws/credentials', async (t) => {
      const ts = await startTestServer({ engine });
      t.after(() => ts.close());
      const old = clientsFor(ts, ts.credentials);
      await old.iot.send(new ListThingsCommand({}));
      const r = await cli(['admin', 'rotate-root-key', '--data-dir', ts.dataDir]);
      assert.equal(r.code, 0, r.stderr);
      const text = readFileSync(join(ts.dataDir, 'aws', 'credentials'), 'utf8');
      const accessKeyId = /aws_access_key_id = (\S+)/.exec(text)![1]!;
      const secretAccessKey = /aws_secret_access_key = (\S+)/.exec(text)![1]!;
      assert.notEqual(accessKeyId, ts.credentials.accessKeyId);
      assert.match(r.stdout, new RegExp(accessKeyId));
      assert.doesNotMatch(r.stdout, new RegExp(secretAccessKey.replace(/[+/]/g, '.')));
      await rejectsWith(old.iot.send(new ListThingsCommand({})), 'UnrecognizedClientException', 403);
      await clientsFor(ts, { accessKeyId, secretAccessKey }).iot.send(new ListThingsCommand({}));
    });

    test('CreateRoleAlias without iam:PassRole is refused naming the role; with it, and as root, it succeeds', async (t) => {
      const ts = await startTestServer({ engine });
      t.after(() => ts.close());
      const { region, accountId } = ts.endpoints;
      const root = ts.iam();
      for (const name of ['device-role', 'other-role']) await root.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustPolicy('credentials.iot.amazonaws.com') }));
      await root.send(new CreateUserCommand({ UserName: 'ops' }));
      const key = (await root.send(new CreateAccessKeyCommand({ UserName: 'ops' }))).AccessKey!;
      await root.send(
        new PutUserPolicyCommand({
          UserName: 'ops',
          PolicyName: 'aliases',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: 'iot:CreateRoleAlias', Resource: `arn:aws:iot:${region}:${accountId}:rolealias/*` },
              { Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${accountId}:role/device-role` },
            ],
          }),
        }),
      );
      const ops = clientsFor(ts, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
      await rejectsWith(
        ops.iot.send(new CreateRoleAliasCommand({ roleAlias: 'b', roleArn: `arn:aws:iam::${accountId}:role/other-role` })),
        'AccessDeniedException',
        403,
        new RegExp(`^User: arn:aws:iam::${accountId}:user/ops is not authorized to perform: iam:PassRole on resource: arn:aws:iam::${accountId}:role/other-role because no identity-based policy allows the iam:PassRole action$`),
      );
      await ops.iot.send(new CreateRoleAliasCommand({ roleAlias: 'a', roleArn: `arn:aws:iam::${accountId}:role/device-role` }));
      await ts.iot().send(new CreateRoleAliasCommand({ roleAlias: 'b', roleArn: `arn:aws:iam::${accountId}:role/other-role` }));
    });

    test('ferry user create with a group, a managed policy, a key written as an AWS profile, and a password; ferry group', async (t) => {
      const ts = await startTestServer({ engine });
      t.after(() => ts.close());
      const d = ['--data-dir', ts.dataDir];
      const ok = async (...args: string[]) => {
        const r = await cli([...args, ...d], { env: { AWS_SHARED_CREDENTIALS_FILE: join(ts.dataDir, 'op-credentials'), AWS_CONFIG_FILE: join(ts.dataDir, 'op-config') } });
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
        return r;
      };
      await ok('group', 'create', 'readers');
      const created = await ok('user', 'create', 'rita', '--group', 'readers', '--managed', 'AWSIoTConfigReadOnlyAccess', '--access-key', '--password', '--write-profile', 'rita', '--json');
      const out = JSON.parse(created.stdout) as { accessKey: { accessKeyId: string; secretAccessKey: string }; password: string; policies: string[] };
      assert.deepEqual(out.policies, ['arn:aws:iam::aws:policy/AWSIoTConfigReadOnlyAccess']);
      assert.match(readFileSync(join(ts.dataDir, 'op-credentials'), 'utf8'), new RegExp(`\\[rita\\]\\naws_access_key_id = ${out.accessKey.accessKeyId}`));
      assert.match(readFileSync(join(ts.dataDir, 'op-config'), 'utf8'), /\[profile rita\]/);
      const rita = clientsFor(ts, out.accessKey);
      await rita.iot.send(new ListThingsCommand({}));
      await rejectsWith(rita.iam.send(new CreateUserCommand({ UserName: 'x' })), 'AccessDenied', 403);
      const described = JSON.parse((await ok('user', 'describe', 'rita', '--json')).stdout) as { groups: string[]; accessKeys: unknown[]; loginProfile: boolean };
      assert.deepEqual(described.groups, ['readers']);
      assert.equal(described.loginProfile, true);
      assert.doesNotMatch(JSON.stringify(described), new RegExp(out.accessKey.secretAccessKey.replace(/[+/]/g, '.')));
      assert.match((await ok('group', 'list')).stdout, /readers\s+rita/);
      await ok('group', 'remove', 'readers', 'rita');
      await ok('user', 'delete', 'rita');
      await ok('group', 'delete', 'readers');
      await rejectsWith(rita.iot.send(new ListThingsCommand({})), 'UnrecognizedClientException', 403);
      assert.match((await ok('user', 'list')).stdout, /^NAME/);
    });
  });
}
