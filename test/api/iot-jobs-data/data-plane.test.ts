/**
 * The Jobs HTTPS data plane on the wire, through @aws-sdk/client-iot-jobs-data-plane:
 * by device certificate (IoT policies) and by SigV4 as a role session from the
 * credentials provider (IAM policies). Every refusal runs beside a success in
 * the same setup, and changes nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { CreatePolicyCommand, CreateRoleAliasCommand, DescribeJobExecutionCommand as ControlDescribe, TestAuthorizationCommand } from '@aws-sdk/client-iot';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  DescribeJobExecutionCommand,
  GetPendingJobExecutionsCommand,
  StartNextPendingJobExecutionCommand,
  UpdateJobExecutionCommand,
} from '@aws-sdk/client-iot-jobs-data-plane';
import { rawRequest } from '../../helpers/http.js';
import { allowPolicy, trustPolicy } from '../../helpers/policies.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createJob, createSigningRole, httpsGet, uploadFirmware } from '../../jobs/helpers.js';
import { createPolicy, provisionThing, storyPolicy, type DeviceCredentials } from '../../mqtt/helpers.js';
import { bothProtocolsPolicy, certificateClient, JOBS_ACTIONS, provisionNamedDevice, refusal, signedClient } from './helpers.js';

const FIRMWARE = randomBytes(150_000);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const DOCUMENT = JSON.stringify({ operation: 'download', version: '1.0.0', url: '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/firmware/miso-1.0.0.bin}', sha256: sha256(FIRMWARE) });
const isEpochSeconds = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 1_600_000_000 && v < 10_000_000_000;

describe('jobs https data plane', () => {
  let ts: TestServer;
  let roleArn: string;
  const devices = new Map<string, DeviceCredentials>();
  const things = ['miso_cert', 'miso_sigv4', 'miso_refuse', 'miso_other', 'miso_wire', 'miso_story'];

  before(async () => {
    ts = await startTestServer();
    const iot = ts.iot();
    await createPolicy(iot, 'miso-both', bothProtocolsPolicy(ts));
    for (const thing of things.filter((t) => t !== 'miso_story')) devices.set(thing, await provisionNamedDevice(iot, thing, 'miso-both'));
    await createPolicy(iot, 'miso-device', storyPolicy(ts));
    devices.set('miso_story', await provisionThing(iot, 'miso_story', 'miso-device', { ec: true }));
    await uploadFirmware(ts, 'firmware', 'miso-1.0.0.bin', FIRMWARE);
    roleArn = await createSigningRole(ts, 'miso-jobs', 'firmware');
  });
  after(() => ts.close());

  const job = (jobId: string, thing: string, extra = {}) => createJob(ts, { jobId, things: [thing], document: DOCUMENT, presignedUrlConfig: { roleArn, expiresInSec: 300 }, ...extra });
  const controlPlane = async (jobId: string, thingName: string) => (await ts.iot().send(new ControlDescribe({ jobId, thingName }))).execution!;

  test('by device certificate: the pending list, start-next with a jobDocument string whose link downloads the exact bytes, SUCCEEDED with statusDetails; the control plane agrees', async () => {
    const client = certificateClient(ts, devices.get('miso_cert')!);
    const empty = await client.send(new GetPendingJobExecutionsCommand({ thingName: 'miso_cert' }));
    assert.deepEqual([empty.inProgressJobs, empty.queuedJobs], [[], []]);
    assert.equal((await client.send(new StartNextPendingJobExecutionCommand({ thingName: 'miso_cert' }))).execution, undefined, 'nothing pending');

    await job('cert-1', 'miso_cert', { timeoutConfig: { inProgressTimeoutInMinutes: 30 } });
    const pending = await client.send(new GetPendingJobExecutionsCommand({ thingName: 'miso_cert' }));
    assert.deepEqual(pending.inProgressJobs, []);
    const [queued] = pending.queuedJobs!;
    assert.deepEqual([queued!.jobId, queued!.versionNumber, queued!.executionNumber], ['cert-1', 1, 1]);
    assert.ok(isEpochSeconds(queued!.queuedAt), 'times in epoch seconds, as the model says');

    const started = (await client.send(new StartNextPendingJobExecutionCommand({ thingName: 'miso_cert', statusDetails: { step: 'download' }, stepTimeoutInMinutes: 10 }))).execution!;
    assert.deepEqual([started.jobId, started.thingName, started.status, started.versionNumber, started.statusDetails], ['cert-1', 'miso_cert', 'IN_PROGRESS', 2, { step: 'download' }]);
    assert.equal(started.approximateSecondsBeforeTimedOut, 600);
    assert.equal(typeof started.jobDocument, 'string', 'jobDocument is a JSON string on HTTPS');
    const document = JSON.parse(started.jobDocument!) as { url: string; sha256: string };
    assert.match(document.url, /X-Amz-Expires=300/);
    const download = await httpsGet(ts, document.url);
    assert.equal(download.status, 200);
    assert.equal(sha256(download.body), document.sha256, 'the exact bytes');
    // Placeholders are rendered afresh for every answer, as over MQTT: a later describe carries a newly signed link.
    ts.clock.advance(1000);
    const again = (await client.send(new DescribeJobExecutionCommand({ thingName: 'miso_cert', jobId: 'cert-1' }))).execution!;
    const [first, second] = [new URL(document.url), new URL((JSON.parse(again.jobDocument!) as { url: string }).url)];
    assert.notEqual(first.searchParams.get('X-Amz-Date'), second.searchParams.get('X-Amz-Date'), 'each answer signs anew');
    assert.notEqual(first.searchParams.get('X-Amz-Signature'), second.searchParams.get('X-Amz-Signature'));
    assert.equal(second.searchParams.get('X-Amz-Expires'), '300');

    const done = await client.send(
      new UpdateJobExecutionCommand({ thingName: 'miso_cert', jobId: 'cert-1', status: 'SUCCEEDED', statusDetails: { sha256: document.sha256 }, expectedVersion: 2, includeJobExecutionState: true }),
    );
    assert.deepEqual(done.executionState, { status: 'SUCCEEDED', statusDetails: { sha256: document.sha256 }, versionNumber: 3 });
    assert.equal(done.jobDocument, undefined);
    const server = await controlPlane('cert-1', 'miso_cert');
    assert.equal(server.status, 'SUCCEEDED');
    assert.deepEqual(server.statusDetails?.detailsMap, { sha256: document.sha256 });
    assert.equal(server.versionNumber, 3);

    // Describing the execution once it is terminal answers it (never TerminalStateException).
    const described = (await client.send(new DescribeJobExecutionCommand({ thingName: 'miso_cert', jobId: 'cert-1', includeJobDocument: false }))).execution!;
    assert.deepEqual([described.status, described.versionNumber, described.jobDocument, described.approximateSecondsBeforeTimedOut], ['SUCCEEDED', 3, undefined, undefined]);
    assert.deepEqual(await client.send(new DescribeJobExecutionCommand({ thingName: 'miso_cert', jobId: '$next' })).then((r) => r.execution), undefined);
  });

  test('by SigV4 as a role session from the credentials provider: the same; UpdateJobExecution refused until the role allows iotjobsdata:UpdateJobExecution', async () => {
    const iam = ts.iam();
    const role = await iam.send(new CreateRoleCommand({ RoleName: 'miso-device-role', AssumeRolePolicyDocument: trustPolicy('credentials.iot.amazonaws.com') }));
    const ownThing = `arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:thing/\${credentials-iot:ThingName}`;
    const reading = ['GetPendingJobExecutions', 'StartNextPendingJobExecution', 'DescribeJobExecution'].map((a) => `iotjobsdata:${a}`);
    await iam.send(new PutRolePolicyCommand({ RoleName: 'miso-device-role', PolicyName: 'jobs', PolicyDocument: allowPolicy(reading, ownThing) }));
    await ts.iot().send(new CreateRoleAliasCommand({ roleAlias: 'miso-role-alias', roleArn: role.Role!.Arn!, credentialDurationSeconds: 900 }));
    const device = devices.get('miso_sigv4')!;
    const issued = await rawRequest({
      url: `${ts.endpoints.endpoints.credentialProvider}/role-aliases/miso-role-alias/credentials`,
      ca: ts.ca,
      cert: device.certificatePem,
      key: device.privateKeyPem,
      headers: { 'x-amzn-iot-thingname': 'miso_sigv4' },
    });
    assert.equal(issued.status, 200, issued.body);
    const { credentials } = JSON.parse(issued.body) as { credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string } };
    const client = signedClient(ts, { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken });

    await job('sigv4-1', 'miso_sigv4');
    assert.equal((await client.send(new GetPendingJobExecutionsCommand({ thingName: 'miso_sigv4' }))).queuedJobs![0]!.jobId, 'sigv4-1');
    const started = (await client.send(new StartNextPendingJobExecutionCommand({ thingName: 'miso_sigv4' }))).execution!;
    assert.equal(started.status, 'IN_PROGRESS');
    const link = (JSON.parse(started.jobDocument!) as { url: string }).url;
    assert.deepEqual((await httpsGet(ts, link)).body, FIRMWARE);

    const update = () => client.send(new UpdateJobExecutionCommand({ thingName: 'miso_sigv4', jobId: 'sigv4-1', status: 'SUCCEEDED', statusDetails: { done: 'yes' } }));
    const refused = await refusal(update());
    assert.deepEqual([refused.name, refused.status], ['AccessDeniedException', 403]);
    assert.match(refused.message, /assumed-role\/miso-device-role\/.* is not authorized to perform: iotjobsdata:UpdateJobExecution on resource: arn:aws:iot:.*:thing\/miso_sigv4/);
    assert.deepEqual([(await controlPlane('sigv4-1', 'miso_sigv4')).status, (await controlPlane('sigv4-1', 'miso_sigv4')).versionNumber], ['IN_PROGRESS', 2], 'the refusal changed nothing');
    const other = await refusal(client.send(new GetPendingJobExecutionsCommand({ thingName: 'miso_other' })));
    assert.equal(other.name, 'AccessDeniedException', "the role's policy names the session's own thing only");

    await iam.send(new PutRolePolicyCommand({ RoleName: 'miso-device-role', PolicyName: 'jobs', PolicyDocument: allowPolicy([...reading, 'iotjobsdata:UpdateJobExecution'], ownThing) }));
    assert.deepEqual(await update().then((r) => r.executionState), undefined);
    const server = await controlPlane('sigv4-1', 'miso_sigv4');
    assert.deepEqual([server.status, server.statusDetails?.detailsMap], ['SUCCEEDED', { done: 'yes' }]);
  });

  test("another thing's execution refused beside the device's own success; a stale expectedVersion and a malformed body refused in the model's shapes; nothing changed", async () => {
    await job('refuse-1', 'miso_refuse');
    await job('refuse-other', 'miso_other');
    const client = certificateClient(ts, devices.get('miso_refuse')!);
    assert.equal((await client.send(new GetPendingJobExecutionsCommand({ thingName: 'miso_refuse' }))).queuedJobs!.length, 1);
    for (const call of [
      new GetPendingJobExecutionsCommand({ thingName: 'miso_other' }),
      new StartNextPendingJobExecutionCommand({ thingName: 'miso_other' }),
      new DescribeJobExecutionCommand({ thingName: 'miso_other', jobId: 'refuse-other' }),
      new UpdateJobExecutionCommand({ thingName: 'miso_other', jobId: 'refuse-other', status: 'SUCCEEDED' }),
    ]) {
      const r = await refusal(client.send(call as never));
      assert.deepEqual([r.name, r.status], ['AccessDeniedException', 403], call.constructor.name);
      assert.match(r.message, new RegExp(`^Certificate ${devices.get('miso_refuse')!.certificateId} is not authorized to perform iot:\\w+ on arn:aws:iot:[^:]+:\\d+:thing/miso_other: no policy of the certificate allows it\\.`));
    }
    assert.deepEqual([(await controlPlane('refuse-other', 'miso_other')).status, (await controlPlane('refuse-other', 'miso_other')).versionNumber], ['QUEUED', 1]);

    await client.send(new UpdateJobExecutionCommand({ thingName: 'miso_refuse', jobId: 'refuse-1', status: 'IN_PROGRESS', expectedVersion: 1 }));
    const stale = await refusal(client.send(new UpdateJobExecutionCommand({ thingName: 'miso_refuse', jobId: 'refuse-1', status: 'SUCCEEDED', expectedVersion: 1 })));
    assert.deepEqual([stale.name, stale.status], ['InvalidStateTransitionException', 409]);
    assert.match(stale.message, /expectedVersion 1 does not match the job execution's version 2/);
    assert.equal(stale.error.constructor.name, 'InvalidStateTransitionException', 'the modeled exception class');

    const terminalJob = await refusal(client.send(new UpdateJobExecutionCommand({ thingName: 'miso_refuse', jobId: 'refuse-1', status: 'QUEUED' })));
    assert.equal(terminalJob.name, 'InvalidStateTransitionException');
    const badDetails = await refusal(client.send(new UpdateJobExecutionCommand({ thingName: 'miso_refuse', jobId: 'refuse-1', status: 'IN_PROGRESS', statusDetails: { 'bad key': 'x' } })));
    assert.deepEqual([badDetails.name, badDetails.status], ['InvalidRequestException', 400]);
    assert.equal((await refusal(client.send(new DescribeJobExecutionCommand({ thingName: 'miso_refuse', jobId: 'missing' })))).name, 'ResourceNotFoundException');
    assert.equal((await refusal(client.send(new DescribeJobExecutionCommand({ thingName: 'miso_refuse', jobId: 'refuse-1', executionNumber: 7 })))).name, 'ResourceNotFoundException');

    // The wire itself: a malformed body, and the refused transition's body with executionState.
    const device = devices.get('miso_refuse')!;
    const url = `${ts.endpoints.endpoints.iotJobsData}/things/miso_refuse/jobs/refuse-1`;
    const raw = (body: string) => rawRequest({ url, method: 'POST', body, headers: { 'content-type': 'application/json' }, ca: ts.ca, cert: device.certificatePem, key: device.privateKeyPem });
    const malformed = await raw('{"status": "SUCCEEDED"');
    assert.deepEqual([malformed.status, malformed.headers['x-amzn-errortype']], [400, 'InvalidRequestException']);
    assert.match(JSON.parse(malformed.body).message, /not valid JSON/);
    const notObject = await raw('["SUCCEEDED"]');
    assert.deepEqual([notObject.status, notObject.headers['x-amzn-errortype']], [400, 'InvalidRequestException']);
    const versionRaw = await raw(JSON.stringify({ status: 'SUCCEEDED', expectedVersion: 9 }));
    assert.deepEqual([versionRaw.status, versionRaw.headers['x-amzn-errortype']], [409, 'InvalidStateTransitionException']);
    assert.deepEqual(JSON.parse(versionRaw.body).executionState, { status: 'IN_PROGRESS', versionNumber: 2 });
    const server = await controlPlane('refuse-1', 'miso_refuse');
    assert.deepEqual([server.status, server.versionNumber], ['IN_PROGRESS', 2], 'no refusal changed anything');
  });

  test('the wire: $next unencoded and as %24next, executionNumber and includeJobDocument in the query, StartNext only on $next, no certificate and no signature 403', async () => {
    await job('wire-1', 'miso_wire');
    const device = devices.get('miso_wire')!;
    const base = `${ts.endpoints.endpoints.iotJobsData}/things/miso_wire/jobs`;
    const get = (path: string, method = 'GET', body?: string) => rawRequest({ url: `${base}${path}`, method, ca: ts.ca, cert: device.certificatePem, key: device.privateKeyPem, ...(body !== undefined ? { body } : {}) });
    for (const next of ['$next', '%24next']) {
      const r = await get(`/${next}`);
      assert.equal(r.status, 200, r.body);
      const execution = JSON.parse(r.body).execution;
      assert.equal(execution.jobId, 'wire-1', next);
      assert.equal(typeof execution.jobDocument, 'string');
    }
    const withoutDocument = JSON.parse((await get('/wire-1?includeJobDocument=false&executionNumber=1')).body).execution;
    assert.equal('jobDocument' in withoutDocument, false);
    assert.equal(withoutDocument.executionNumber, 1);
    assert.equal((await get('/wire-1?includeJobDocument=maybe')).headers['x-amzn-errortype'], 'InvalidRequestException');
    assert.equal((await get('/bad%20id')).headers['x-amzn-errortype'], 'InvalidRequestException');
    const wrongPut = await get('/wire-1', 'PUT', '{}');
    assert.deepEqual([wrongPut.status, wrongPut.headers['x-amzn-errortype']], [404, 'UnknownOperationException']);
    const started = await get('/$next', 'PUT', '{}');
    assert.equal(JSON.parse(started.body).execution.status, 'IN_PROGRESS');
    const anonymous = await rawRequest({ url: base, ca: ts.ca });
    assert.deepEqual([anonymous.status, anonymous.headers['x-amzn-errortype']], [403, 'MissingAuthenticationTokenException']);
    const badThing = await rawRequest({ url: `${ts.endpoints.endpoints.iotJobsData}/things/a%20b/jobs`, ca: ts.ca, cert: device.certificatePem, key: device.privateKeyPem });
    assert.deepEqual([badThing.status, badThing.headers['x-amzn-errortype']], [400, 'InvalidRequestException']);
  });

  test("thing policy variables do not resolve over HTTPS (as on AWS): the story's MQTT policy is refused and the refusal and TestAuthorization say why; certificate variables do", async () => {
    await job('story-1', 'miso_story');
    const story = devices.get('miso_story')!;
    const refused = await refusal(certificateClient(ts, story).send(new GetPendingJobExecutionsCommand({ thingName: 'miso_story' })));
    assert.equal(refused.name, 'AccessDeniedException');
    assert.match(refused.message, /\$\{iot:Connection\.Thing\.ThingName\}, but thing policy variables resolve only on MQTT connections, not over HTTPS/);

    // The same statements written with the thing variable, beside the certificate variable that works.
    const iot = ts.iot();
    const thingVariable = bothProtocolsPolicy(ts, 'thing/${iot:Connection.Thing.ThingName}');
    await iot.send(new CreatePolicyCommand({ policyName: 'miso-thing-variable', policyDocument: thingVariable }));
    const principal = devices.get('miso_wire')!.certificateArn;
    const authInfos = JOBS_ACTIONS.map((a) => ({ actionType: a.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase(), resources: [`arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:thing/miso_wire`] }));
    const asCertificateVariable = await iot.send(new TestAuthorizationCommand({ principal, clientId: 'miso_wire', authInfos: authInfos as never }));
    assert.deepEqual(asCertificateVariable.authResults!.map((r) => r.authDecision), ['ALLOWED', 'ALLOWED', 'ALLOWED', 'ALLOWED']);
    const asThingVariable = await iot.send(
      new TestAuthorizationCommand({ principal, clientId: 'miso_wire', authInfos: authInfos as never, policyNamesToAdd: ['miso-thing-variable'], policyNamesToSkip: ['miso-both'] }),
    );
    for (const r of asThingVariable.authResults!) {
      assert.equal(r.authDecision, 'IMPLICIT_DENY');
      assert.ok(r.missingContextValues!.includes('iot:Connection.Thing.ThingName (thing policy variables resolve only on MQTT connections, not over HTTPS)'), JSON.stringify(r.missingContextValues));
    }
    // An authInfo without a known actionType is refused naming the Jobs HTTPS types beside the MQTT ones.
    for (const bad of [{ resources: authInfos[0]!.resources }, { actionType: 'JOBS', resources: authInfos[0]!.resources }]) {
      const e = await refusal(iot.send(new TestAuthorizationCommand({ principal, clientId: 'miso_wire', authInfos: [bad] as never })));
      assert.equal(e.name, 'InvalidRequestException');
      assert.match(e.message, /UPDATE_JOB_EXECUTION/, e.message);
    }
    // Over MQTT, with the thing's client id, the same policy's thing variable resolves.
    const mqtt = await iot.send(
      new TestAuthorizationCommand({
        principal,
        clientId: 'miso_wire',
        authInfos: [{ actionType: 'PUBLISH', resources: [`arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:topic/$aws/things/miso_wire/jobs/get`] }],
        policyNamesToAdd: ['miso-thing-variable'],
        policyNamesToSkip: ['miso-both'],
      }),
    );
    assert.deepEqual([mqtt.authResults![0]!.authDecision, mqtt.authResults![0]!.missingContextValues], ['ALLOWED', []]);
  });
});
