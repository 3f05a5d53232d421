import { createHash, createHmac } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { AttachPolicyCommand, CreateRoleAliasCommand, type IoTClient } from '@aws-sdk/client-iot';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { rawRequest } from '../helpers/http.js';
import { trustPolicy } from '../helpers/policies.js';
import type { TestServer } from '../helpers/server.js';
import { connackOf, createPolicy, inbox, provisionThing, type Inbox } from './helpers.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const hmac = (key: Buffer | string, s: string) => createHmac('sha256', key).update(s).digest();
const amzDate = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/**
 * A SigV4 WebSocket URL built exactly as aws-crt-nodejs lib/browser/ws.ts
 * builds it (and, with `hostWithPort`, as SDK v1's prepareWebSocketUrl): the
 * session token appended after signing, no X-Amz-Expires unless asked.
 * Written apart from Ferry's signer so the two cannot share a mistake.
 */
export function signWebSocketUrl(
  endpoint: string,
  creds: AwsCredentials,
  opts: { region: string; service?: string; nowMs?: number; hostWithPort?: boolean; expiresSec?: number; omitToken?: boolean },
): string {
  const url = new URL(endpoint);
  const date = amzDate(opts.nowMs ?? Date.now());
  const day = date.slice(0, 8);
  const service = opts.service ?? 'iotdevicegateway';
  const scope = `${day}/${opts.region}/${service}/aws4_request`;
  const query0 =
    `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${creds.accessKeyId}%2F${day}%2F${opts.region}%2F${service}%2Faws4_request` +
    `&X-Amz-Date=${date}${opts.expiresSec !== undefined ? `&X-Amz-Expires=${opts.expiresSec}` : ''}&X-Amz-SignedHeaders=host`;
  const host = opts.hostWithPort ? url.host : url.hostname;
  const canonical = `GET\n/mqtt\n${query0}\nhost:${host.toLowerCase()}\n\nhost\n${sha256('')}`;
  const toSign = `AWS4-HMAC-SHA256\n${date}\n${scope}\n${sha256(canonical)}`;
  const key = hmac(hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, day), opts.region), service), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  const token = creds.sessionToken && !opts.omitToken ? `&X-Amz-Security-Token=${encodeURIComponent(creds.sessionToken)}` : '';
  return `wss://${url.host}/mqtt?${query0}&X-Amz-Signature=${signature}${token}`;
}

/** The /mqtt WebSocket endpoint of a listener. */
export function webSocketEndpoint(ts: TestServer, listener: 'device' | 'api'): string {
  const base = listener === 'device' ? ts.endpoints.endpoints.iotJobsData : ts.endpoints.endpoints.iot;
  return `${base.replace('https://', 'wss://')}/mqtt`;
}

/** mqtt.js over WSS to exactly `url`; rejects with the CONNACK refusal or the HTTP refusal. */
export async function connectWebSocket(ts: TestServer, url: string, clientId: string, extra: IClientOptions = {}): Promise<{ client: MqttClient; box: Inbox }> {
  const client = mqtt.connect(url, {
    clientId,
    ca: ts.ca,
    rejectUnauthorized: true,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    protocolVersion: 4,
    transformWsUrl: () => url,
    ...extra,
  });
  const box = inbox(client);
  await connackOf(client);
  return { client, box };
}

/** The HTTP answer to a WebSocket upgrade that was refused (status, body), or 101 and the subprotocol chosen. */
export function upgradeOutcome(ts: TestServer, url: string, protocols: string[] = ['mqtt']): Promise<{ status: number; body: string; protocol?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { ca: ts.ca });
    ws.on('open', () => {
      const protocol = ws.protocol;
      ws.close();
      resolve({ status: 101, body: '', protocol });
    });
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    ws.on('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

/**
 * A role trusting the credentials provider with `policy` inline, a role alias
 * for it, and a device allowed to exchange its certificate for the role's
 * credentials: the role session the credentials provider issues.
 */
export async function roleSession(ts: TestServer, name: string, policy: string): Promise<AwsCredentials> {
  const iot: IoTClient = ts.iot();
  const iam = ts.iam();
  const role = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustPolicy('credentials.iot.amazonaws.com') }));
  await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'mqtt', PolicyDocument: policy }));
  await iot.send(new CreateRoleAliasCommand({ roleAlias: `${name}-alias`, roleArn: role.Role!.Arn!, credentialDurationSeconds: 900 }));
  const aliasArn = `arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:rolealias/${name}-alias`;
  await createPolicy(iot, `${name}-exchange`, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:AssumeRoleWithCertificate', Resource: aliasArn }] }));
  const device = await provisionThing(iot, `${name}-device`, `${name}-exchange`, { ec: true });
  await iot.send(new AttachPolicyCommand({ policyName: `${name}-exchange`, target: device.certificateArn }));
  const issued = await rawRequest({
    url: `${ts.endpoints.endpoints.credentialProvider}/role-aliases/${name}-alias/credentials`,
    ca: ts.ca,
    cert: device.certificatePem,
    key: device.privateKeyPem,
    headers: { 'x-amzn-iot-thingname': `${name}-device` },
  });
  if (issued.status !== 200) throw new Error(`credentials provider: ${issued.status} ${issued.body}`);
  const { credentials } = JSON.parse(issued.body) as { credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string } };
  return credentials;
}

/** An IAM policy allowing MQTT for client ids `clients` on topics `topics` (IoT ARNs). */
export function iamMqttPolicy(ts: TestServer, opts: { clients: string; topics: string; actions?: string[] }): string {
  const arn = (rest: string) => `arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:${rest}`;
  const actions = opts.actions ?? ['iot:Connect', 'iot:Publish', 'iot:Subscribe', 'iot:Receive'];
  const statements = [];
  if (actions.includes('iot:Connect')) statements.push({ Effect: 'Allow', Action: 'iot:Connect', Resource: arn(`client/${opts.clients}`) });
  const onTopics = actions.filter((a) => a === 'iot:Publish' || a === 'iot:Receive');
  if (onTopics.length > 0) statements.push({ Effect: 'Allow', Action: onTopics, Resource: arn(`topic/${opts.topics}`) });
  if (actions.includes('iot:Subscribe')) statements.push({ Effect: 'Allow', Action: 'iot:Subscribe', Resource: arn(`topicfilter/${opts.topics}`) });
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}
