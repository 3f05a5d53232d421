import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreatePolicyCommand, DescribeJobCommand, type IoTClient } from '@aws-sdk/client-iot';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { launchChromium, newContext, assertAccessible, DOCS, signInWithKey } from './browser.js';


describe('console: the story through the console — connect, distribute with the classic mistakes fixed before submit, the job live', () => {
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


  const check = (page: Page, id: string) => page.locator(`li[data-check="${id}"]`);

  async function signIn(): Promise<Page> {
    const page = await (await newContext(browser)).newPage();
    await signInWithKey(page, base, ts.credentials);
    return page;
  }

  /** The connect wizard: the kit the browser downloads, unzipped; its directory. */
  async function downloadKit(page: Page, thingName: string, policyName?: string): Promise<string> {
    await page.goto(`${base}#/connect`);
    await page.getByLabel('Thing name').fill(thingName);
    if (policyName) await page.getByLabel('Device policy').fill(policyName);
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Create and download the connection kit' }).click();
    const download = await downloading;
    const dir = tempDir();
    const zip = join(dir, download.suggestedFilename());
    await download.saveAs(zip);
    execFileSync('unzip', ['-q', zip, '-d', dir]);
    return join(dir, `${thingName}-kit`);
  }

  function runKit(kit: string): void {
    const agent = spawn('./start.sh', [], { cwd: kit, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', NODE: process.execPath } });
    agent.stdout?.resume();
    agent.stderr?.resume();
    agents.push(agent);
  }

  /** On the distribute page: the bucket created by its fix, the firmware uploaded from the page and picked. */
  async function uploadThroughPage(page: Page, bucket: string, key: string, firmware: Buffer): Promise<void> {
    await page.getByLabel('Bucket').fill(bucket);
    await page.getByLabel('Object key').fill(key);
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await check(page, 'bucket').and(page.locator('[data-ok="false"]')).waitFor();
    assert.match(await check(page, 'bucket').innerText(), new RegExp(`Bucket ${bucket} does not exist`));
    await check(page, 'bucket').getByRole('button', { name: `Fix: Create bucket ${bucket}` }).click();
    await check(page, 'bucket').getByRole('button', { name: 'Yes, apply it' }).click();
    await check(page, 'bucket').and(page.locator('[data-ok="true"]')).waitFor();
    await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'firmware.bin', mimeType: 'application/octet-stream', buffer: firmware });
    await page.getByLabel('Object name (default: the file\'s name)').fill(key);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.locator('#upload-status[data-state="completed"]').waitFor();
    await page.getByLabel(`Object in ${bucket}`).locator('option', { hasText: key }).waitFor({ state: 'attached' });
    await page.getByLabel('Object key').fill('');
    await page.getByLabel(`Object in ${bucket}`).selectOption(key);
    assert.equal(await page.getByLabel('Object key').inputValue(), key);
    assert.equal((await ts.s3().send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength, firmware.length, 'the page uploaded the firmware');
  }

  async function applyFix(page: Page, id: string): Promise<void> {
    await check(page, id).getByRole('button', { name: /^Fix:/ }).click();
    await check(page, id).getByRole('button', { name: 'Yes, apply it' }).click();
    await check(page, id).and(page.locator('[data-ok="true"]')).waitFor();
  }

  /** The job page, reached by submitting: the device's row turns SUCCEEDED live, without a reload. */
  async function createAndWatch(page: Page, jobId: string): Promise<void> {
    await page.getByRole('button', { name: 'Create the job' }).click();
    await page.getByRole('heading', { level: 1, name: `Job ${jobId}` }).waitFor();
    const reloads: string[] = [];
    page.on('framenavigated', (f) => f === page.mainFrame() && reloads.push(f.url()));
    await page.locator('tr[data-status="SUCCEEDED"]').first().waitFor({ timeout: 90_000 });
    await page.locator('[data-testid="job-status"]', { hasText: 'COMPLETED' }).waitFor({ timeout: 30_000 });
    assert.deepEqual(reloads, [], 'the page was not reloaded');
    const described = (await iot.send(new DescribeJobCommand({ jobId }))).job!;
    assert.equal(await page.locator('li[data-counter="numberOfSucceededThings"] .count').innerText(), String(described.jobProcessDetails?.numberOfSucceededThings));
  }

  function assertSameFile(kit: string, firmware: Buffer): void {
    const file = join(kit, 'files', 'firmware.bin');
    assert.ok(existsSync(file), 'the device wrote the file');
    assert.equal(createHash('sha256').update(readFileSync(file)).digest('hex'), createHash('sha256').update(firmware).digest('hex'), 'the file on the device matches');
  }

  test('the story only through the console on a fresh server: the wizard\'s kit, the bucket, the upload and the presign role all made in the console; SUCCEEDED live; the file matches', async () => {
    const firmware = randomBytes(200_000);
    const page = await signIn();
    const kit = await downloadKit(page, 'plain-device');
    await page.goto(`${base}#/distribute`);
    await page.getByRole('heading', { level: 1, name: 'Distribute a file' }).waitFor();
    await page.getByLabel('Things').fill('plain-device');
    await uploadThroughPage(page, 'plain-firmware', 'v1/firmware.bin', firmware);
    await page.getByLabel('Job id').fill('plain-job');
    await page.getByLabel('Presign role').fill('PlainDownloads');
    await page.getByRole('button', { name: 'Insert the download document for this file' }).click();
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    // The role does not exist: its fix creates it, trusting iot.amazonaws.com and reading the file's folder.
    await check(page, 'role').and(page.locator('[data-ok="false"]')).waitFor();
    assert.match(await check(page, 'role').innerText(), /Role PlainDownloads does not exist/);
    await applyFix(page, 'role');
    await page.getByText('Every check passes: the job can be created.').waitFor();
    runKit(kit);
    await createAndWatch(page, 'plain-job');
    assertSameFile(kit, firmware);
  });

  test('a role without the IoT trust and a device policy without its Jobs topics are shown before submit and fixed; the job shows SUCCEEDED live and the file matches', async () => {
    // The classic mistakes, made outside the console: a role trusting only EC2, a device policy with CONNECT only.
    const account = ts.endpoints.accountId;
    await ts.iam().send(new CreateRoleCommand({ RoleName: 'StoryDownloads', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) }));
    await iot.send(new CreatePolicyCommand({ policyName: 'ConnectOnly', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: `arn:aws:iot:${ts.endpoints.region}:${account}:client/\${iot:Connection.Thing.ThingName}` }] }) }));
    // The firmware is only on the operator's disk: its bucket is made and it is uploaded through the page.
    const firmware = randomBytes(300_000);

    const page = await signIn();

    // Connect the device with the wrong policy: the kit downloads, and is run later.
    const kit = await downloadKit(page, 'story-device', 'ConnectOnly');

    await page.goto(`${base}#/distribute`);
    await page.getByRole('heading', { level: 1, name: 'Distribute a file' }).waitFor();
    await page.getByLabel('Things').fill('story-device');
    await uploadThroughPage(page, 'story-firmware', 'releases/firmware.bin', firmware);
    await page.getByLabel('Job id').fill('story-job');
    await page.getByLabel('Presign role').fill('StoryDownloads');
    await page.getByLabel('Devices a minute').fill('10');
    await page.getByLabel('Stop when this percentage fails').fill('20');
    await page.getByLabel('…of the first this many devices').fill('50');
    await page.getByText('10 devices a minute, stop if 20 % of the first 50 fail').waitFor();
    await page.getByRole('button', { name: 'Insert the download document for this file' }).click();
    assert.match(await page.getByLabel('Job document').inputValue(), /\$\{aws:iot:s3-presigned-url:https:\/\/s3\.amazonaws\.com\/story-firmware\/releases\/firmware\.bin\}/);
    await page.getByRole('button', { name: 'Check', exact: true }).click();

    await check(page, 'bucket').and(page.locator('[data-ok="true"]')).waitFor();
    await check(page, 'role').and(page.locator('[data-ok="false"]')).waitFor();
    assert.match(await check(page, 'role').innerText(), /lacks the iot\.amazonaws\.com trust/);
    assert.match(await check(page, 'role-read').innerText(), /may not read story-firmware\/releases\/firmware\.bin/);
    assert.match(await check(page, 'devices').innerText(), /story-device/);
    assert.equal(await page.getByRole('button', { name: 'Create the job' }).isDisabled(), true, 'no submit while a check fails');
    await assertAccessible(page, 'the distribute page with problems');
    await page.screenshot({ path: join(DOCS, 'console-distribute.png'), fullPage: true });

    for (const id of ['role', 'role-read', 'devices']) await applyFix(page, id);
    await page.getByText('Every check passes: the job can be created.').waitFor();

    // The device runs its kit as downloaded; then the job is created from the page.
    runKit(kit);
    await createAndWatch(page, 'story-job');
    await assertAccessible(page, 'the job page');
    await page.screenshot({ path: join(DOCS, 'console-job.png'), fullPage: true });

    assertSameFile(kit, firmware);
    // The job page filters by status.
    await page.getByLabel('Show devices').selectOption('FAILED');
    await page.getByText('No device is FAILED.').waitFor();
  });
});
