/**
 * The server's log holds no secret, session token or signature (issue 20):
 * after a run of signed requests — IAM users' keys, AssumeRole,
 * GetSessionToken, requests with temporary credentials, presigned URLs, and
 * refused ones (expired token, bad signature) — the whole log, at its most
 * verbose level, is searched for each in raw and URL-encoded forms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpRequest } from '@smithy/protocol-http';
import { IoTClient, ListThingsCommand } from '@aws-sdk/client-iot';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, PutRolePolicyCommand, PutUserPolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createLogger } from '../../src/log.js';
import { startTestServer, tempDir, type TestServer, flushed } from '../helpers/server.js';
import { allowPolicy } from '../helpers/policies.js';
import { rejectsWith } from '../helpers/assert.js';

interface Key {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

test('no secret, session token or signature in the server log, raw or URL-encoded, after signed requests, AssumeRole and presigned URLs', async (t) => {
  const logFile = join(tempDir(), 'server.log');
  const logger = createLogger({ level: 'trace', destination: logFile });
  const s = await startTestServer({ logger });
  let closed = false;
  t.after(() => (closed ? undefined : s.close()));
  const secrets = new Set<string>([s.credentials.secretAccessKey]);
  const seen = (value: string | undefined) => value && secrets.add(value);
  /** Every signature and token the clients send, taken from the wire. */
  const watch = <C extends { middlewareStack: { add: (...a: any[]) => void } }>(client: C): C => {
    client.middlewareStack.add(
      (next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
        const request = args.request as HttpRequest;
        seen(/Signature=([0-9a-f]{64})/.exec(request.headers.authorization ?? '')?.[1]);
        seen(request.headers['x-amz-security-token']);
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'watchSecrets' },
    );
    return client;
  };
  const clients = (key: Key) => {
    const common = { region: s.endpoints.region, credentials: { ...key }, requestHandler: new NodeHttpHandler({ httpsAgent: s.agent }), maxAttempts: 1 };
    seen(key.secretAccessKey);
    seen(key.sessionToken);
    return {
      iot: watch(new IoTClient({ ...common, endpoint: s.endpoints.endpoints.iot })),
      iam: watch(new IAMClient({ ...common, region: 'us-east-1', endpoint: s.endpoints.endpoints.iam })),
      sts: watch(new STSClient({ ...common, endpoint: s.endpoints.endpoints.iam })),
      s3: watch(new S3Client({ ...common, endpoint: s.endpoints.endpoints.s3, forcePathStyle: true })),
    };
  };

  const root = clients(s.credentials);
  await root.iam.send(new CreateUserCommand({ UserName: 'alice' }));
  await root.iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'p', PolicyDocument: allowPolicy(['iot:ListThings', 's3:GetObject'], '*') }));
  const { AccessKey } = await root.iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
  const alice = clients({ accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! });
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${s.endpoints.accountId}:user/alice` }, Action: 'sts:AssumeRole' }] });
  await root.iam.send(new CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: trust }));
  await root.iam.send(new PutRolePolicyCommand({ RoleName: 'reader', PolicyName: 'r', PolicyDocument: allowPolicy(['s3:GetObject', 'iot:ListThings'], '*') }));
  await root.s3.send(new CreateBucketCommand({ Bucket: 'fw-bin' }));
  await root.s3.send(new PutObjectCommand({ Bucket: 'fw-bin', Key: 'a.bin', Body: 'firmware' }));

  const assumed = await alice.sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${s.endpoints.accountId}:role/reader`, RoleSessionName: 'logs', DurationSeconds: 900 }));
  const role = clients({ accessKeyId: assumed.Credentials!.AccessKeyId!, secretAccessKey: assumed.Credentials!.SecretAccessKey!, sessionToken: assumed.Credentials!.SessionToken! });
  await role.iot.send(new ListThingsCommand({}));
  await role.s3.send(new GetObjectCommand({ Bucket: 'fw-bin', Key: 'a.bin' }));
  const token = await alice.sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
  const userSession = clients({ accessKeyId: token.Credentials!.AccessKeyId!, secretAccessKey: token.Credentials!.SecretAccessKey!, sessionToken: token.Credentials!.SessionToken! });
  await userSession.sts.send(new GetCallerIdentityCommand({}));
  await rejectsWith(userSession.iam.send(new CreateUserCommand({ UserName: 'x' })), 'InvalidClientTokenId', 403);

  // Presigned URLs: the role session's and the root's, fetched; one tampered with (refused, logged as a failure).
  for (const c of [role.s3, root.s3]) {
    const url = await getSignedUrl(c, new GetObjectCommand({ Bucket: 'fw-bin', Key: 'a.bin' }), { expiresIn: 300 });
    const u = new URL(url);
    seen(u.searchParams.get('X-Amz-Signature') ?? undefined);
    seen(u.searchParams.get('X-Amz-Security-Token') ?? undefined);
    assert.equal((await get(s, url)).status, 200);
    u.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    assert.equal((await get(s, u.toString())).status, 403);
  }
  // Signed with a wrong secret: a signature the server computes differently.
  const wrong = clients({ accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: 'x'.repeat(40) });
  await rejectsWith(wrong.iot.send(new ListThingsCommand({})), 'InvalidSignatureException', 403);
  // Expired temporary credentials (the SDK signs with the moved clock's time).
  s.clock.advance(901_000);
  await rejectsWith(role.iot.send(new ListThingsCommand({})), 'ExpiredTokenException', 403);
  s.clock.advance(-901_000);

  await s.close();
  closed = true;
  await flushed(logger);
  const log = readFileSync(logFile, 'utf8');
  assert.ok(log.split('\n').length > 20, 'the log recorded the requests');
  assert.ok(secrets.size >= 10, `${secrets.size} secrets watched`);
  for (const secret of secrets) {
    for (const form of new Set([secret, encodeURIComponent(secret), encodeURIComponent(encodeURIComponent(secret))])) {
      assert.ok(!log.includes(form), `the log contains a secret, token or signature (${form.slice(0, 6)}…)`);
    }
  }
});

async function get(s: TestServer, url: string): Promise<{ status: number }> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    https.get(url, { agent: s.agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    }).on('error', reject);
  });
}
