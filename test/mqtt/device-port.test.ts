/**
 * Where devices connect besides the MQTT port, with aws-iot-device-sdk v1 as
 * devices do: MQTT over WebSocket signed with IAM credentials (a role session
 * from the credentials provider) and raw MQTT on the device port selected by
 * ALPN `x-amzn-mqtt-ca` (AWS's port 443), each running a job to SUCCEEDED,
 * while HTTPS on the same port still answers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { DescribeJobExecutionCommand } from '@aws-sdk/client-iot';
import { engines } from '../helpers/stores.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rawRequest } from '../helpers/http.js';
import { createJob, provisionDevices } from '../jobs/helpers.js';
import { runSdkJob, sdkJobsClient } from './device-sdk.js';
import { roleSession } from './websocket-helpers.js';

const DOCUMENT = JSON.stringify({ operation: 'reboot', version: '1.0.0' });

for (const { engine, skip } of engines()) describe(`devices on the device port [${engine}]`, { skip }, () => {
  let ts: TestServer;
  let device: URL;
  before(async () => {
    ts = await startTestServer({ engine });
    device = new URL(ts.endpoints.endpoints.iotJobsData);
  });
  after(() => ts.close());

  /** The execution's status once it is terminal (the SDK's succeeded() calls back once it has published, before Ferry answers). */
  const executionStatus = async (jobId: string, thingName: string) => {
    for (;;) {
      const status = (await ts.iot().send(new DescribeJobExecutionCommand({ jobId, thingName }))).execution?.status;
      if (status !== 'IN_PROGRESS' && status !== 'QUEUED') return status;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  test('aws-iot-device-sdk v1 over wss with a role session\'s credentials runs a job, judged by the role\'s IAM policies', async () => {
    const arn = (rest: string) => `arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:${rest}`;
    // The story's device policy as an IAM policy: the session's thing name, from the credentials provider, scopes it.
    const own = '$aws/things/${credentials-iot:ThingName}/jobs/*';
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iot:Connect', Resource: arn('client/${credentials-iot:ThingName}') },
        { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: arn(`topic/${own}`) },
        { Effect: 'Allow', Action: 'iot:Subscribe', Resource: arn(`topicfilter/${own}`) },
      ],
    });
    const creds = await roleSession(ts, 'wss-role', policy);
    const thingName = 'wss-role-device';
    await createJob(ts, { jobId: 'wss-job', things: [thingName], document: DOCUMENT });
    const jobs = await sdkJobsClient({
      protocol: 'wss',
      host: device.hostname,
      port: Number(device.port),
      region: ts.endpoints.region,
      clientId: thingName,
      accessKeyId: creds.accessKeyId,
      secretKey: creds.secretAccessKey,
      sessionToken: creds.sessionToken,
      websocketOptions: { ca: ts.ca },
    });
    try {
      const job = await runSdkJob(jobs, thingName, 'reboot');
      assert.equal(job.id, 'wss-job');
      assert.equal(await executionStatus('wss-job', thingName), 'SUCCEEDED');
    } finally {
      await new Promise<void>((resolve) => jobs.end(true, () => resolve()));
    }
    // The same credentials under another thing's client id are refused (iot:Connect on client/${credentials-iot:ThingName}).
    await assert.rejects(
      sdkJobsClient({ protocol: 'wss', host: device.hostname, port: Number(device.port), region: ts.endpoints.region, clientId: 'someone-else', accessKeyId: creds.accessKeyId, secretKey: creds.secretAccessKey, sessionToken: creds.sessionToken, websocketOptions: { ca: ts.ca } }),
    );
  });

  test('a device offering ALPN x-amzn-mqtt-ca on the device port runs a job with its certificate, while HTTPS on the same port still works', async () => {
    const thingName = 'miso_alpn';
    const creds = (await provisionDevices(ts, [thingName])).get(thingName)!;
    await createJob(ts, { jobId: 'alpn-job', things: [thingName], document: DOCUMENT });
    const jobs = await sdkJobsClient({
      protocol: 'mqtts',
      host: device.hostname,
      port: Number(device.port),
      clientId: thingName,
      privateKey: Buffer.from(creds.privateKeyPem),
      clientCert: Buffer.from(creds.certificatePem),
      caCert: Buffer.from(ts.ca),
      servername: 'localhost',
      ALPNProtocols: ['x-amzn-mqtt-ca'],
    });
    try {
      const job = await runSdkJob(jobs, thingName, 'reboot');
      assert.equal(job.id, 'alpn-job');
      assert.equal(await executionStatus('alpn-job', thingName), 'SUCCEEDED');
      // HTTPS on the same port, with and without ALPN http/1.1, while the MQTT connection is open.
      const health = await rawRequest({ url: `${ts.endpoints.endpoints.iotJobsData}/healthz`, ca: ts.ca });
      assert.equal(health.status, 200);
      const pending = await rawRequest({ url: `${ts.endpoints.endpoints.iotJobsData}/things/${thingName}/jobs`, ca: ts.ca, cert: creds.certificatePem, key: creds.privateKeyPem });
      // The Jobs HTTPS data plane judged the certificate (the story policy's thing variables do not resolve over HTTPS, as on AWS).
      assert.equal(pending.status, 403, pending.body);
      assert.equal(JSON.parse(pending.body).code, 'AccessDeniedException');
    } finally {
      await new Promise<void>((resolve) => jobs.end(true, () => resolve()));
    }
    // What each ALPN offer negotiates on the device port.
    assert.equal(await negotiated(['x-amzn-mqtt-ca']), 'x-amzn-mqtt-ca');
    assert.equal(await negotiated(['h2', 'http/1.1']), 'http/1.1');
    assert.equal(await negotiated(undefined), false);
  });

  function negotiated(ALPNProtocols: string[] | undefined): Promise<string | false> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: device.hostname, port: Number(device.port), ca: ts.ca, servername: 'localhost', ...(ALPNProtocols ? { ALPNProtocols } : {}) }, () => {
        resolve(socket.alpnProtocol ?? false);
        socket.destroy();
      });
      socket.on('error', reject);
    });
  }
});
