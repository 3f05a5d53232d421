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
import { launchChromium, newContext, assertAccessible, DOCS } from './browser.js';


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

  test('a role without the IoT trust and a device policy without its Jobs topics are shown before submit and fixed; the job shows SUCCEEDED live and the file matches', async () => {
    // The classic mistakes, made outside the console: a role trusting only EC2, a device policy with CONNECT only.
    const account = ts.endpoints.accountId;
    await ts.iam().send(new CreateRoleCommand({ RoleName: 'StoryDownloads', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) }));
    await iot.send(new CreatePolicyCommand({ policyName: 'ConnectOnly', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: `arn:aws:iot:${ts.endpoints.region}:${account}:client/\${iot:Connection.Thing.ThingName}` }] }) }));
    // The firmware is only on the operator's disk: its bucket is made and it is uploaded through the page.
    const firmware = randomBytes(300_000);

    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(base);
    await page.getByLabel('Access key id').fill(ts.credentials.accessKeyId);
    await page.getByLabel('Secret access key').fill(ts.credentials.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();

    // Connect the device with the wrong policy: the kit downloads, and is run later.
    await page.goto(`${base}#/connect`);
    await page.getByLabel('Thing name').fill('story-device');
    await page.getByLabel('Device policy').fill('ConnectOnly');
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Create and download the connection kit' }).click();
    const download = await downloading;
    const dir = tempDir();
    const zip = join(dir, download.suggestedFilename());
    await download.saveAs(zip);
    execFileSync('unzip', ['-q', zip, '-d', dir]);
    const kit = join(dir, 'story-device-kit');

    await page.goto(`${base}#/distribute`);
    await page.getByRole('heading', { level: 1, name: 'Distribute a file' }).waitFor();
    await page.getByLabel('Things').fill('story-device');
    await page.getByLabel('Bucket').fill('story-firmware');
    await page.getByLabel('Object key').fill('releases/firmware.bin');
    // The bucket does not exist yet: the check says so and creates it once confirmed.
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await check(page, 'bucket').and(page.locator('[data-ok="false"]')).waitFor();
    assert.match(await check(page, 'bucket').innerText(), /Bucket story-firmware does not exist/);
    await check(page, 'bucket').getByRole('button', { name: 'Fix: Create bucket story-firmware' }).click();
    await check(page, 'bucket').getByRole('button', { name: 'Yes, apply it' }).click();
    await check(page, 'bucket').and(page.locator('[data-ok="true"]')).waitFor();
    // Upload the firmware into it from the page, then pick it from the bucket's objects.
    await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'firmware.bin', mimeType: 'application/octet-stream', buffer: firmware });
    await page.getByLabel('Object name (default: the file\'s name)').fill('releases/firmware.bin');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.locator('#upload-status[data-state="completed"]').waitFor();
    await page.getByLabel('Object in story-firmware').locator('option', { hasText: 'releases/firmware.bin' }).waitFor({ state: 'attached' });
    await page.getByLabel('Object key').fill('');
    await page.getByLabel('Object in story-firmware').selectOption('releases/firmware.bin');
    assert.equal(await page.getByLabel('Object key').inputValue(), 'releases/firmware.bin');
    await page.getByLabel('Job id').fill('story-job');
    await page.getByLabel('Presign role').fill('StoryDownloads');
    await page.getByLabel('Devices a minute').fill('10');
    await page.getByLabel('Stop when this percentage fails').fill('20');
    await page.getByLabel('…of the first this many devices').fill('50');
    await page.getByText('10 devices a minute, stop if 20 % of the first 50 fail').waitFor();
    await page.getByRole('button', { name: 'Insert the download document for this file' }).click();
    assert.match(await page.getByLabel('Job document').inputValue(), /\$\{aws:iot:s3-presigned-url:https:\/\/s3\.amazonaws\.com\/story-firmware\/releases\/firmware\.bin\}/);
    await page.getByRole('button', { name: 'Check', exact: true }).click();

    assert.equal((await ts.s3().send(new HeadObjectCommand({ Bucket: 'story-firmware', Key: 'releases/firmware.bin' }))).ContentLength, firmware.length, 'the page uploaded the firmware');
    await check(page, 'bucket').and(page.locator('[data-ok="true"]')).waitFor();
    await check(page, 'role').and(page.locator('[data-ok="false"]')).waitFor();
    assert.match(await check(page, 'role').innerText(), /lacks the iot\.amazonaws\.com trust/);
    assert.match(await check(page, 'role-read').innerText(), /may not read story-firmware\/releases\/firmware\.bin/);
    assert.match(await check(page, 'devices').innerText(), /story-device/);
    assert.equal(await page.getByRole('button', { name: 'Create the job' }).isDisabled(), true, 'no submit while a check fails');
    await assertAccessible(page, 'the distribute page with problems');
    await page.screenshot({ path: join(DOCS, 'console-distribute.png'), fullPage: true });

    for (const id of ['role', 'role-read', 'devices']) {
      await check(page, id).getByRole('button', { name: /^Fix:/ }).click();
      await check(page, id).getByRole('button', { name: 'Yes, apply it' }).click();
      await check(page, id).and(page.locator('[data-ok="true"]')).waitFor();
    }
    await page.getByText('Every check passes: the job can be created.').waitFor();

    // The device runs its kit as downloaded; then the job is created from the page.
    const agent = spawn('./start.sh', [], { cwd: kit, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', NODE: process.execPath } });
    agent.stdout?.resume();
    agent.stderr?.resume();
    agents.push(agent);
    await page.getByRole('button', { name: 'Create the job' }).click();
    await page.getByRole('heading', { level: 1, name: 'Job story-job' }).waitFor();
    const reloads: string[] = [];
    page.on('framenavigated', (f) => f === page.mainFrame() && reloads.push(f.url()));
    await page.locator('tr[data-thing="story-device"][data-status="SUCCEEDED"]').waitFor({ timeout: 90_000 });
    await page.locator('[data-testid="job-status"]', { hasText: 'COMPLETED' }).waitFor({ timeout: 30_000 });
    assert.deepEqual(reloads, [], 'the page was not reloaded');
    const described = (await iot.send(new DescribeJobCommand({ jobId: 'story-job' }))).job!;
    assert.equal(await page.locator('li[data-counter="numberOfSucceededThings"] .count').innerText(), String(described.jobProcessDetails?.numberOfSucceededThings));
    await assertAccessible(page, 'the job page');
    await page.screenshot({ path: join(DOCS, 'console-job.png'), fullPage: true });

    const file = join(kit, 'files', 'firmware.bin');
    assert.ok(existsSync(file), 'the device wrote the file');
    assert.equal(createHash('sha256').update(readFileSync(file)).digest('hex'), createHash('sha256').update(firmware).digest('hex'), 'the file on the device matches');
    // The job page filters by status.
    await page.getByLabel('Show devices').selectOption('FAILED');
    await page.getByText('No device is FAILED.').waitFor();
  });
});
