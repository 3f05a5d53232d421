/**
 * Console sign-in and sessions in Chromium: IAM user name and password (a wrong password beside
 * the right one, a reset password changed first through IAM's ChangePassword under the account's
 * password policy, the change ending the user's other sessions), sessions kept in the database
 * across a restart, and the session's own credential behind the presigned MQTT WebSocket URL.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreateLoginProfileCommand, CreateUserCommand, UpdateAccessKeyCommand, UpdateAccountPasswordPolicyCommand } from '@aws-sdk/client-iam';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { connectWebSocket, upgradeOutcome } from '../mqtt/websocket-helpers.js';
import { end } from '../mqtt/helpers.js';
import { launchChromium, newContext, assertAccessible } from './browser.js';

function consoleFetch(ts: TestServer, path: string, init: { method?: string; cookie?: string; body?: unknown } = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    const headers = { ...(init.cookie ? { cookie: init.cookie } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) };
    const request = https.request(new URL(path, ts.endpoints.endpoints.console), { method: init.method ?? (body === undefined ? 'GET' : 'POST'), agent: ts.agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}


async function passwordSignIn(page: Page, base: string, userName: string, password: string): Promise<void> {
  await page.goto(base);
  await page.getByLabel('IAM user name and password').check();
  await page.getByLabel('User name', { exact: true }).fill(userName);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const cookieHeader = async (context: BrowserContext) => {
  const [cookie] = await context.cookies();
  return `${cookie!.name}=${cookie!.value}`;
};

describe('console: password sign-in and sessions in Chromium', () => {
  let ts: TestServer;
  let browser: Browser;
  let base: string;

  before(async () => {
    ts = await startTestServer();
    browser = await launchChromium();
    base = ts.endpoints.endpoints.console;
    const iam = ts.iam();
    await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 12, RequireNumbers: true, AllowUsersToChangePassword: true }));
    for (const [user, reset] of [['operator', false], ['newcomer', true]] as const) {
      await iam.send(new CreateUserCommand({ UserName: user }));
      await iam.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
      await iam.send(new CreateLoginProfileCommand({ UserName: user, Password: `first-password-${user}-1`, PasswordResetRequired: reset }));
    }
  });
  after(async () => {
    await browser?.close();
    await ts?.close();
  });

  test('a wrong password is refused and the right one accepted; the session is the IAM user', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(base);
    await page.getByLabel('IAM user name and password').check();
    await assertAccessible(page, 'the password sign-in page');
    await passwordSignIn(page, base, 'operator', 'first-password-operator-2');
    await page.getByRole('alert').filter({ hasText: 'InvalidSignIn' }).waitFor();
    assert.deepEqual(await context.cookies(), []);
    await passwordSignIn(page, base, 'operator', 'first-password-operator-1');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.getByText(`arn:aws:iam::${ts.endpoints.accountId}:user/operator`).waitFor();
    const cookie = (await context.cookies())[0]!;
    assert.equal(cookie.name, '__Host-ferry_session');
    assert.deepEqual([cookie.httpOnly, cookie.secure, cookie.sameSite, cookie.path], [true, true, 'Strict', '/']);
    await context.close();
  });

  test('a reset password must be changed first (the password policy applies); the change ends the user\'s other sessions', async () => {
    const other = await newContext(browser);
    const otherPage = await other.newPage();
    await passwordSignIn(otherPage, base, 'newcomer', 'first-password-newcomer-1');
    await otherPage.getByRole('heading', { level: 1, name: 'Change your password' }).waitFor();
    const otherCookie = await cookieHeader(other);

    const context = await newContext(browser);
    const page = await context.newPage();
    await passwordSignIn(page, base, 'newcomer', 'first-password-newcomer-1');
    await page.getByRole('heading', { level: 1, name: 'Change your password' }).waitFor();
    await assertAccessible(page, 'the change-password page');
    // Nothing else before the change: the console's operations are refused.
    const cookie = await cookieHeader(context);
    const early = await consoleFetch(ts, 'api/iot', { cookie, body: { method: 'GET', path: '/things', query: {} } });
    assert.equal(early.status, 403);
    assert.equal((early.json.error as { code: string }).code, 'PasswordResetRequired');
    assert.equal((await consoleFetch(ts, 'api/mqtt-url', { cookie, body: {} })).status, 403);

    await page.getByLabel('Current password').fill('first-password-newcomer-1');
    await page.getByLabel('New password', { exact: true }).fill('short1');
    await page.getByLabel('Confirm new password').fill('short1');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').filter({ hasText: 'PasswordPolicyViolation' }).waitFor();
    await page.getByLabel('New password', { exact: true }).fill('a-much-longer-password-2');
    await page.getByLabel('Confirm new password').fill('a-much-longer-password-2');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    assert.equal((await consoleFetch(ts, 'api/iot', { cookie, body: { method: 'GET', path: '/things', query: {} } })).status, 200);
    assert.equal((await consoleFetch(ts, 'api/session', { cookie: otherCookie })).status, 401, 'the other session ended');

    // The old password no longer signs in; the new one does, without a forced change.
    const third = await newContext(browser);
    const thirdPage = await third.newPage();
    await passwordSignIn(thirdPage, base, 'newcomer', 'first-password-newcomer-1');
    await thirdPage.getByRole('alert').filter({ hasText: 'InvalidSignIn' }).waitFor();
    await passwordSignIn(thirdPage, base, 'newcomer', 'a-much-longer-password-2');
    await thirdPage.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    for (const c of [context, other, third]) await c.close();
  });

  test('the presigned MQTT WebSocket URL connects as the signed-in identity and stops working at sign-out', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await passwordSignIn(page, base, 'operator', 'first-password-operator-1');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const cookie = await cookieHeader(context);
    const answer = await consoleFetch(ts, 'api/mqtt-url', { cookie, body: {} });
    assert.equal(answer.status, 200);
    const url = answer.json.url as string;
    assert.match(url, /^wss:\/\/[^/]+\/mqtt\?.*X-Amz-Credential=ASIA.*X-Amz-Security-Token=/);
    assert.equal(new URL(url).host, new URL(base).host, 'on the api listener the console is served from');
    const { client } = await connectWebSocket(ts, url, 'console-mqtt-1');
    await end(client);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const refused = await upgradeOutcome(ts, url);
    assert.equal(refused.status, 403);
    await context.close();
  });
});

test('console: a session survives a server restart on the same data dir, and its key\'s deactivation ends it', async () => {
  const dataDir = tempDir();
  let ts = await startTestServer({ dataDir, keepDataDir: true });
  const browser = await launchChromium();
  try {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(ts.endpoints.endpoints.console);
    await page.getByLabel('Access key id').fill(ts.credentials.accessKeyId);
    await page.getByLabel('Secret access key').fill(ts.credentials.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const cookie = await cookieHeader(context);
    await context.close();
    await ts.stop();
    ts = await startTestServer({ dataDir });
    // The browser keeps its cookie; the new process knows the session from the database.
    const again = await consoleFetch(ts, 'api/session', { cookie });
    assert.equal(again.status, 200);
    assert.equal(again.json.arn, `arn:aws:iam::${ts.endpoints.accountId}:root`);
    assert.equal((await consoleFetch(ts, 'api/iot', { cookie, body: { method: 'GET', path: '/things', query: {} } })).status, 200);

    // A user's key signs in; deactivating it ends the session and revokes the session's credential.
    const iam = ts.iam();
    await iam.send(new CreateUserCommand({ UserName: 'keyed' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'keyed' }))).AccessKey!;
    const signIn = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
      const request = https.request(new URL('api/session', ts.endpoints.endpoints.console), { method: 'POST', agent: ts.agent, headers: { 'content-type': 'application/json' } }, (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0, cookie: String(response.headers['set-cookie']?.[0] ?? '').split(';')[0]! });
      });
      request.on('error', reject);
      request.end(JSON.stringify({ accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey }));
    });
    assert.equal(signIn.status, 200);
    const url = (await consoleFetch(ts, 'api/mqtt-url', { cookie: signIn.cookie, body: {} })).json.url as string;
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'keyed', AccessKeyId: key.AccessKeyId!, Status: 'Inactive' }));
    assert.equal((await upgradeOutcome(ts, url)).status, 403, 'the session credential is refused once the key is inactive');
    assert.equal((await consoleFetch(ts, 'api/session', { cookie: signIn.cookie })).status, 401);
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'keyed', AccessKeyId: key.AccessKeyId!, Status: 'Active' }));
    assert.equal((await consoleFetch(ts, 'api/session', { cookie: signIn.cookie })).status, 401, 'the session stays ended');
  } finally {
    await browser.close();
    await ts.close();
  }
});
