/**
 * The console's MQTT test client and Activity page in Chromium: a device's message arrives on
 * a wildcard subscription (and its connection on `$aws/events/…`); an IAM user whose policy
 * denies iot:Subscribe on a filter sees that filter refused, naming the action, while an
 * allowed filter delivers; the Activity page lists that user's denied request. Both pages
 * pass axe, and no request leaves the server's origin.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { IoTClient } from '@aws-sdk/client-iot';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { closed, connect, createPolicy, end, openPolicy, provisionThing } from '../mqtt/helpers.js';
import { launchChromium, newContext, recordRequests, assertAccessible, DOCS } from './browser.js';


describe('console: MQTT test client and Activity', () => {
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
    await createPolicy(iot, 'open', openPolicy(ts));
  });
  after(async () => {
    await browser?.close();
    await ts?.close();
  });

  async function signIn(key: { accessKeyId: string; secretAccessKey: string }): Promise<{ page: Page; requests: string[] }> {
    const context = await newContext(browser);
    const page = await context.newPage();
    const requests = recordRequests(page);
    page.on('websocket', (ws) => requests.push(ws.url()));
    await page.goto(base);
    await page.getByLabel('Access key id').fill(key.accessKeyId);
    await page.getByLabel('Secret access key').fill(key.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    return { page, requests };
  }


  /** Pages and API over https, MQTT over wss, all to the console's own host. */
  const sameOrigin = (requests: string[], mqtt = true) => {
    const host = new URL(origin).host;
    assert.deepEqual(requests.filter((u) => new URL(u).host !== host || !['https:', 'wss:'].includes(new URL(u).protocol)), []);
    if (mqtt) assert.ok(requests.some((u) => u.startsWith(`wss://${host}/mqtt?`)), 'the MQTT client connected to this origin');
  };

  async function openClient(page: Page): Promise<void> {
    await page.getByRole('link', { name: 'MQTT test client' }).click();
    await page.getByRole('heading', { level: 1, name: 'MQTT test client' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
  }

  async function subscribe(page: Page, filter: string, qos: '0' | '1'): Promise<void> {
    await page.getByLabel('Topic filter').fill(filter);
    await page.locator('#mqtt-sub-qos').selectOption(qos);
    await page.getByRole('button', { name: 'Subscribe', exact: true }).click();
  }

  const row = (page: Page, filter: string) => page.getByRole('region', { name: 'Subscriptions' }).getByRole('row').filter({ has: page.locator('code', { hasText: new RegExp(`^${filter.replace(/[$+#/]/g, '\\$&')}$`) }) });
  const message = (page: Page, topic: string) => page.getByRole('region', { name: 'Messages received' }).getByRole('row').filter({ hasText: topic });

  test('root: a device\'s message arrives on a wildcard subscription, its connection on $aws/events; publishing works', async () => {
    const { page, requests } = await signIn(ts.credentials);
    await openClient(page);
    await subscribe(page, 'devices/+/telemetry', '1');
    await row(page, 'devices/+/telemetry').filter({ hasText: 'Granted QoS 1' }).waitFor();
    await subscribe(page, '$aws/events/presence/connected/+', '0');
    await row(page, '$aws/events/presence/connected/+').filter({ hasText: 'Granted QoS 0' }).waitFor();

    const creds = await provisionThing(iot, 'sensor-1', 'open');
    const device = await connect(ts, creds, 'sensor-1');
    await message(page, '$aws/events/presence/connected/sensor-1').waitFor();
    await device.publishAsync('devices/sensor-1/telemetry', '{"temperature":21.5}', { qos: 1 });
    const got = message(page, 'devices/sensor-1/telemetry');
    await got.waitFor();
    assert.match((await got.textContent()) ?? '', /"temperature":21\.5/);

    // The page publishes too: the device receives it.
    await device.subscribeAsync('devices/sensor-1/commands', { qos: 1 });
    const command = new Promise<string>((resolve) => device.once('message', (_t, p: Buffer) => resolve(p.toString('utf8'))));
    await page.getByLabel('Topic', { exact: true }).fill('devices/sensor-1/commands');
    await page.getByLabel('Payload').fill('reboot');
    await page.locator('#mqtt-pub-qos').selectOption('1');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    assert.equal(await command, 'reboot');

    await assertAccessible(page, 'the MQTT test client');
    await page.screenshot({ path: join(DOCS, 'console-mqtt.png'), fullPage: true });

    // A dropped connection (another client takes its client id over): the page reconnects with a
    // fresh URL and its subscriptions are back.
    const urlsBefore = requests.filter((u) => u.endsWith('/api/mqtt-url')).length;
    const clientId = (await page.locator('#mqtt-client-id').textContent())!;
    const usurper = await connect(ts, creds, clientId);
    await closed(usurper);
    await page.getByRole('status').filter({ hasText: /^Connected$/ }).waitFor();
    assert.equal(requests.filter((u) => u.endsWith('/api/mqtt-url')).length, urlsBefore + 1);
    const sockets = requests.filter((u) => u.includes('/mqtt?'));
    assert.equal(new Set(sockets).size, sockets.length, 'each connection used a fresh URL');
    await device.publishAsync('devices/sensor-1/telemetry', '{"temperature":22}', { qos: 1 });
    await message(page, 'devices/sensor-1/telemetry').filter({ hasText: '"temperature":22}' }).waitFor();

    await end(device);
    sameOrigin(requests);
  });

  test('an IAM user denied iot:Subscribe on a filter sees it refused while an allowed filter delivers; Activity lists the denial', async () => {
    const iam = ts.iam();
    const arn = (rest: string) => `arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:${rest}`;
    await iam.send(new CreateUserCommand({ UserName: 'watcher' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'watcher',
        PolicyName: 'mqtt-watch',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'iot:Connect', Resource: arn('client/console-*') },
            { Effect: 'Allow', Action: ['iot:Subscribe'], Resource: arn('topicfilter/*') },
            { Effect: 'Allow', Action: ['iot:Receive'], Resource: arn('topic/*') },
            { Effect: 'Deny', Action: 'iot:Subscribe', Resource: arn('topicfilter/secret/*') },
          ],
        }),
      }),
    );
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'watcher' }))).AccessKey!;
    const { page, requests } = await signIn({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    await openClient(page);

    await subscribe(page, 'secret/#', '0');
    const refused = row(page, 'secret/#');
    await refused.filter({ hasText: 'Refused (SUBACK 0x80)' }).waitFor();
    assert.match((await refused.textContent()) ?? '', /do not allow iot:Subscribe on secret\/#/);
    await subscribe(page, 'plant/+/status', '0');
    await row(page, 'plant/+/status').filter({ hasText: 'Granted QoS 0' }).waitFor();

    const creds = await provisionThing(iot, 'pump-7', 'open');
    const device = await connect(ts, creds, 'pump-7');
    await device.publishAsync('plant/pump-7/status', 'running', { qos: 1 });
    await message(page, 'plant/pump-7/status').waitFor();
    await end(device);
    await assertAccessible(page, 'the MQTT test client with a refused filter');

    // A control-plane request the user may not make, recorded in the audit log.
    await page.getByRole('link', { name: 'Things', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: /not authorized/i }).first().waitFor();
    sameOrigin(requests);

    // An administrator's Activity page, filtered to that user's denials.
    const admin = await signIn(ts.credentials);
    await admin.page.getByRole('link', { name: 'Activity' }).click();
    await admin.page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    await admin.page.getByLabel('Identity').fill('watcher');
    await admin.page.getByLabel('Outcome').selectOption('denied');
    await admin.page.getByRole('button', { name: 'Apply filters' }).click();
    const log = admin.page.getByRole('region', { name: /^Audit log/ });
    const denied = log.getByRole('row').filter({ hasText: 'iot:ListThings' });
    await denied.first().waitFor();
    assert.match((await denied.first().textContent()) ?? '', /watcher.*Denied/);
    // The refused SUBSCRIBE over the WebSocket, with its identity and the denied filter (the allowed one is not recorded).
    const subscribeDenied = log.getByRole('row').filter({ hasText: 'iot:Subscribe' });
    await subscribeDenied.first().waitFor();
    assert.equal(await subscribeDenied.count(), 1, 'one refused filter, one record');
    assert.match((await subscribeDenied.textContent()) ?? '', /watcher.*Denied.*topicfilter\/secret\/#/);
    // Every row is that user's, and denied.
    const rows = await log.locator('tbody tr').allTextContents();
    assert.ok(rows.length > 0 && rows.every((r) => r.includes('watcher') && r.includes('Denied')), rows.join('\n'));

    // A thing's lifecycle events: the device's connection and disconnection.
    await admin.page.getByLabel('Identity').fill('');
    await admin.page.getByLabel('Outcome').selectOption('');
    await admin.page.getByLabel('Thing').fill('pump-7');
    await admin.page.getByRole('button', { name: 'Apply filters' }).click();
    const events = admin.page.getByRole('region', { name: /^Events of thing pump-7/ });
    await events.getByRole('row').filter({ hasText: 'pump-7' }).first().waitFor();
    await assertAccessible(admin.page, 'the Activity page');
    sameOrigin(admin.requests, false);
  });
});
