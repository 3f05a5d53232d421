import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateJobTemplateCommand,
  CreateThingCommand,
  DescribeJobCommand,
  DescribeThingGroupCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import { devicePolicy } from '../../src/registry/device-policy.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium, newContext, assertAccessible, DOCS } from './browser.js';

/** A UTC time as schedulingConfig writes it: YYYY-MM-DDTHH:MM. */
const utc = (ms: number) => new Date(ms).toISOString().slice(0, 16);

describe('console: distribute to a fleet query, with a managed template document, retry, scheduling and an exponential rollout', () => {
  let ts: TestServer;
  let iot: IoTClient;
  let browser: Browser;
  let base: string;

  before(async () => {
    ts = await startTestServer();
    iot = ts.iot();
    browser = await launchChromium();
    base = ts.endpoints.endpoints.console;
    const { region, accountId } = ts.endpoints;
    // Two sensors match the query, a third does not; q-2's certificate has no policy yet.
    await iot.send(new CreatePolicyCommand({ policyName: 'Jobs', policyDocument: devicePolicy(region, accountId) }));
    for (const [thingName, model] of [['q-1', 'sensor-v2'], ['q-2', 'sensor-v2'], ['q-3', 'other']] as const) {
      await iot.send(new CreateThingCommand({ thingName, attributePayload: { attributes: { model } } }));
      const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
      await iot.send(new AttachThingPrincipalCommand({ thingName, principal: cert.certificateArn! }));
      if (thingName !== 'q-2') await iot.send(new AttachPolicyCommand({ policyName: 'Jobs', target: cert.certificateArn! }));
    }
    await iot.send(new CreateJobTemplateCommand({ jobTemplateId: 'opt-reboot', description: 'Reboot the device', document: '{"operation":"reboot"}' }));
    await ts.s3().send(new CreateBucketCommand({ Bucket: 'opt-firmware' }));
    await ts.s3().send(new PutObjectCommand({ Bucket: 'opt-firmware', Key: 'fw/app.bin', Body: Buffer.from('firmware') }));
    await ts.iam().send(new CreateRoleCommand({ RoleName: 'OptRole', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) }));
    await ts.iam().send(new PutRolePolicyCommand({ RoleName: 'OptRole', PolicyName: 'read', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::opt-firmware/*' }] }) }));
  });
  after(async () => {
    await browser?.close();
    await ts?.close();
  });

  const check = (page: Page, id: string) => page.locator(`li[data-check="${id}"]`);

  async function signIn(page: Page, accessKeyId: string, secretAccessKey: string): Promise<void> {
    await page.goto(base);
    await page.getByLabel('Access key id').fill(accessKeyId);
    await page.getByLabel('Secret access key').fill(secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.goto(`${base}#/distribute`);
    await page.getByRole('heading', { level: 1, name: 'Distribute a file' }).waitFor();
  }

  test('a fleet query is counted, checked device by device and submitted as a dynamic thing group; the managed template, retry, scheduling and exponential rollout reach CreateJob with their previews', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, ts.credentials.accessKeyId, ts.credentials.secretAccessKey);

    await page.getByLabel('Bucket').fill('opt-firmware');
    await page.getByLabel('Object in opt-firmware').locator('option', { hasText: 'fw/app.bin' }).waitFor({ state: 'attached' });
    await page.getByLabel('Object in opt-firmware').selectOption('fw/app.bin');
    assert.equal(await page.getByLabel('Object key').inputValue(), 'fw/app.bin');

    await page.getByLabel('Devices matching a fleet query').fill('attributes.model:sensor-v2');
    await page.getByRole('button', { name: 'Count the matching devices' }).click();
    await page.getByTestId('matching').getByText('2 devices match now.').waitFor();
    await page.getByLabel('Job id').fill('opt-job');
    await page.getByLabel('Presign role').fill('OptRole');

    // The placeholder helper writes the chosen object's placeholder where the cursor is.
    const placeholder = '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/opt-firmware/fw/app.bin}';
    const area = page.getByLabel('Job document');
    await area.fill('{"operation":"download","url":""}');
    await area.evaluate((el) => {
      const text = el as unknown as { value: string; setSelectionRange(a: number, b: number): void };
      text.setSelectionRange(text.value.length - 2, text.value.length - 2);
    });
    await page.getByRole('button', { name: "Insert this file's presigned-link placeholder at the cursor" }).click();
    assert.equal(await area.inputValue(), `{"operation":"download","url":"${placeholder}"}`);

    // The document from AWS's managed download template instead: its parameters, the link filled in.
    await page.getByLabel('From a job template').check();
    // The account's own templates are offered beside AWS's: a custom one shows its document.
    await page.getByLabel('Job template', { exact: true }).selectOption({ label: 'opt-reboot — Reboot the device' });
    await page.getByTestId('template-document').getByText('{"operation":"reboot"}').waitFor({ state: 'attached' });
    await page.getByLabel('Job template', { exact: true }).selectOption({ label: 'AWS-Download-File 1.0 (AWS managed)' });
    await page.getByLabel('downloadUrl').waitFor();
    assert.equal(await page.getByLabel('downloadUrl').inputValue(), placeholder);
    await page.getByLabel('filePath').fill('/var/lib/app.bin');

    await page.getByLabel('Devices a minute').fill('100');
    await page.getByLabel('Growing rate: the starting rate per minute').fill('5');
    await page.getByLabel('Multiply the rate by').fill('2');
    await page.getByLabel('…each time this many more devices').fill('10');
    await page.getByLabel('Minutes each device has once started').fill('30');
    await page.getByTestId('preview').getByText('Start at 5 devices a minute, ×2 each time 10 more devices are notified, up to 100 a minute, never stop on failures, each device has 30 minutes once it starts.').waitFor();
    await page.getByLabel('Retries of a failed device').fill('2');
    await page.getByLabel('Retries of a timed-out device').fill('1');
    await page.getByTestId('retry-preview').getByText('A failed device is tried again up to 2 times; a timed-out one up to 1 time.').waitFor();
    const start = utc(Date.now() + 2 * 3600_000);
    const end = utc(Date.now() + 26 * 3600_000);
    await page.getByLabel('Start (UTC)').fill(start);
    await page.getByLabel('End (UTC)').fill(end);
    await page.getByLabel('At the end').selectOption('CANCEL');
    await page.getByLabel('Maintenance window starts (cron)').fill('cron(0 22 ? * MON-FRI *)');
    await page.getByLabel('Maintenance window minutes').fill('60');
    const when = (t: string) => `${t.replace('T', ' ')} UTC`;
    await page
      .getByTestId('schedule-preview')
      .getByText(`Starts at ${when(start)}; at ${when(end)} the job is cancelled (devices already running may finish); devices are notified only during cron(0 22 ? * MON-FRI *), for 60 minutes each time.`)
      .waitFor();

    // The checks reach the devices the query matches now: q-2's policies lack the Jobs topics.
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await page.getByTestId('reached').getByText('The targets reach 2 devices now: q-1, q-2.').waitFor();
    await check(page, 'devices').and(page.locator('[data-ok="false"]')).waitFor();
    assert.match(await check(page, 'devices').innerText(), /This device's policies do not allow their Jobs topics: q-2/);
    for (const id of ['bucket', 'role', 'role-read']) assert.equal(await check(page, id).getAttribute('data-ok'), 'true', id);
    await assertAccessible(page, 'the distribute page with a fleet query, a template and every option');
    await page.screenshot({ path: join(DOCS, 'console-distribute-options.png'), fullPage: true });
    await check(page, 'devices').getByRole('button', { name: /^Fix:/ }).click();
    await check(page, 'devices').getByRole('button', { name: 'Yes, apply it' }).click();
    await page.getByText('Every check passes: the job can be created.').waitFor();

    await page.getByRole('button', { name: 'Create the job' }).click();
    await page.getByRole('heading', { level: 1, name: 'Job opt-job' }).waitFor({ timeout: 60_000 });
    const { region, accountId } = ts.endpoints;
    const group = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'opt-job-devices' }));
    assert.equal(group.queryString, 'attributes.model:sensor-v2');
    const job = (await iot.send(new DescribeJobCommand({ jobId: 'opt-job' }))).job!;
    assert.deepEqual(job.targets, [group.thingGroupArn]);
    assert.equal(job.targetSelection, 'SNAPSHOT');
    assert.equal(job.jobTemplateArn, `arn:aws:iot:${region}::jobtemplate/AWS-Download-File:1.0`);
    assert.deepEqual(job.documentParameters, { downloadUrl: placeholder, filePath: '/var/lib/app.bin' });
    assert.equal(job.presignedUrlConfig?.roleArn, `arn:aws:iam::${accountId}:role/OptRole`);
    assert.deepEqual(job.jobExecutionsRolloutConfig, { maximumPerMinute: 100, exponentialRate: { baseRatePerMinute: 5, incrementFactor: 2, rateIncreaseCriteria: { numberOfNotifiedThings: 10 } } });
    assert.deepEqual(job.jobExecutionsRetryConfig, { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 2 }, { failureType: 'TIMED_OUT', numberOfRetries: 1 }] });
    assert.deepEqual(job.timeoutConfig, { inProgressTimeoutInMinutes: 30 });
    assert.deepEqual(job.schedulingConfig, { startTime: start, endTime: end, endBehavior: 'CANCEL', maintenanceWindows: [{ startTime: 'cron(0 22 ? * MON-FRI *)', durationInMinutes: 60 }] });
    assert.equal(job.status, 'SCHEDULED');
    await context.close();
  });

  test('the create-bucket fix is refused for a user without s3:CreateBucket: the refusal is shown and the bucket check still fails', async () => {
    const iam = ts.iam();
    await iam.send(new CreateUserCommand({ UserName: 'viewer' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'viewer', PolicyName: 'no-buckets', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iot:*', 's3:ListAllMyBuckets', 's3:ListBucket'], Resource: '*' }] }) }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'viewer' }))).AccessKey!;
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, key.AccessKeyId!, key.SecretAccessKey!);
    await page.getByLabel('Things').fill('q-1');
    await page.getByLabel('Bucket').fill('viewer-firmware');
    await page.getByLabel('Object key').fill('app.bin');
    await page.getByLabel('Presign role').fill('OptRole');
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await check(page, 'bucket').getByRole('button', { name: 'Fix: Create bucket viewer-firmware' }).click();
    await check(page, 'bucket').getByRole('button', { name: 'Yes, apply it' }).click();
    await page.getByRole('alert').filter({ hasText: 'AccessDenied' }).waitFor();
    assert.equal(await check(page, 'bucket').getAttribute('data-ok'), 'false');
    assert.equal(await page.getByRole('button', { name: 'Create the job' }).isDisabled(), true);
    await assert.rejects(ts.s3().send(new HeadBucketCommand({ Bucket: 'viewer-firmware' })), { name: 'NotFound' });
    await context.close();
  });
});
