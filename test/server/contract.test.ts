import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DescribeEndpointCommand, ListThingsCommand } from '@aws-sdk/client-iot';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { IoTClient } from '@aws-sdk/client-iot';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import https from 'node:https';
import { startTestServer } from '../helpers/server.js';

const run = promisify(execFile);

test('a server on port 0 writes the contract files', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const e = s.endpoints;
  assert.equal(e.region, 'us-east-1');
  assert.match(e.accountId, /^[1-9]\d{11}$/);
  assert.equal(e.profile, 'ferry');
  for (const [name, url] of Object.entries(e.endpoints)) {
    assert.match(url, /^(https|mqtts|wss):\/\/127\.0\.0\.1:\d+(\/mqtt)?$/, name);
    assert.notEqual(new URL(url).port, '0', name);
  }
  assert.equal(e.endpoints.iot, e.endpoints.iam);
  assert.equal(e.endpoints.iotJobsData, e.endpoints.credentialProvider);
  assert.equal(e.endpoints.mqttWebSocket, `${e.endpoints.iotJobsData.replace('https:', 'wss:')}/mqtt`, 'MQTT over WebSocket on the device listener');
  assert.match(readFileSync(e.caFile, 'utf8'), /BEGIN CERTIFICATE/);
  const creds = readFileSync(e.credentialsFile, 'utf8');
  assert.match(creds, /^\[ferry\]\naws_access_key_id = AKIA[A-Z2-7]{16}\naws_secret_access_key = \S{40}\n$/);
  assert.equal(statSync(e.credentialsFile).mode & 0o777, 0o600);
  const config = readFileSync(e.configFile, 'utf8');
  assert.match(config, /\[profile ferry\]\nregion = us-east-1/);
  assert.match(config, new RegExp(`^ferry_mqtt_websocket = ${e.endpoints.mqttWebSocket}$`, 'm'));
  for (const id of ['iot', 'iam', 'sts', 'iot_jobs_data_plane', 's3']) assert.match(config, new RegExp(`^${id} =\\n  endpoint_url = https://`, 'm'));
  assert.equal(statSync(`${s.dataDir}/pki/ca.key`).mode & 0o777, 0o600);
});

test('@aws-sdk/client-iot configured from the contract files gets DescribeEndpoint and ListThings', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  // Credentials read from the shared files exactly as a user's SDK would.
  const credentials = fromIni({ profile: 'ferry', filepath: s.endpoints.credentialsFile, configFilepath: s.endpoints.configFile });
  const iot = new IoTClient({
    region: s.endpoints.region,
    endpoint: s.endpoints.endpoints.iot,
    credentials,
    requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca: s.ca }) }),
  });
  for (const endpointType of ['iot:Data-ATS', 'iot:Data', 'iot:CredentialProvider', 'iot:Jobs']) {
    const out = await iot.send(new DescribeEndpointCommand({ endpointType }));
    assert.equal(out.endpointAddress, '127.0.0.1', endpointType);
  }
  await assert.rejects(iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Nope' })), { name: 'InvalidRequestException' });
  const things = await iot.send(new ListThingsCommand({}));
  assert.ok(Array.isArray(things.things));
  const who = await s.sts().send(new GetCallerIdentityCommand({}));
  assert.equal(who.Account, s.endpoints.accountId);
  assert.equal(who.Arn, `arn:aws:iam::${s.endpoints.accountId}:root`);
});

test('the advertised host is the first --public-host', async (t) => {
  const s = await startTestServer({ publicHosts: ['ferry.example.test', 'other.example.test'] });
  t.after(() => s.close());
  assert.match(s.endpoints.endpoints.s3, /^https:\/\/ferry\.example\.test:\d+$/);
  // The advertised name need not resolve here: talk to the listener by address.
  const iot = new IoTClient({
    region: 'us-east-1',
    endpoint: `https://127.0.0.1:${new URL(s.endpoints.endpoints.iot).port}`,
    credentials: s.credentials,
    requestHandler: new NodeHttpHandler({ httpsAgent: s.agent }),
  });
  const out = await iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
  assert.equal(out.endpointAddress, 'ferry.example.test');
  const { stdout } = await run('openssl', ['x509', '-in', `${s.dataDir}/pki/server.pem`, '-noout', '-ext', 'subjectAltName']);
  for (const name of ['localhost', '*.localhost', 'ferry.example.test', '*.ferry.example.test', 'other.example.test', '127.0.0.1']) {
    assert.ok(stdout.includes(name), `SAN ${name} in ${stdout}`);
  }
});

/** What openssl s_client says about the server's certificate request. */
async function asksForClientCertificate(port: number): Promise<boolean> {
  const { stdout } = await run('bash', ['-c', `openssl s_client -connect 127.0.0.1:${port} -servername localhost </dev/null 2>&1 || true`]);
  // A CertificateRequest lists the CAs the server accepts; without one openssl says none were sent.
  return stdout.includes('Acceptable client certificate CA names');
}

test('the api listener does not ask for a client certificate; the device and mqtt listeners do', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const port = (name: keyof typeof s.endpoints.endpoints) => Number(new URL(s.endpoints.endpoints[name]).port);
  assert.equal(await asksForClientCertificate(port('iot')), false);
  assert.equal(await asksForClientCertificate(port('s3')), false);
  assert.equal(await asksForClientCertificate(port('iotJobsData')), true);
  assert.equal(await asksForClientCertificate(port('mqtt')), true);
});
