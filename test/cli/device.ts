import mqtt, { type MqttClient } from 'mqtt';
import { readKit } from '../../src/agent/kit.js';

/** Connects to the broker as the kit's thing, with the kit's files only. */
export async function connectWithKit(kitDir: string, clientId?: string): Promise<MqttClient> {
  const kit = readKit(kitDir);
  const client = mqtt.connect(kit.config.endpoints.mqtt!, {
    clientId: clientId ?? kit.config.clientId ?? kit.config.thingName,
    cert: kit.certPem,
    key: kit.keyPem,
    ca: kit.caPem,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
  return client;
}

/** One request/response exchange on the Jobs MQTT API (aws-wire-protocols.md §1): publish, wait for …/accepted or …/rejected. */
export async function jobsRequest(client: MqttClient, topic: string, body: object): Promise<any> {
  const clientToken = Math.random().toString(36).slice(2);
  const accepted = `${topic}/accepted`;
  const rejected = `${topic}/rejected`;
  await client.subscribeAsync([accepted, rejected], { qos: 1 });
  try {
    return await new Promise((resolve, reject) => {
      const onMessage = (t: string, payload: Buffer) => {
        if (t !== accepted && t !== rejected) return;
        const message = JSON.parse(payload.toString());
        if (message.clientToken !== clientToken) return;
        client.off('message', onMessage);
        if (t === accepted) resolve(message);
        else reject(new Error(`${topic} rejected: ${payload.toString()}`));
      };
      client.on('message', onMessage);
      client.publish(topic, JSON.stringify({ ...body, clientToken }), { qos: 1 });
    });
  } finally {
    await client.unsubscribeAsync([accepted, rejected]);
  }
}

/** A device that takes its next job, reports progress, and ends it as told. */
export async function runNextJob(
  client: MqttClient,
  thingName: string,
  end: { status: 'SUCCEEDED' | 'FAILED'; statusDetails?: Record<string, string> },
): Promise<{ jobId: string; jobDocument: unknown }> {
  const base = `$aws/things/${thingName}/jobs`;
  const next = await jobsRequest(client, `${base}/start-next`, { statusDetails: { percent: '0' } });
  const execution = next.execution;
  if (!execution) throw new Error(`${thingName} has no job to run`);
  const progress = await jobsRequest(client, `${base}/${execution.jobId}/update`, {
    status: 'IN_PROGRESS',
    statusDetails: { percent: '50' },
    expectedVersion: execution.versionNumber,
  });
  void progress;
  await jobsRequest(client, `${base}/${execution.jobId}/update`, { status: end.status, statusDetails: end.statusDetails ?? {} });
  return { jobId: execution.jobId, jobDocument: execution.jobDocument };
}
