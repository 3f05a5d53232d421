import https from 'node:https';
import { randomUUID } from 'node:crypto';
import type { IClientOptions, MqttClient } from 'mqtt';
import { CreateJobCommand, type CreateJobCommandInput, type IoTClient } from '@aws-sdk/client-iot';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { TestServer } from '../helpers/server.js';
import { connectWithInbox, createPolicy, end, provisionThing, storyPolicy, subscribe, type DeviceCredentials, type Inbox } from '../mqtt/helpers.js';

export const trustPolicy = (service: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
export const allowGet = (bucket: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] }] });

/** An IoT client that signs by the server's (moved) clock, as a client whose clock agrees with the server's would. */
export function iotAtClock(ts: TestServer): IoTClient {
  const client = ts.iot();
  client.config.systemClockOffset = ts.clock.now() - Date.now();
  return client;
}

export const arnOf = (ts: TestServer, rest: string) => `arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:${rest}`;
export const roleArnOf = (ts: TestServer, name: string) => `arn:aws:iam::${ts.endpoints.accountId}:role/${name}`;

/** A bucket holding `bytes` at `key`. */
export async function uploadFirmware(ts: TestServer, bucket: string, key: string, bytes: Buffer): Promise<void> {
  const s3 = ts.s3();
  await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((e: Error) => {
    if (e.name !== 'BucketAlreadyOwnedByYou') throw e;
  });
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
}

/** A role trusting `service` (iot.amazonaws.com for jobs) allowed to read `bucket`. */
export async function createSigningRole(ts: TestServer, name: string, bucket: string, service = 'iot.amazonaws.com'): Promise<string> {
  const iam = ts.iam();
  const out = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustPolicy(service) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'read-firmware', PolicyDocument: allowGet(bucket) }));
  return out.Role!.Arn!;
}

/** Things with the story's device policy, one certificate each. */
export async function provisionDevices(ts: TestServer, names: string[], policy = 'miso-device'): Promise<Map<string, DeviceCredentials>> {
  const iot = ts.iot();
  await createPolicy(iot, policy, storyPolicy(ts)).catch((e: Error) => {
    if (e.name !== 'ResourceAlreadyExistsException') throw e;
  });
  const out = new Map<string, DeviceCredentials>();
  for (const name of names) out.set(name, await provisionThing(iot, name, policy, { ec: true }));
  return out;
}

export async function createJob(ts: TestServer, input: Partial<CreateJobCommandInput> & { jobId: string; things?: string[] }) {
  const { things, ...rest } = input;
  return iotAtClock(ts).send(new CreateJobCommand({ targets: (things ?? []).map((t) => arnOf(ts, `thing/${t}`)), ...rest }));
}

export interface JobsAnswer {
  topic: string;
  outcome: 'accepted' | 'rejected';
  body: any;
}

/**
 * A device speaking the Jobs MQTT API with mqtt.js, as a v2 SDK device does:
 * requests carry a clientToken, answers are matched by it.
 */
export class JobsDevice {
  private constructor(
    readonly client: MqttClient,
    readonly inbox: Inbox,
    readonly thingName: string,
  ) {}

  static async connect(ts: TestServer, thingName: string, creds: DeviceCredentials, opts: { subscribe?: boolean; mqtt?: IClientOptions } = {}): Promise<JobsDevice> {
    const { client, box } = await connectWithInbox(ts, creds, thingName, opts.mqtt);
    if (opts.subscribe !== false) await subscribe(client, [`$aws/things/${thingName}/jobs/notify`, `$aws/things/${thingName}/jobs/notify-next`]);
    return new JobsDevice(client, box, thingName);
  }

  topic(rest: string): string {
    return `$aws/things/${this.thingName}/jobs/${rest}`;
  }

  /** Publishes to `…/jobs/{rest}` and waits for the answer with the same clientToken. */
  async request(rest: string, body: Record<string, unknown> = {}, opts: { clientToken?: string | null } = {}): Promise<JobsAnswer> {
    const topic = this.topic(rest);
    const token = opts.clientToken === undefined ? randomUUID() : opts.clientToken;
    const payload = token === null ? body : { ...body, clientToken: token };
    return this.send(topic, JSON.stringify(payload), token);
  }

  /** Publishes raw bytes to a topic and waits for `<topic>/accepted|rejected` (with this clientToken, if any). */
  async send(topic: string, payload: string | Buffer, token: string | null = null): Promise<JobsAnswer> {
    const answer = new Promise<JobsAnswer>((resolve) => {
      const onMessage = (t: string, p: Buffer) => {
        if (t !== `${topic}/accepted` && t !== `${topic}/rejected`) return;
        const body = JSON.parse(p.toString());
        if (token !== null && body.clientToken !== token) return;
        this.client.off('message', onMessage);
        resolve({ topic: t, outcome: t.endsWith('/accepted') ? 'accepted' : 'rejected', body });
      };
      this.client.on('message', onMessage);
    });
    await this.client.publishAsync(topic, payload, { qos: 1 });
    return answer;
  }

  async accepted(rest: string, body: Record<string, unknown> = {}): Promise<any> {
    const a = await this.request(rest, body);
    if (a.outcome !== 'accepted') throw new Error(`${rest} rejected: ${JSON.stringify(a.body)}`);
    return a.body;
  }

  async rejected(rest: string, body: Record<string, unknown> = {}): Promise<any> {
    const a = await this.request(rest, body);
    if (a.outcome !== 'rejected') throw new Error(`${rest} accepted: ${JSON.stringify(a.body)}`);
    return a.body;
  }

  /** The next notify / notify-next message not yet taken. */
  async next(which: 'notify' | 'notify-next'): Promise<any> {
    return JSON.parse((await this.inbox.next(this.topic(which))).payload);
  }

  /** Messages received so far on notify / notify-next, not yet taken. */
  seen(which: 'notify' | 'notify-next'): any[] {
    return this.inbox.all.filter((m) => m.topic === this.topic(which)).map((m) => JSON.parse(m.payload));
  }

  async end(): Promise<void> {
    await end(this.client);
  }
}

/** GET over HTTPS trusting the server's CA: status and body bytes. */
export function httpsGet(ts: TestServer, url: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca: ts.ca, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** An operator's MQTT client on `$aws/events/#` (jobs events), with its own certificate and policy. */
export async function eventsObserver(ts: TestServer, clientId = 'observer'): Promise<{ client: MqttClient; box: Inbox }> {
  const iot = ts.iot();
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: arnOf(ts, `client/${clientId}`) },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: arnOf(ts, 'topicfilter/$aws/events/*') },
      { Effect: 'Allow', Action: 'iot:Receive', Resource: arnOf(ts, 'topic/$aws/events/*') },
    ],
  });
  await createPolicy(iot, `${clientId}-policy`, policy);
  const creds = await provisionThing(iot, clientId, `${clientId}-policy`, { ec: true });
  const { client, box } = await connectWithInbox(ts, creds, clientId);
  await subscribe(client, ['$aws/events/#']);
  return { client, box };
}
