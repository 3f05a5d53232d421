import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import https from 'node:https';
import { CreateBucketCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateAccessKeyCommand, CreateUserCommand, GetRoleCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateJobCommand, CreateThingCommand, DescribeJobCommand, type IoTClient } from '@aws-sdk/client-iot';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { consoleUploads } from '../../src/api/console/objects.js';
import type { UploadProgress } from '../../src/api/console/uploads.js';
import { launchChromium, newContext, recordRequests, assertAccessible, DOCS } from './browser.js';

mkdirSync(DOCS, { recursive: true });

const MiB = 1024 * 1024;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A file on disk for the browser to read itself (a 20 MiB buffer sent through the DevTools protocol is slow on a loaded machine). */
const FILES = tempDir();
function fileOf(name: string, body: Buffer): string {
  const path = join(FILES, name);
  writeFileSync(path, body);
  return path;
}

async function bytesOf(s3: S3Client, Bucket: string, Key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

describe('console pages: buckets, IAM, CA certificates and role aliases, in Chromium', () => {
  let ts: TestServer;
  let iot: IoTClient;
  let s3: S3Client;
  let browser: Browser;
  let base: string;
  let origin: string;

  before(async () => {
    ts = await startTestServer();
    iot = ts.iot();
    s3 = ts.s3();
    browser = await launchChromium();
    base = ts.endpoints.endpoints.console;
    origin = new URL(base).origin;
    await s3.send(new CreateBucketCommand({ Bucket: 'firmware' }));
  });
  after(async () => {
    await browser?.close();
    await ts?.close();
    rmSync(FILES, { recursive: true, force: true });
  });

  async function signedIn(key = ts.credentials, opts: { width?: number } = {}): Promise<{ context: BrowserContext; page: Page; requests: string[] }> {
    const context = await newContext(browser, opts);
    const page = await context.newPage();
    const requests = recordRequests(page);
    await page.goto(base);
    await page.getByLabel('Access key id').fill(key.accessKeyId);
    await page.getByLabel('Secret access key').fill(key.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    return { context, page, requests };
  }


  const sameOrigin = (requests: string[]) => assert.deepEqual(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')), []);
  const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();

  /** Resolves with the server's count once an upload has received at least `bytes`. */
  function serverReceived(bytes: number): { reached: Promise<UploadProgress>; seen: UploadProgress[]; stop(): void } {
    const uploads = consoleUploads(ts.server.ctx);
    const seen: UploadProgress[] = [];
    let resolve!: (p: UploadProgress) => void;
    const reached = new Promise<UploadProgress>((r) => (resolve = r));
    uploads.onProgress = (p) => {
      seen.push(p);
      if (p.received >= bytes) resolve(p);
    };
    return { reached, seen, stop: () => (uploads.onProgress = undefined) };
  }

  test('a 20 MiB upload shows the progress the server has received, its bytes match, and it downloads, links and deletes', async () => {
    const body = randomBytes(20 * MiB);
    const { context, page, requests } = await signedIn();
    await nav(page, 'Buckets');
    await page.getByRole('link', { name: 'firmware' }).click();
    await page.getByRole('heading', { level: 1, name: 'Bucket firmware' }).waitFor();
    await page.getByText('Nothing here yet').waitFor();
    await assertAccessible(page, 'an empty bucket');

    // Reading stops on the server at 12 MiB, so the page is seen mid-upload (no sleeping, no timing).
    const uploads = consoleUploads(ts.server.ctx);
    const hold = uploads.holdAt(12 * MiB);
    const watch = serverReceived(12 * MiB);
    await page.getByLabel('File', { exact: true }).setInputFiles(fileOf('miso-1.0.0.bin', body));
    await page.getByLabel('Object name (default: the file\'s name)').fill('releases/miso-1.0.0.bin');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const held = await watch.reached;
    assert.ok(held.received >= 12 * MiB && held.received < body.length, `the server holds mid-body (${held.received})`);
    assert.equal(held.stored, 8 * MiB, 'the first 8 MiB part is in the object store');
    // The page shows exactly the server's count while it holds.
    const status = page.locator('#upload-status');
    await page.locator(`#upload-status[data-received="${held.received}"]`).waitFor();
    assert.equal(await status.getAttribute('data-state'), 'receiving');
    assert.match((await status.textContent()) ?? '', /of 20\.0 MiB received by the server/);
    assert.equal(await page.locator('#upload-progress').getAttribute('value'), String(held.received));
    await page.screenshot({ path: join(DOCS, 'console-buckets.png'), fullPage: true });
    hold.release();
    await page.locator('#upload-status[data-state="completed"]').waitFor();
    watch.stop();
    assert.equal(await status.getAttribute('data-received'), String(body.length));
    // The server's counts only grew, reached the whole body, and the page never showed more than the server had.
    const counts = watch.seen.map((p) => p.received);
    assert.deepEqual([...counts].sort((a, b) => a - b), counts);
    assert.equal(counts.at(-1), body.length);
    assert.equal(sha(await bytesOf(s3, 'firmware', 'releases/miso-1.0.0.bin')), sha(body));

    // Browse into the prefix; download; a presigned link; delete.
    await page.getByRole('link', { name: 'releases/' }).click();
    await page.getByRole('cell', { name: 'miso-1.0.0.bin', exact: true }).waitFor();
    await assertAccessible(page, 'a prefix of a bucket');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download releases/miso-1.0.0.bin' }).click()]);
    assert.equal(sha(readFileSync((await download.path())!)), sha(body));
    await page.getByText('Link', { exact: true }).click();
    await page.getByLabel('Link lifetime').selectOption({ label: '1 day' });
    await page.getByRole('button', { name: 'Copy a presigned link to releases/miso-1.0.0.bin' }).click();
    const url = await page.getByLabel(/^Presigned link/).inputValue();
    assert.ok(url.startsWith(ts.endpoints.endpoints.s3), url);
    assert.match(url, /X-Amz-Expires=86400/);
    const fetched = await new Promise<Buffer>((resolve, reject) => {
      https.get(url, { agent: ts.agent }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => (r.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`link answered ${r.statusCode}`))));
      }).on('error', reject);
    });
    assert.equal(sha(fetched), sha(body));
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete releases/miso-1.0.0.bin' }).click();
    await page.getByText('Nothing here yet').waitFor();
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: 'firmware', Prefix: 'releases/' }))).KeyCount, 0);
    await nav(page, 'Buckets');
    await page.getByRole('link', { name: 'firmware' }).waitFor();
    await assertAccessible(page, 'the buckets list');
    sameOrigin(requests);
    await context.close();
  });

  test('a cancelled upload leaves no object and no multipart upload', async () => {
    const body = randomBytes(20 * MiB);
    const { context, page, requests } = await signedIn();
    await page.goto(`${base}#/buckets/firmware`);
    await page.getByRole('heading', { level: 1, name: 'Bucket firmware' }).waitFor();
    const hold = consoleUploads(ts.server.ctx).holdAt(12 * MiB);
    const watch = serverReceived(12 * MiB);
    await page.getByLabel('File', { exact: true }).setInputFiles(fileOf('cancelled.bin', body));
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const held = await watch.reached;
    assert.equal(held.stored, 8 * MiB, 'a multipart upload is under way, one part stored');
    assert.equal((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'firmware' }))).Uploads?.length, 1);
    await page.getByRole('button', { name: 'Cancel upload' }).click();
    await page.locator('#upload-status[data-state="cancelled"]').waitFor();
    watch.stop();
    hold.release();
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: 'firmware', Prefix: 'cancelled' }))).KeyCount, 0);
    assert.equal((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'firmware' }))).Uploads?.length ?? 0, 0);
    // The form is usable again: a small file goes up as one PutObject.
    await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'small.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.locator('#upload-status[data-state="completed"]').waitFor();
    assert.equal((await bytesOf(s3, 'firmware', 'small.txt')).toString(), 'hello');
    sameOrigin(requests);
    await context.close();
  });

  test('an upload route request from another site, or without the console header, is refused and stores nothing', async () => {
    const { context } = await signedIn();
    const [cookie] = await context.cookies();
    const put = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const r = https.request(new URL('api/s3/upload?bucket=firmware&key=forged.bin&id=forged-upload-1', base), { method: 'PUT', agent: ts.agent, headers: { cookie: `${cookie!.name}=${cookie!.value}`, 'content-type': 'application/octet-stream', ...headers } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        r.on('error', reject);
        r.end('forged');
      });
    assert.equal(await put({ 'sec-fetch-site': 'cross-site', 'x-ferry-console-upload': '1' }), 403);
    assert.equal(await put({ 'sec-fetch-site': 'same-origin' }), 403);
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: 'firmware', Prefix: 'forged' }))).KeyCount, 0);
    assert.equal(await put({ 'sec-fetch-site': 'same-origin', 'x-ferry-console-upload': '1' }), 200);
    assert.equal((await bytesOf(s3, 'firmware', 'forged.bin')).toString(), 'forged');
    await context.close();
  });

  test('an upload is authorized as s3:PutObject for the signed-in user: refused without it (nothing stored), and audited either way', async () => {
    const iam = ts.iam();
    await iam.send(new CreateUserCommand({ UserName: 'looker' }));
    const read = { Effect: 'Allow', Action: ['s3:ListAllMyBuckets', 's3:ListBucket', 's3:GetObject'], Resource: '*' };
    await iam.send(new PutUserPolicyCommand({ UserName: 'looker', PolicyName: 'read', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [read] }) }));
    const made = (await iam.send(new CreateAccessKeyCommand({ UserName: 'looker' }))).AccessKey!;
    const { context, page, requests } = await signedIn({ accessKeyId: made.AccessKeyId!, secretAccessKey: made.SecretAccessKey! });
    await page.goto(`${base}#/buckets/firmware`);
    await page.getByRole('heading', { level: 1, name: 'Bucket firmware' }).waitFor();
    await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'denied.txt', mimeType: 'text/plain', buffer: Buffer.from('not allowed') });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'AccessDenied' }).waitFor();
    await assert.rejects(bytesOf(s3, 'firmware', 'denied.txt'), { name: 'NoSuchKey' });
    // The same user, once allowed, uploads: the route adds no permission of its own and takes none away.
    const write = { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::firmware/*' };
    await iam.send(new PutUserPolicyCommand({ UserName: 'looker', PolicyName: 'read', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [read, write] }) }));
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.locator('#upload-status[data-state="completed"]').waitFor();
    assert.equal((await bytesOf(s3, 'firmware', 'denied.txt')).toString(), 'not allowed');
    const events = (await ts.server.ctx.services.audit.lookup({ user: 'looker', eventName: 'PutObject' })).events;
    assert.deepEqual(events.map((e) => e.Decision).sort(), ['Allowed', 'ImplicitDeny']);
    // Signed with the console session's own short-lived credential (ASIA…), never the user's long-term key, as CloudTrail shows console sessions.
    assert.ok(events.every((e) => /^ASIA/.test(e.AccessKeyId ?? '') && e.AccessKeyId !== made.AccessKeyId && e.EventSource.startsWith('s3')), JSON.stringify(events));
    sameOrigin(requests);
    await context.close();
  });

  test('a user without iam:CreateRole sees the denial and nothing is created; root makes the downloads role in one step and CreateJob accepts it', async () => {
    const iam = ts.iam();
    await iam.send(new CreateUserCommand({ UserName: 'reader' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'reader', PolicyName: 'read-iam', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' }] }) }));
    const made = (await iam.send(new CreateAccessKeyCommand({ UserName: 'reader' }))).AccessKey!;
    const reader = await signedIn({ accessKeyId: made.AccessKeyId!, secretAccessKey: made.SecretAccessKey! });
    await nav(reader.page, 'IAM');
    await reader.page.getByRole('heading', { level: 1, name: 'IAM' }).waitFor();
    await reader.page.getByText('No role yet').waitFor();
    await reader.page.getByLabel('Bucket', { exact: true }).fill('firmware');
    await reader.page.getByLabel('Prefix (empty: the whole bucket)').fill('releases/');
    await reader.page.getByRole('button', { name: 'Create the downloads role' }).click();
    const alert = reader.page.getByRole('alert').filter({ hasText: 'AccessDenied' });
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /iam:CreateRole/);
    await reader.page.getByText('Ask an administrator for this permission').waitFor();
    await assert.rejects(iam.send(new GetRoleCommand({ RoleName: 'ferry-job-downloads' })), { name: 'NoSuchEntityException' });
    await assertAccessible(reader.page, 'a denial on the IAM page');
    sameOrigin(reader.requests);
    await reader.context.close();

    const { context, page, requests } = await signedIn();
    await nav(page, 'IAM');
    await page.getByLabel('Bucket', { exact: true }).fill('firmware');
    await page.getByLabel('Prefix (empty: the whole bucket)').fill('releases/');
    await page.getByRole('button', { name: 'Create the downloads role' }).click();
    await page.getByRole('heading', { level: 1, name: 'Role ferry-job-downloads' }).waitFor();
    const roleArn = (await page.locator('#role-arn').textContent())!;
    assert.equal(roleArn, `arn:aws:iam::${ts.endpoints.accountId}:role/ferry-job-downloads`);
    await page.locator('summary').filter({ hasText: /^read-downloads$/ }).click();
    await page.getByLabel('Inline policy read-downloads (JSON)').waitFor();
    await page.screenshot({ path: join(DOCS, 'console-iam.png'), fullPage: true });
    await assertAccessible(page, 'a role page');
    const trust = JSON.parse(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: 'ferry-job-downloads' }))).Role!.AssumeRolePolicyDocument!)) as { Statement: Array<{ Principal: { Service: string } }> };
    assert.equal(trust.Statement[0]!.Principal.Service, 'iot.amazonaws.com');

    await iot.send(new CreateThingCommand({ thingName: 'miso_pages_1' }));
    const thingArn = `arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:thing/miso_pages_1`;
    const document = JSON.stringify({ operation: 'download', url: '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/firmware/releases/miso-2.bin}' });
    await iot.send(new CreateJobCommand({ jobId: 'pages-download', targets: [thingArn], document, presignedUrlConfig: { roleArn, expiresInSec: 600 } }));
    assert.equal((await iot.send(new DescribeJobCommand({ jobId: 'pages-download' }))).job?.presignedUrlConfig?.roleArn, roleArn);
    // Outside the role's prefix, CreateJob refuses: the policy is what the form said.
    const outside = JSON.stringify({ url: '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/firmware/other/x.bin}' });
    await assert.rejects(iot.send(new CreateJobCommand({ jobId: 'pages-outside', targets: [thingArn], document: outside, presignedUrlConfig: { roleArn } })), { name: 'InvalidRequestException' });
    sameOrigin(requests);
    await context.close();
  });

  test('users, access keys shown once, console passwords, groups, managed policies; CA certificates and role aliases; each page accessible', async () => {
    const { context, page, requests } = await signedIn();
    await page.goto(`${base}#/iam/users`);
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await page.getByLabel('User name').fill('operator');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('heading', { level: 1, name: 'User operator' }).waitFor();
    await page.getByRole('button', { name: 'Create access key' }).click();
    const keyId = (await page.locator('#new-key-id').textContent())!;
    const secret = (await page.locator('#new-key-secret').textContent())!;
    assert.match(keyId, /^[A-Z0-9]{16,}$/);
    const stored = await page.evaluate<string>('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })');
    assert.ok(!stored.includes(secret), 'the secret is not kept in browser storage');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await page.locator('#new-key-secret').waitFor({ state: 'detached' });
    await page.getByLabel('New console password').fill('Harbour-Ferry-2026!');
    await page.getByRole('button', { name: 'Create console password' }).click();
    await page.getByText('This user has a console password (to be changed at next sign-in).').waitFor();
    await assertAccessible(page, 'a user page');
    // The new key works with the AWS API (it was made by the real CreateAccessKey).
    const other = await signedIn({ accessKeyId: keyId, secretAccessKey: secret });
    await other.page.getByText(`arn:aws:iam::${ts.endpoints.accountId}:user/operator`, { exact: true }).waitFor();
    await other.context.close();

    await page.goto(`${base}#/iam/groups`);
    await page.getByLabel('Group name').fill('operators');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('link', { name: 'operators' }).waitFor();
    await assertAccessible(page, 'the groups page');
    await page.goto(`${base}#/iam/users/operator`);
    await page.getByLabel('Group name').fill('operators');
    await page.getByRole('button', { name: 'Add to group' }).click();
    await page.getByRole('link', { name: 'operators' }).click();
    await page.getByRole('heading', { level: 1, name: 'Group operators' }).waitFor();
    await page.getByRole('link', { name: 'operator', exact: true }).waitFor();
    await assertAccessible(page, 'a group page');

    await page.goto(`${base}#/iam/policies`);
    await page.getByLabel('Policy name').fill('read-firmware');
    await page.getByRole('button', { name: 'Create managed policy' }).click();
    await page.getByRole('cell', { name: 'read-firmware', exact: true }).waitFor();
    await assertAccessible(page, 'the managed policies page');

    await nav(page, 'Security');
    await page.getByRole('heading', { name: 'CA certificates' }).waitFor();
    await page.getByText('No CA registered').waitFor();
    await page.getByLabel('Role alias name').fill('downloads-alias');
    await page.getByLabel('Role', { exact: true }).selectOption({ label: 'ferry-job-downloads' });
    await page.getByRole('button', { name: 'Create role alias' }).click();
    await page.getByText('downloads-alias').waitFor();
    await page.getByText(`arn:aws:iam::${ts.endpoints.accountId}:role/ferry-job-downloads`).waitFor();
    await assertAccessible(page, 'the security page with CA certificates and role aliases');
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${base}#/iam`);
    await page.getByRole('link', { name: 'ferry-job-downloads' }).waitFor();
    await assertAccessible(page, 'the IAM page at phone width');
    sameOrigin(requests);
    await context.close();
  });
});
