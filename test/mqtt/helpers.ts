import { createSecureContext, type SecureContext } from 'node:tls';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateCertificateFromCsrCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { createCertificateSigningRequest, generateKeyPair } from '../../src/pki/index.js';
import { storyPolicy as storyPolicyFor } from '../helpers/policies.js';
import type { TestServer } from '../helpers/server.js';

export interface DeviceCredentials {
  certificateId: string;
  certificateArn: string;
  certificatePem: string;
  privateKeyPem: string;
}

/** The story's device policy (DESIGN.md), with this server's region and account. */
export const storyPolicy = (ts: TestServer): string => storyPolicyFor(ts.endpoints.region, ts.endpoints.accountId);

/** A policy allowing everything MQTT on `prefix*` topics, for tests that are not about policy. */
export function openPolicy(ts: TestServer, opts: { clients?: string; topics?: string; retain?: boolean } = {}): string {
  const arn = (rest: string) => `arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:${rest}`;
  const topics = opts.topics ?? '*';
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: arn(`client/${opts.clients ?? '*'}`) },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive', ...(opts.retain === false ? [] : ['iot:RetainPublish'])], Resource: arn(`topic/${topics}`) },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: arn(`topicfilter/${topics}`) },
    ],
  });
}

export async function createPolicy(iot: IoTClient, name: string, document: string): Promise<void> {
  await iot.send(new CreatePolicyCommand({ policyName: name, policyDocument: document }));
}

/** CreateKeysAndCertificate (RSA, as AWS issues), active. */
export async function createKeysAndCertificate(iot: IoTClient): Promise<DeviceCredentials> {
  const out = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  return { certificateId: out.certificateId!, certificateArn: out.certificateArn!, certificatePem: out.certificatePem!, privateKeyPem: out.keyPair!.PrivateKey! };
}

/** An EC key made "on the device", its CSR signed by CreateCertificateFromCsr, active. */
export async function createEcCertificate(iot: IoTClient): Promise<DeviceCredentials> {
  const pair = await generateKeyPair('ec');
  const csr = await createCertificateSigningRequest({ ...pair, commonName: 'device' });
  const out = await iot.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: csr, setAsActive: true }));
  return { certificateId: out.certificateId!, certificateArn: out.certificateArn!, certificatePem: out.certificatePem!, privateKeyPem: pair.privateKeyPem };
}

/** A thing with its own certificate, the given policy attached to the certificate, the certificate attached to the thing. */
export async function provisionThing(iot: IoTClient, thingName: string, policyName: string, opts: { ec?: boolean } = {}): Promise<DeviceCredentials> {
  await iot.send(new CreateThingCommand({ thingName }));
  const creds = opts.ec ? await createEcCertificate(iot) : await createKeysAndCertificate(iot);
  await iot.send(new AttachPolicyCommand({ policyName, target: creds.certificateArn }));
  await iot.send(new AttachThingPrincipalCommand({ thingName, principal: creds.certificateArn }));
  return creds;
}

export function mqttUrl(ts: TestServer): string {
  return ts.endpoints.endpoints.mqtt;
}

// One TLS context per certificate, shared by its connections: parsing keys for each is the client's cost, not the broker's.
const contexts = new Map<string, SecureContext>();

function secureContextFor(ca: string, creds: { certificatePem: string; privateKeyPem: string } | undefined): SecureContext {
  const key = `${ca}\n${creds?.certificatePem ?? ''}`;
  let context = contexts.get(key);
  if (!context) {
    context = createSecureContext({ ca, ...(creds ? { cert: creds.certificatePem, key: creds.privateKeyPem } : {}) });
    contexts.set(key, context);
  }
  return context;
}

/** mqtt.js options for a device: mutual TLS with the server's CA, no automatic reconnect. */
export function deviceOptions(ts: TestServer, creds: { certificatePem: string; privateKeyPem: string } | undefined, clientId: string, extra: IClientOptions = {}): IClientOptions {
  // mqtt.js hands its options to tls.connect, which takes a ready secureContext and noDelay.
  const tlsOptions = { secureContext: secureContextFor(ts.ca, creds) };
  return {
    clientId,
    ...(tlsOptions as IClientOptions),
    rejectUnauthorized: true,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    protocolVersion: 4,
    ...extra,
  };
}

/** Connects; rejects with the broker's refusal (e.g. "Connection refused: Not authorized"). */
export async function connect(ts: TestServer, creds: { certificatePem: string; privateKeyPem: string } | undefined, clientId: string, extra: IClientOptions = {}): Promise<MqttClient> {
  return (await connectWithInbox(ts, creds, clientId, extra)).client;
}

/**
 * Connects with an inbox attached before the CONNACK, so messages the broker
 * sends right after it (a persistent session's queue) are not missed.
 */
export async function connectWithInbox(
  ts: TestServer,
  creds: { certificatePem: string; privateKeyPem: string } | undefined,
  clientId: string,
  extra: IClientOptions = {},
): Promise<{ client: MqttClient; box: Inbox; sessionPresent: boolean }> {
  const client = mqtt.connect(mqttUrl(ts), deviceOptions(ts, creds, clientId, extra));
  const box = inbox(client);
  const { sessionPresent } = await connackOf(client);
  return { client, box, sessionPresent };
}

/** Waits for a client's CONNACK; a refusal or a close before it ends the client and rejects. Later errors are the test's to see, not thrown. */
export async function connackOf(client: MqttClient): Promise<{ sessionPresent: boolean }> {
  let sessionPresent = false;
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', (connack) => {
        sessionPresent = connack.sessionPresent;
        resolve();
      });
      client.once('error', reject);
      client.once('close', () => reject(new Error('connection closed before CONNACK')));
    });
  } catch (error) {
    client.end(true);
    throw error;
  }
  client.on('error', () => {});
  return { sessionPresent };
}

/** The reason a CONNECT was refused (the error's message), or 'connected' if it was not. */
export async function connectOutcome(
  ts: TestServer,
  creds: { certificatePem: string; privateKeyPem: string } | undefined,
  clientId: string,
  extra: IClientOptions = {},
): Promise<string> {
  try {
    const client = await connect(ts, creds, clientId, extra);
    await end(client);
    return 'connected';
  } catch (error) {
    return (error as Error).message;
  }
}

/** SUBSCRIBE and the granted QoS of each filter (128 = refused). */
export async function subscribe(client: MqttClient, filters: string[], qos: 0 | 1 | 2 = 1): Promise<number[]> {
  try {
    const granted = await client.subscribeAsync(Object.fromEntries(filters.map((topic) => [topic, { qos }])));
    return filters.map((topic) => granted.find((g) => g.topic === topic)!.qos);
  } catch (error) {
    // mqtt.js rejects a SUBACK holding 0x80; the codes are on the packet, in the filters' order.
    const granted = (error as { packet?: { granted?: Array<number | { qos: number }> } }).packet?.granted;
    if (!granted) throw error;
    return granted.map((g) => (typeof g === 'number' ? g : g.qos));
  }
}

/** Resolves when the client's connection closes. */
export function closed(client: MqttClient): Promise<void> {
  if (!client.connected) return Promise.resolve();
  return new Promise((resolve) => client.once('close', () => resolve()));
}

/** Disconnects cleanly (DISCONNECT) if still connected; otherwise just stops the client. */
export async function end(client: MqttClient): Promise<void> {
  if (!client.connected) {
    client.end(true);
    return;
  }
  await client.endAsync().catch(() => {});
}

export interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}

export interface Inbox {
  all: Received[];
  /** The first message (on `topic`) not yet taken, waiting for it if need be. */
  next(topic?: string): Promise<Received>;
}

/** Collects the messages a client receives. */
export function inbox(client: MqttClient): Inbox {
  const all: Received[] = [];
  const taken = new Set<Received>();
  const waiters: Array<{ topic: string | undefined; resolve: (m: Received) => void }> = [];
  const matches = (m: Received, topic: string | undefined) => !taken.has(m) && (topic === undefined || m.topic === topic);
  client.on('message', (topic, payload, packet) => {
    const message = { topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain };
    all.push(message);
    const index = waiters.findIndex((w) => matches(message, w.topic));
    if (index >= 0) {
      taken.add(message);
      waiters.splice(index, 1)[0]!.resolve(message);
    }
  });
  return {
    all,
    next(topic) {
      const seen = all.find((m) => matches(m, topic));
      if (seen) {
        taken.add(seen);
        return Promise.resolve(seen);
      }
      return new Promise((resolve) => waiters.push({ topic, resolve }));
    },
  };
}

/**
 * A round trip through the broker on the client's own connection: once it
 * returns, every message published before it has been delivered (the broker
 * delivers in order on one connection). Tests use it to show something did
 * *not* arrive without waiting for time to pass.
 */
export async function flush(sender: MqttClient, receiver: MqttClient, topic: string): Promise<void> {
  const marker = `flush-${Math.random()}`;
  const arrived = new Promise<void>((resolve) => {
    const onMessage = (t: string, payload: Buffer) => {
      if (t === topic && payload.toString() === marker) {
        receiver.off('message', onMessage);
        resolve();
      }
    };
    receiver.on('message', onMessage);
  });
  await sender.publishAsync(topic, marker, { qos: 1 });
  await arrived;
}
