/**
 * A console session's MQTT WebSocket connection (signed with the session's own credential)
 * is closed when the session ends — at sign-out, and when the access key it was signed in
 * with is deactivated — while another session's connection stays up.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { MqttClient } from 'mqtt';
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreateUserCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectWebSocket } from '../mqtt/websocket-helpers.js';

let ts: TestServer;

function post(path: string, body: unknown, cookie?: string): Promise<{ status: number; json: Record<string, unknown>; cookie: string }> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      new URL(path, ts.endpoints.endpoints.console),
      { method: 'POST', agent: ts.agent, headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const set = response.headers['set-cookie']?.[0]?.split(';')[0] ?? '';
          resolve({ status: response.statusCode ?? 0, json: raw ? (JSON.parse(raw) as Record<string, unknown>) : {}, cookie: set });
        });
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

/** Signs in with a key and connects the session's MQTT client. */
async function sessionClient(key: { accessKeyId: string; secretAccessKey: string }, clientId: string): Promise<{ cookie: string; client: MqttClient }> {
  const signedIn = await post('api/session', key);
  assert.equal(signedIn.status, 200);
  const answer = await post('api/mqtt-url', {}, signedIn.cookie);
  assert.equal(answer.status, 200);
  const { client } = await connectWebSocket(ts, answer.json.url as string, clientId);
  return { cookie: signedIn.cookie, client };
}

const closeOf = (client: MqttClient) => new Promise<void>((resolve) => client.once('close', () => resolve()));

/** A round trip through the broker: the connection is still served. */
async function stillServed(client: MqttClient, topic: string): Promise<void> {
  await client.subscribeAsync(topic, { qos: 1 });
  const got = new Promise<string>((resolve) => client.once('message', (t: string) => resolve(t)));
  await client.publishAsync(topic, 'ping', { qos: 1 });
  assert.equal(await got, topic);
}

before(async () => {
  ts = await startTestServer();
});
after(() => ts.close());

test('sign-out closes that session\'s MQTT connection; another session\'s stays', { timeout: 60_000 }, async () => {
  const ending = await sessionClient(ts.credentials, 'console-a');
  const staying = await sessionClient(ts.credentials, 'console-b');
  const closed = closeOf(ending.client);
  assert.equal((await post('api/session/end', {}, ending.cookie)).status, 200);
  await closed;
  await stillServed(staying.client, 'console/b');
  await staying.client.endAsync();
});

test('deactivating the key a session signed in with closes its MQTT connection', { timeout: 60_000 }, async () => {
  const iam = ts.iam();
  await iam.send(new CreateUserCommand({ UserName: 'operator' }));
  await iam.send(new AttachUserPolicyCommand({ UserName: 'operator', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'operator' }))).AccessKey!;
  const user = await sessionClient({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }, 'console-user');
  const root = await sessionClient(ts.credentials, 'console-root');
  await stillServed(user.client, 'console/user');
  const closed = closeOf(user.client);
  await iam.send(new UpdateAccessKeyCommand({ UserName: 'operator', AccessKeyId: key.AccessKeyId!, Status: 'Inactive' }));
  await closed;
  await stillServed(root.client, 'console/root');
  await root.client.endAsync();
});
