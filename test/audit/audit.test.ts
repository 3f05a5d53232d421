import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import https from 'node:https';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { CreateThingCommand } from '@aws-sdk/client-iot';
import { CreateBucketCommand, GetObjectCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AuditEvent } from '../../src/audit/log.js';
import { eventually, rejectsWith } from '../helpers/assert.js';
import { trustPolicy } from '../helpers/policies.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { engines } from '../helpers/stores.js';
import { cli } from '../cli/helpers.js';

/**
 * The audit log (issue 20): one event per operator request after it was
 * decided, denials marked with what decided them, S3 reads only when
 * denied; never a secret, a session token or a signature; purged past its
 * retention by moving the clock; read by `ferry audit`.
 */
const DAY = 86_400_000;

function sessionClients(s: TestServer, creds: { accessKeyId: string; secretAccessKey: string; sessionToken: string }) {
  const common = { region: s.endpoints.region, credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken }, requestHandler: new NodeHttpHandler({ httpsAgent: s.agent }), maxAttempts: 1 };
  return { s3: new S3Client({ ...common, endpoint: s.endpoints.endpoints.s3, forcePathStyle: true }), sts: new STSClient({ ...common, endpoint: s.endpoints.endpoints.iam }) };
}

const get = (s: TestServer, url: string) =>
  new Promise<number>((resolve, reject) => https.get(url, { agent: s.agent }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); }).on('error', reject));

async function allEvents(s: TestServer): Promise<AuditEvent[]> {
  return (await s.server.ctx.services.audit.lookup({ maxResults: 1000 })).events;
}

for (const { engine, skip } of engines()) {
  test(`every operator request is audited once, denials marked, with no secret, token or signature (${engine})`, { skip }, async (t) => {
    const auditFile = join(tempDir(), 'audit.jsonl');
    const s = await startTestServer({ engine, auditFile });
    t.after(() => s.close());
    await s.iot().send(new CreateThingCommand({ thingName: 'lobby-1' }));
    await s.iam().send(new CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: trustPolicy('iot.amazonaws.com') }));
    await s.s3().send(new CreateBucketCommand({ Bucket: 'firmware' }));
    await s.s3().send(new PutObjectCommand({ Bucket: 'firmware', Key: 'private/a.bin', Body: 'x' }));
    await s.s3().send(new GetObjectCommand({ Bucket: 'firmware', Key: 'private/a.bin' })); // an allowed read: not recorded
    const role = await s.server.ctx.services.iam.roles.get('reader');
    await s.s3().send(new PutBucketPolicyCommand({
      Bucket: 'firmware',
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'NoPrivate', Effect: 'Deny', Principal: { AWS: role.arn }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::firmware/private/*' }] }),
    }));
    const session = await s.server.ctx.services.iam.sessions.issue(role, { sessionName: 'alice', durationSeconds: 900 });
    const clients = sessionClients(s, session);
    await clients.sts.send(new GetCallerIdentityCommand({}));
    await rejectsWith(clients.s3.send(new GetObjectCommand({ Bucket: 'firmware', Key: 'private/a.bin' })), 'AccessDenied', 403);
    await rejectsWith(clients.s3.send(new PutObjectCommand({ Bucket: 'firmware', Key: 'public/b.bin', Body: 'y' })), 'AccessDenied', 403);
    const url = await getSignedUrl(clients.s3, new GetObjectCommand({ Bucket: 'firmware', Key: 'private/a.bin' }), { expiresIn: 300 });
    assert.equal(await get(s, url), 403);

    // Each event is written once its request is answered: wait for the last.
    await eventually(async () => (await allEvents(s)).length >= 9, 'nine audit events');
    const events = await allEvents(s);
    // Events of one millisecond have no order among them: compared as a set.
    const names = events.map((e) => `${e.EventSource.split('.')[0]}:${e.EventName}:${e.Decision}`).sort();
    assert.deepEqual(names, [
      'iot:CreateThing:Allowed',
      'iam:CreateRole:Allowed',
      's3:CreateBucket:Allowed',
      's3:PutObject:Allowed',
      's3:PutBucketPolicy:Allowed',
      'sts:GetCallerIdentity:Allowed',
      's3:GetObject:ExplicitDeny',
      's3:PutObject:ImplicitDeny',
      's3:GetObject:ExplicitDeny',
    ].sort());
    assert.equal(new Set(events.map((e) => e.RequestID)).size, events.length, 'one event per request');
    const denied = events.find((e) => e.EventName === 'GetObject' && e.UserAgent !== undefined)!; // the SDK's (the presigned URL's has no user agent)
    assert.equal(denied.DecidedBy, 'bucket policy Statement[0] (Sid NoPrivate)');
    assert.equal(denied.ErrorCode, 'AccessDenied');
    assert.equal(denied.UserArn, `arn:aws:sts::${s.endpoints.accountId}:assumed-role/reader/alice`);
    assert.equal(denied.UserType, 'AssumedRole');
    assert.equal(denied.AccessKeyId, session.accessKeyId);
    assert.equal(denied.SourceIPAddress, '127.0.0.1');
    assert.match(denied.UserAgent ?? '', /aws-sdk-js/);
    assert.deepEqual(denied.Resources, [{ ResourceType: 'AWS::S3::Object', ResourceName: 'arn:aws:s3:::firmware/private/a.bin' }]);
    const implicit = events.find((e) => e.EventName === 'PutObject' && e.Decision !== 'Allowed')!;
    assert.equal(implicit.DecidedBy, undefined, 'no statement allows');
    const root = events.find((e) => e.EventName === 'CreateRole')!;
    assert.equal(root.UserType, 'Root');
    assert.equal(root.Username, 'root');

    // No secret, token or signature in the rows nor in the JSON lines file, raw or URL-encoded.
    await s.server.ctx.services.audit.flush();
    const signature = new URL(url).searchParams.get('X-Amz-Signature')!;
    const rows = JSON.stringify(await s.server.ctx.store.db.selectFrom('audit_events').selectAll().execute());
    const lines = readFileSync(auditFile, 'utf8');
    assert.equal(lines.trim().split('\n').length, events.length);
    for (const secret of [s.credentials.secretAccessKey, session.secretAccessKey, session.sessionToken, signature]) {
      for (const form of [secret, encodeURIComponent(secret)]) {
        assert.ok(!rows.includes(form), 'the audit rows hold no secret');
        assert.ok(!lines.includes(form), 'the audit file holds no secret');
      }
    }

    // ferry audit reads it.
    const out = await cli(['audit', '--denied', '--json', '--data-dir', s.dataDir]);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(out.json<AuditEvent[]>().map((e) => e.EventName).sort(), ['GetObject', 'GetObject', 'PutObject']);
    const byAction = await cli(['audit', '--action', 'CreateRole', '--data-dir', s.dataDir]);
    assert.equal(byAction.code, 0, byAction.stderr);
    assert.match(byAction.stdout, /CreateRole\s+allowed/);
    const byUser = await cli(['audit', '--user', 'reader/alice', '--json', '--data-dir', s.dataDir]);
    assert.equal(byUser.json<AuditEvent[]>().length, 4);
  });

  test(`audit events past their retention are purged in batches, the clock moved (${engine})`, { skip }, async (t) => {
    const s = await startTestServer({ engine, auditRetentionMs: 30 * DAY });
    t.after(() => s.close());
    const audit = s.server.ctx.services.audit;
    const old = Array.from({ length: 1_201 }, (_, i) => i);
    for (const i of old) {
      await audit.record({ EventSource: 'iot.amazonaws.com', EventName: `Old${i}`, ReadOnly: false, UserType: 'Root', UserArn: 'arn:aws:iam::000000000000:root', RequestID: `r${i}`, Resources: [], Decision: 'Allowed', Status: 200 });
    }
    s.clock.advance(20 * DAY);
    await audit.record({ EventSource: 'iot.amazonaws.com', EventName: 'Recent', ReadOnly: false, UserType: 'Root', UserArn: 'arn:aws:iam::000000000000:root', RequestID: 'recent', Resources: [], Decision: 'Allowed', Status: 200 });
    assert.equal(await audit.purgeOnce(), 0, 'nothing is past 30 days yet');
    s.clock.advance(11 * DAY);
    assert.equal(await audit.purgeOnce(), 1_201);
    const left = await allEvents(s);
    assert.deepEqual(left.map((e) => e.EventName), ['Recent']);
    const since = await s.server.ctx.services.audit.lookup({ sinceMs: s.clock.now() - DAY });
    assert.equal(since.events.length, 0);
  });
}
