import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { CreatePolicyCommand, ListThingPrincipalsCommand, type IoTClient } from '@aws-sdk/client-iot';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { launchChromium, newContext, recordRequests, assertAccessible, DOCS } from './browser.js';


describe('console: connect a device (the kit zip, run as downloaded, and the live checklist)', () => {
  let ts: TestServer;
  let iot: IoTClient;
  let browser: Browser;
  let base: string;
  const agents: ChildProcess[] = [];

  before(async () => {
    ts = await startTestServer();
    iot = ts.iot();
    browser = await launchChromium();
    base = ts.endpoints.endpoints.console;
  });
  after(async () => {
    for (const agent of agents) if (agent.exitCode === null) agent.kill('SIGTERM');
    await Promise.all(agents.map((a) => (a.exitCode === null ? new Promise((r) => a.once('exit', r)) : undefined)));
    await browser?.close();
    await ts?.close();
  });

  async function signedIn(): Promise<{ page: Page; requests: string[] }> {
    const context = await newContext(browser);
    const page = await context.newPage();
    const requests = recordRequests(page);
    await page.goto(base);
    await page.getByLabel('Access key id').fill(ts.credentials.accessKeyId);
    await page.getByLabel('Secret access key').fill(ts.credentials.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    return { page, requests };
  }


  /** Fills the wizard, downloads the kit through the browser and unzips it with unzip(1): the kit's folder. */
  async function downloadKit(page: Page, thingName: string, policyName?: string): Promise<string> {
    await page.goto(`${base}#/connect`);
    await page.getByRole('heading', { level: 1, name: 'Connect a device' }).waitFor();
    await page.getByLabel('Thing name').fill(thingName);
    if (policyName) await page.getByLabel('Device policy').fill(policyName);
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Create and download the connection kit' }).click();
    const download = await downloading;
    assert.equal(download.suggestedFilename(), `${thingName}-kit.zip`);
    const dir = tempDir();
    const zip = join(dir, download.suggestedFilename());
    await download.saveAs(zip);
    execFileSync('unzip', ['-q', zip, '-d', dir]);
    await page.getByRole('heading', { name: `First connection of ${thingName}` }).waitFor();
    return join(dir, `${thingName}-kit`);
  }

  /** ./start.sh as a device runs it: its own process, only the kit's folder. */
  function start(kit: string): ChildProcess {
    const agent = spawn('./start.sh', [], { cwd: kit, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', NODE: process.execPath } });
    agent.stdout?.resume();
    agent.stderr?.resume();
    agents.push(agent);
    return agent;
  }

  const step = (page: Page, name: string) => page.locator(`li[data-step="${name}"]`);

  test('the wizard makes the thing, certificate and Jobs policy; the zip runs as downloaded and the checklist goes green', async () => {
    const { page, requests } = await signedIn();
    const kit = await downloadKit(page, 'console-sensor-1');
    assert.equal(statSync(join(kit, 'private.pem.key')).mode & 0o777, 0o600, 'the private key is 0600');
    assert.ok(statSync(join(kit, 'start.sh')).mode & 0o100, 'start.sh is executable');
    const config = JSON.parse(readFileSync(join(kit, 'kit.json'), 'utf8')) as { thingName: string; endpoints: { mqtt: string } };
    assert.equal(config.thingName, 'console-sensor-1');
    assert.equal(config.endpoints.mqtt, ts.endpoints.endpoints.mqtt);
    const policy = ((await iot.send(new ListThingPrincipalsCommand({ thingName: 'console-sensor-1' }))).principals ?? []).filter((p) => p.includes(':cert/'));
    assert.equal(policy.length, 1, 'one certificate attached to the thing');
    for (const name of ['tls', 'connect', 'subscribe', 'jobs']) assert.equal(await step(page, name).getAttribute('data-status'), 'waiting');
    await assertAccessible(page, 'the connect wizard');

    start(kit);
    for (const name of ['tls', 'connect', 'subscribe', 'jobs']) await page.locator(`li[data-step="${name}"][data-status="done"]`).waitFor({ timeout: 60_000 });
    await page.getByText('The device is connected and asking for its jobs.').waitFor();
    await assertAccessible(page, 'the connect checklist');
    await page.screenshot({ path: join(DOCS, 'console-connect.png'), fullPage: true });
    const origin = new URL(base).origin;
    assert.deepEqual(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('blob:')), [], 'no request leaves the server\'s origin');
  });

  test('downloading the kit again issues a new certificate; the old one stays until the new one connects', async () => {
    const { page } = await signedIn();
    const before = ((await iot.send(new ListThingPrincipalsCommand({ thingName: 'console-sensor-1' }))).principals ?? []).filter((p) => p.includes(':cert/'));
    const kit = await downloadKit(page, 'console-sensor-1');
    await page.getByText('a new certificate: the old one is retired once this one connects').waitFor();
    const after = ((await iot.send(new ListThingPrincipalsCommand({ thingName: 'console-sensor-1' }))).principals ?? []).filter((p) => p.includes(':cert/'));
    assert.equal(after.length, 2, 'the old certificate is kept beside the new one');
    assert.ok(before.every((arn) => after.includes(arn)));
    const fingerprint = new X509Certificate(readFileSync(join(kit, 'certificate.pem.crt'))).fingerprint256.replaceAll(':', '').toLowerCase();
    assert.ok(after.some((arn) => arn.endsWith(`/${fingerprint}`)) && !before.some((arn) => arn.endsWith(`/${fingerprint}`)), 'the new kit carries the new certificate');
  });

  test('a device whose policy refuses CONNECT: the checklist names the denied action and the statement to change', async () => {
    const arn = (r: string) => `arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:${r}`;
    // Connect only as a client id the device does not use (the kit's client id is the thing's name).
    await iot.send(
      new CreatePolicyCommand({
        policyName: 'WrongClientPolicy',
        policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: arn('client/someone-else') }, { Effect: 'Allow', Action: ['iot:Publish', 'iot:Subscribe', 'iot:Receive'], Resource: '*' }] }),
      }),
    );
    const { page } = await signedIn();
    const kit = await downloadKit(page, 'console-sensor-2', 'WrongClientPolicy');
    start(kit);
    const refused = page.locator('li[data-step="connect"][data-status="failed"]');
    await refused.waitFor({ timeout: 60_000 });
    await page.locator('li[data-step="tls"][data-status="done"]').waitFor();
    const text = await refused.innerText();
    assert.match(text, /Denied action: iot:Connect on arn:aws:iot:[^:]+:\d+:client\/console-sensor-2/);
    assert.match(text, /IMPLICIT_DENY/);
    assert.match(text, /Policy WrongClientPolicy: statement 1 allows iot:Connect only on .*client\/someone-else/);
    await assertAccessible(page, 'the checklist with a refusal');
  });
});
