/**
 * A worker thread holding many MQTT device connections, so the devices' side of
 * the TLS handshakes runs on another core than the broker's (a device fleet is
 * not in the broker's process either). Driven by scale.test.ts:
 * workerData = { url, ca, certificates: [{ certificatePem, privateKeyPem }], count, batch, clientPrefix, topic }.
 * Messages in: 'expect' (every client must receive one message on `topic`), 'close'.
 * Messages out: { connected: n } after all are connected and subscribed; { listening: true } once
 * 'expect' is set up, then { received: n, payloads: distinct payloads, stillConnected: n };
 * { closed: true }; { error }.
 */
import { createSecureContext } from 'node:tls';
import { parentPort, workerData } from 'node:worker_threads';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

interface LoadSpec {
  url: string;
  ca: string;
  certificates: Array<{ certificatePem: string; privateKeyPem: string }>;
  count: number;
  batch: number;
  clientPrefix: string;
  topic: string;
}

const spec = workerData as LoadSpec;
const port = parentPort!;
const contexts = spec.certificates.map((c) => createSecureContext({ ca: spec.ca, cert: c.certificatePem, key: c.privateKeyPem }));
const clients: MqttClient[] = [];

function open(n: number): Promise<MqttClient> {
  const tlsOptions = { secureContext: contexts[n % contexts.length], noDelay: true };
  const options: IClientOptions = { ...(tlsOptions as IClientOptions), clientId: `${spec.clientPrefix}${n}`, reconnectPeriod: 0, connectTimeout: 60_000, keepalive: 600, protocolVersion: 4 };
  const client = mqtt.connect(spec.url, options);
  return new Promise((resolve, reject) => {
    client.once('connect', () => {
      client.subscribe(spec.topic, { qos: 0 }, (error) => (error ? reject(error) : resolve(client)));
    });
    client.once('error', reject);
  });
}

async function connectAll(): Promise<void> {
  for (let start = 0; start < spec.count; start += spec.batch) {
    const numbers = Array.from({ length: Math.min(spec.batch, spec.count - start) }, (_, i) => start + i);
    clients.push(...(await Promise.all(numbers.map(open))));
  }
  port.postMessage({ connected: clients.filter((c) => c.connected).length });
}

async function expectBroadcast(): Promise<void> {
  const arriving = clients.map((c) => new Promise<string>((resolve) => c.once('message', (_t, payload: Buffer) => resolve(payload.toString()))));
  port.postMessage({ listening: true });
  const payloads = await Promise.all(arriving);
  port.postMessage({ received: payloads.length, payloads: [...new Set(payloads)], stillConnected: clients.filter((c) => c.connected).length });
}

async function closeAll(): Promise<void> {
  for (let start = 0; start < clients.length; start += spec.batch) {
    await Promise.all(clients.slice(start, start + spec.batch).map((c) => c.endAsync().catch(() => {})));
  }
  port.postMessage({ closed: true });
}

port.on('message', (message: string) => {
  const work = message === 'expect' ? expectBroadcast() : message === 'close' ? closeAll() : Promise.resolve();
  work.catch((error: unknown) => port.postMessage({ error: String(error) }));
});
connectAll().catch((error: unknown) => port.postMessage({ error: String(error) }));
