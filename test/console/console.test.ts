import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import https from 'node:https';
import { CreateJobCommand, AttachThingPrincipalCommand, CreateThingCommand, CreateThingGroupCommand, AddThingToThingGroupCommand, AttachPolicyCommand, TestAuthorizationCommand, DescribeThingCommand, type IoTClient } from '@aws-sdk/client-iot';
import { CreateAccessKeyCommand, CreateUserCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { closed, connect, createPolicy, provisionThing, storyPolicy } from '../mqtt/helpers.js';
import { launchChromium, newContext, recordRequests, assertAccessible, DOCS } from './browser.js';


describe('console: in Chromium against a fresh server', () => {
  let ts: TestServer;
  let iot: IoTClient;
  let browser: Browser;
  let base: string;
  let origin: string;

  before(async () => {
    ts = await startTestServer();
    iot = ts.iot();
    browser = await launchChromium();
    base = ts.endpoints.endpoints.console;
    origin = new URL(base).origin;
  });
  after(async () => {
    await browser?.close();
    await ts?.close();
  });

  async function signedIn(opts: { width?: number } = {}): Promise<{ context: BrowserContext; page: Page; requests: string[] }> {
    const context = await newContext(browser, opts);
    const page = await context.newPage();
    const requests = recordRequests(page);
    await page.goto(base);
    await page.getByLabel('Access key id').fill(ts.credentials.accessKeyId);
    await page.getByLabel('Secret access key').fill(ts.credentials.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    return { context, page, requests };
  }


  /** A request to the console API outside the browser (trusting the server's CA). */
  function consoleFetch(path: string, init: { method?: string; cookie?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; json(): unknown }> {
    return new Promise((resolve, reject) => {
      const request = https.request(new URL(path, base), { method: init.method ?? 'GET', agent: ts.agent, headers: { ...(init.cookie ? { cookie: init.cookie } : {}), ...init.headers } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, json: () => JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown }));
      });
      request.on('error', reject);
      request.end(init.body);
    });
  }

  test('a wrong secret is refused and the right one accepted; the session cookie is __Host-, HttpOnly, Secure, SameSite=Strict', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const requests = recordRequests(page);
    await page.goto(base);
    await assertAccessible(page, 'the sign-in page');
    await page.getByLabel('Access key id').fill(ts.credentials.accessKeyId);
    await page.getByLabel('Secret access key').fill(`${ts.credentials.secretAccessKey}x`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'InvalidClientTokenId' }).waitFor();
    assert.deepEqual(await context.cookies(), []);
    await page.getByLabel('Secret access key').fill(ts.credentials.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const cookies = await context.cookies();
    assert.equal(cookies.length, 1);
    const cookie = cookies[0]!;
    assert.equal(cookie.name, '__Host-ferry_session');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
    assert.ok(cookie.value.length >= 40);
    // Nothing secret in the page's storage.
    const stored = await page.evaluate<string>('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie');
    assert.ok(!stored.includes(ts.credentials.secretAccessKey));
    assert.equal(await page.evaluate<string>('document.cookie'), '', 'the session cookie is not readable by scripts');
    assert.deepEqual(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:')), []);
    await context.close();
  });

  test('sign-out ends the session on the server: the old cookie no longer works', async () => {
    const { context, page } = await signedIn();
    const [cookie] = await context.cookies();
    const header = `${cookie!.name}=${cookie!.value}`;
    const before = await consoleFetch('api/session', { cookie: header });
    assert.equal(before.status, 200);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const afterwards = await consoleFetch('api/session', { cookie: header });
    assert.equal(afterwards.status, 401);
    await context.close();
  });

  test('sign out everywhere ends the other sessions of the key', async () => {
    const one = await signedIn();
    const two = await signedIn();
    await two.page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await two.page.getByRole('button', { name: 'Sign in' }).waitFor();
    await one.page.reload();
    await one.page.getByRole('button', { name: 'Sign in' }).waitFor();
    await one.context.close();
    await two.context.close();

  });

  test('a cross-site POST is refused and changes nothing; the same request from the console succeeds', async () => {
    const { context, page } = await signedIn();
    const [cookie] = await context.cookies();
    const header = `${cookie!.name}=${cookie!.value}`;
    const call = (name: string) => JSON.stringify({ method: 'POST', path: `/things/${name}`, body: {} });
    const crossSite = await consoleFetch('api/iot', { method: 'POST', cookie: header, headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, body: call('forged') });
    assert.equal(crossSite.status, 403);
    assert.equal((crossSite.json() as { error: { code: string } }).error.code, 'CrossSiteRequestRefused');
    const otherOrigin = await consoleFetch('api/iot', { method: 'POST', cookie: header, headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: call('forged') });
    assert.equal(otherOrigin.status, 403);
    const formPost = await consoleFetch('api/iot', { method: 'POST', cookie: header, headers: { 'content-type': 'text/plain', 'sec-fetch-site': 'same-origin' }, body: call('forged') });
    assert.equal(formPost.status, 403);
    // From another origin in the browser (the s3 listener: same site, other origin), with the cookie sent.
    await page.goto(`${ts.endpoints.endpoints.s3}/`);
    await page.evaluate(
      async ({ url, body }) => {
        await fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body }).catch(() => undefined);
      },
      { url: new URL('api/iot', base).href, body: call('forged') },
    );
    await assert.rejects(iot.send(new DescribeThingCommand({ thingName: 'forged' })), { name: 'ResourceNotFoundException' });
    const sameOrigin = await consoleFetch('api/iot', { method: 'POST', cookie: header, headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' }, body: call('made_here') });
    assert.equal(sameOrigin.status, 200);
    assert.equal((await iot.send(new DescribeThingCommand({ thingName: 'made_here' }))).thingName, 'made_here');
    await context.close();
  });

  test('things created through the API appear, with search; a certificate revoked in the console closes the device live connection', async () => {
    await createPolicy(iot, 'story', storyPolicy(ts));
    await iot.send(new CreateThingCommand({ thingName: 'pump_7', attributePayload: { attributes: { site: 'harbour' } } }));
    const device = await provisionThing(iot, 'miso_things_1', 'story', { ec: true });
    const group = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'ferries' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'ferries', thingName: 'miso_things_1' }));
    await createPolicy(iot, 'fleet_read', storyPolicy(ts));
    await iot.send(new AttachPolicyCommand({ policyName: 'fleet_read', target: group.thingGroupArn }));
    const thingArn = (await iot.send(new DescribeThingCommand({ thingName: 'miso_things_1' }))).thingArn!;
    await iot.send(new CreateJobCommand({ jobId: 'firmware-1', targets: [thingArn], document: JSON.stringify({ operation: 'noop' }) }));
    const client = await connect(ts, device, 'miso_things_1');
    const gone = closed(client);

    const { context, page, requests } = await signedIn();
    await page.screenshot({ path: join(DOCS, 'console-overview.png') });
    await assertAccessible(page, 'the overview');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Things', exact: true }).click();
    await page.getByRole('link', { name: 'pump_7' }).waitFor();
    await page.getByRole('link', { name: 'miso_things_1' }).waitFor();
    await page.getByLabel('Search things by name or attribute value').fill('harb');
    await page.getByRole('link', { name: 'miso_things_1' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'pump_7' }).waitFor();
    await page.getByLabel('Search things by name or attribute value').fill('');
    await page.screenshot({ path: join(DOCS, 'console-things.png') });
    await assertAccessible(page, 'the things list');

    await page.getByRole('link', { name: 'miso_things_1' }).click();
    await page.getByRole('heading', { level: 1, name: 'Thing miso_things_1' }).waitFor();
    await page.getByRole('link', { name: 'story' }).first().waitFor();
    await page.getByRole('row').filter({ hasText: 'ferries' }).getByRole('link', { name: 'fleet_read' }).waitFor();
    await page.screenshot({ path: join(DOCS, 'console-thing.png'), fullPage: true });
    await assertAccessible(page, 'a thing page');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: `Revoke certificate ${device.certificateId.slice(0, 12)}` }).click();
    await gone;
    await page.getByRole('cell', { name: 'REVOKED' }).waitFor();
    // The thing's recent events come from the server's event history: its connection and its job's execution.
    const events = page.getByRole('table', { name: /latest 20 events of this thing/ });
    await events.getByRole('cell', { name: 'connected', exact: true }).waitFor();
    await events.getByRole('row').filter({ hasText: 'execution.QUEUED' }).getByRole('link', { name: 'firmware-1' }).waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Thing groups' }).click();
    await page.getByRole('link', { name: 'ferries' }).click();
    await page.getByRole('link', { name: 'miso_things_1' }).waitFor();
    await assertAccessible(page, 'a thing group page');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('link', { name: 'firmware-1' }).click();
    await page.getByRole('heading', { level: 1, name: 'Job firmware-1' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'miso_things_1' }).filter({ hasText: 'QUEUED' }).waitFor();
    await assertAccessible(page, 'a job page');
    assert.deepEqual(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:')), []);
    await context.close();
  });

  test('a policy with a syntax error shows its position; the test panel agrees with TestAuthorization', async () => {
    const device = await provisionThing(iot, 'miso_things_2', 'story', { ec: true });
    await iot.send(new AttachThingPrincipalCommand({ thingName: 'miso_things_2', principal: device.certificateArn }));
    const { context, page, requests } = await signedIn({ width: 390 });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security' }).click();
    await page.getByRole('link', { name: 'story' }).click();
    await page.getByRole('heading', { level: 1, name: 'IoT policy story' }).waitFor();
    const editor = page.getByLabel('Policy document (JSON)');
    await editor.fill('{\n  "Version": "2012-10-17",\n  "Statement": [ { "Effect": "Allow" } \n');
    await page.getByText(/^line 4, column 1: /).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save as new default version' }).isDisabled(), true);
    await editor.fill('{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": "iot:Connect" "Resource": "*" } ] }');
    const problem = await page.locator('#policy-problem').textContent();
    assert.match(problem ?? '', /^line 1, column \d+: /);
    await page.screenshot({ path: join(DOCS, 'console-policy.png'), fullPage: true });

    const { region, accountId } = ts.endpoints;
    const cases = [
      { clientId: 'miso_things_2', action: 'CONNECT', resource: `arn:aws:iot:${region}:${accountId}:client/miso_things_2` },
      { clientId: 'other', action: 'PUBLISH', resource: `arn:aws:iot:${region}:${accountId}:topic/elsewhere` },
    ];
    for (const c of cases) {
      const expected = await iot.send(new TestAuthorizationCommand({ principal: device.certificateArn, clientId: c.clientId, policyNamesToAdd: ['story'], authInfos: [{ actionType: c.action as 'CONNECT', resources: [c.resource] }] }));
      await page.getByLabel('Principal (certificate ARN or id)').fill(device.certificateArn);
      await page.getByLabel('Client id (optional)').fill(c.clientId);
      await page.getByLabel('Action').selectOption(c.action);
      await page.getByLabel('Resource ARN').fill(c.resource);
      await page.getByRole('button', { name: 'Test', exact: true }).click();
      const decision = expected.authResults?.[0]?.authDecision;
      assert.ok(decision);
      await page.locator('#test-decision').filter({ hasText: decision }).waitFor();
    }
    await assertAccessible(page, 'a policy page at phone width');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security' }).click();
    await page.getByRole('heading', { level: 1, name: 'Security' }).waitFor();
    await page.getByRole('cell', { name: 'ACTIVE' }).first().waitFor();
    await page.screenshot({ path: join(DOCS, 'console-security.png'), fullPage: true });
    await assertAccessible(page, 'the security page at phone width');
    assert.deepEqual(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:')), []);
    await context.close();
  });

  test('an IAM user signs in with an access key, sees a denial in the AWS error name for what it may not do, and deactivating the key ends the session', async () => {
    const iam = ts.iam();
    await iam.send(new CreateUserCommand({ UserName: 'viewer' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'viewer' }))).AccessKey!;
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(base);
    await page.getByLabel('Access key id').fill(key.AccessKeyId!);
    await page.getByLabel('Secret access key').fill(key.SecretAccessKey!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.getByText(`arn:aws:iam::${ts.endpoints.accountId}:user/viewer`, { exact: true }).waitFor();
    await page.getByRole('alert').filter({ hasText: 'AccessDeniedException' }).waitFor();
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'viewer', AccessKeyId: key.AccessKeyId!, Status: 'Inactive' }));
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await context.close();
  });

  // Last: it moves the server's clock past what the SDK clients' signatures allow.
  test('a session unused for the idle timeout ends (clock moved, not slept)', async () => {
    const three = await signedIn();
    ts.clock.advance(29 * 60_000);
    await three.page.reload();
    await three.page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    ts.clock.advance(31 * 60_000);
    await three.page.reload();
    await three.page.getByRole('button', { name: 'Sign in' }).waitFor();
    await three.context.close();
  });

  test('failed sign-ins are limited: after five, even the right secret waits until the window passes', async () => {
    const attempt = (secretAccessKey: string) =>
      consoleFetch('api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessKeyId: ts.credentials.accessKeyId, secretAccessKey }) });
    for (let i = 0; i < 5; i++) assert.equal((await attempt('wrong')).status, 401);
    assert.equal((await attempt(ts.credentials.secretAccessKey)).status, 429);
    ts.clock.advance(15 * 60_000);
    assert.equal((await attempt(ts.credentials.secretAccessKey)).status, 200);
  });
});

mkdirSync(DOCS, { recursive: true });
