import { test } from 'node:test';
import assert from 'node:assert/strict';
import { awsCli } from '../helpers/aws-cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { trustPolicy } from './helpers.js';

/** The AWS CLI pointed at Ferry's IAM endpoint (IAM is global: us-east-1), answering JSON. */
async function aws(s: TestServer, args: string[]): Promise<{ json: unknown; stderr: string; code: number }> {
  const { stdout, stderr, code } = await awsCli(s, [...args, '--output', 'json'], { endpoint: s.endpoints.endpoints.iam, region: 'us-east-1' });
  return { json: code === 0 && stdout.trim() ? JSON.parse(stdout) : undefined, stderr, code };
}

test('aws iam create-role / get-role, and aws sts get-caller-identity, from the AWS CLI', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const trust = trustPolicy('iot.amazonaws.com');

  const created = await aws(s, ['iam', 'create-role', '--role-name', 'cli-role', '--assume-role-policy-document', trust, '--max-session-duration', '7200']);
  assert.equal(created.code, 0, created.stderr);
  const role = (created.json as { Role: Record<string, unknown> }).Role;
  assert.equal(role.RoleName, 'cli-role');
  assert.equal(role.Arn, `arn:aws:iam::${s.endpoints.accountId}:role/cli-role`);
  // botocore URL-decodes IAM's policy documents and parses them (aws-wire-protocols.md §6).
  assert.deepEqual(role.AssumeRolePolicyDocument, JSON.parse(trust));

  const got = await aws(s, ['iam', 'get-role', '--role-name', 'cli-role']);
  assert.equal(got.code, 0, got.stderr);
  const gotRole = (got.json as { Role: Record<string, unknown> }).Role;
  assert.equal(gotRole.MaxSessionDuration, 7200);
  assert.deepEqual(gotRole.AssumeRolePolicyDocument, JSON.parse(trust));

  const again = await aws(s, ['iam', 'create-role', '--role-name', 'cli-role', '--assume-role-policy-document', trust]);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /EntityAlreadyExists/);
  const missing = await aws(s, ['iam', 'get-role', '--role-name', 'no-such-role']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /NoSuchEntity.*The role with name no-such-role cannot be found/);

  const who = await aws(s, ['sts', 'get-caller-identity']);
  assert.equal(who.code, 0, who.stderr);
  assert.equal((who.json as { Account: string }).Account, s.endpoints.accountId);
});
