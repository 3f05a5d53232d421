/**
 * A worker thread holding a fleet of MQTT devices that run one job each, so
 * the devices' side of the TLS handshakes runs on another core than the
 * server's. Driven by fleet.test.ts:
 * workerData = { url, ca, certificates: [{ certificatePem, privateKeyPem }], things: [{ name, certificate }], batch }.
 * Messages out: { connected: n } once every device is connected and subscribed to notify-next;
 * then, after each device got its job by notify-next, started it, reported IN_PROGRESS and its end
 * (FAILED for every third device, SUCCEEDED otherwise): { finished: { thing: status }, urls: n }; { error }.
 * Message in: 'close' → { closed: true }.
 */
import { createSecureContext } from 'node:tls';
import { parentPort, workerData } from 'node:worker_threads';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

interface FleetSpec {
  url: string;
  ca: string;
  certificates: Array<{ certificatePem: string; privateKeyPem: string }>;
  things: Array<{ name: string; certificate: number }>;
  batch: number;
}

const spec = workerData as FleetSpec;
const port = parentPort!;
const contexts = spec.certificates.map((c) => createSecureContext({ ca: spec.ca, cert: c.certificatePem, key: c.privateKeyPem }));
const clients: MqttClient[] = [];
const finished: Record<string, string> = {};
let urls = 0;

function open(thing: { name: string; certificate: number }, index: number): Promise<MqttClient> {
  const tlsOptions = { secureContext: contexts[thing.certificate], noDelay: true };
  const options: IClientOptions = { ...(tlsOptions as IClientOptions), clientId: thing.name, reconnectPeriod: 0, connectTimeout: 60_000, keepalive: 600, protocolVersion: 4 };
  const client = mqtt.connect(spec.url, options);
  const prefix = `$aws/things/${thing.name}/jobs`;
  const end = index % 3 === 0 ? 'FAILED' : 'SUCCEEDED';
  let started = false;
  client.on('message', (topic, payload) => {
    const body = JSON.parse(payload.toString());
    if (topic === `${prefix}/notify-next` && body.execution && !started) {
      started = true;
      if (typeof body.execution.jobDocument?.url === 'string' && body.execution.jobDocument.url.includes('X-Amz-Signature=')) urls++;
      client.publish(`${prefix}/start-next`, JSON.stringify({ clientToken: 'start', statusDetails: { step: 'starting' } }), { qos: 1 });
    } else if (topic === `${prefix}/start-next/accepted`) {
      const jobId = body.execution.jobId as string;
      client.publish(`${prefix}/${jobId}/update`, JSON.stringify({ status: 'IN_PROGRESS', statusDetails: { step: 'working' }, clientToken: 'progress' }), { qos: 1 });
    } else if (topic.endsWith('/update/accepted') && body.clientToken === 'progress') {
      const jobId = topic.split('/')[4]!;
      client.publish(`${prefix}/${jobId}/update`, JSON.stringify({ status: end, statusDetails: { step: 'done' }, clientToken: 'end' }), { qos: 1 });
    } else if (topic.endsWith('/update/accepted') && body.clientToken === 'end') {
      finished[thing.name] = end;
      if (Object.keys(finished).length === spec.things.length) port.postMessage({ finished, urls });
    } else if (topic.endsWith('/rejected')) {
      port.postMessage({ error: `${thing.name}: ${topic} ${payload.toString()}` });
    }
  });
  return new Promise((resolve, reject) => {
    client.once('connect', () => client.subscribe(`${prefix}/notify-next`, { qos: 1 }, (error) => (error ? reject(error) : resolve(client))));
    client.once('error', reject);
  });
}

async function connectAll(): Promise<void> {
  for (let start = 0; start < spec.things.length; start += spec.batch) {
    const batch = spec.things.slice(start, start + spec.batch);
    clients.push(...(await Promise.all(batch.map((thing, i) => open(thing, start + i)))));
  }
  port.postMessage({ connected: clients.filter((c) => c.connected).length });
}

async function closeAll(): Promise<void> {
  await Promise.all(clients.map((c) => c.endAsync().catch(() => {})));
  port.postMessage({ closed: true });
}

port.on('message', (message: string) => {
  if (message === 'close') closeAll().catch((error: unknown) => port.postMessage({ error: String(error) }));
});
connectAll().catch((error: unknown) => port.postMessage({ error: String(error) }));
