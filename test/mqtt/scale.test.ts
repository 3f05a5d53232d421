import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { AttachPolicyCommand, type IoTClient } from '@aws-sdk/client-iot';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createEcCertificate, createPolicy, openPolicy, type DeviceCredentials } from './helpers.js';

const CONNECTIONS = 1000;
const CERTIFICATES = 10;
const BATCH = 100;

/**
 * 1,000 concurrent mutual-TLS connections on one server, on a 2-core machine.
 * The devices run in a worker thread (their half of each TLS handshake on the
 * other core, as a real fleet's would be elsewhere), with EC keys, connecting
 * in batches of 100; ten certificates are shared by 100 client ids each (AWS
 * allows one certificate on several connections with distinct client ids).
 */
describe('mqtt at scale', () => {
  let ts: TestServer;
  let iot: IoTClient;
  let worker: Worker | undefined;
  const certificates: DeviceCredentials[] = [];

  before(async () => {
    ts = await startTestServer();
    iot = ts.iot();
    await createPolicy(iot, 'fleet', openPolicy(ts, { clients: 'load-*', topics: 'load/*' }));
    for (let i = 0; i < CERTIFICATES; i++) {
      const creds = await createEcCertificate(iot);
      await iot.send(new AttachPolicyCommand({ policyName: 'fleet', target: creds.certificateArn }));
      certificates.push(creds);
    }
  });
  after(async () => {
    await worker?.terminate();
    await ts.close();
  });

  test(`${CONNECTIONS} concurrent connections are accepted and all receive one broadcast`, async () => {
    // Workers do not inherit tsx's loader on Node 20: register it, then load the TypeScript module.
    const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./load-clients.ts', import.meta.url).href)}); })`;
    worker = new Worker(bootstrap, {
      eval: true,
      workerData: {
        url: ts.endpoints.endpoints.mqtt,
        ca: ts.ca,
        certificates: certificates.map(({ certificatePem, privateKeyPem }) => ({ certificatePem, privateKeyPem })),
        count: CONNECTIONS,
        batch: BATCH,
        clientPrefix: 'load-',
        topic: 'load/broadcast',
      },
    });
    const next = messagesOf(worker);

    assert.deepEqual(await next(), { connected: CONNECTIONS });
    const messaging = ts.server.ctx.services.deviceMessaging;
    const online = Array.from({ length: CONNECTIONS }, (_, n) => messaging.isConnected(`load-${n}`)).filter(Boolean).length;
    assert.equal(online, CONNECTIONS, 'the broker holds every connection');

    worker.postMessage('expect');
    assert.deepEqual(await next(), { listening: true });
    await messaging.publish({ topic: 'load/broadcast', payload: 'to everyone', qos: 0 });
    assert.deepEqual(await next(), { received: CONNECTIONS, payloads: ['to everyone'], stillConnected: CONNECTIONS });

    worker.postMessage('close');
    assert.deepEqual(await next(), { closed: true });
  });
});

/** The worker's messages in order; an { error } message rejects. */
function messagesOf(worker: Worker): () => Promise<Record<string, unknown>> {
  const queue: Array<Record<string, unknown>> = [];
  const waiting: Array<{ resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void }> = [];
  let failure: Error | undefined;
  const deliver = (message: Record<string, unknown>) => {
    const waiter = waiting.shift();
    if (waiter) waiter.resolve(message);
    else queue.push(message);
  };
  worker.on('message', (message: Record<string, unknown>) => {
    if (typeof message.error === 'string') {
      failure = new Error(`load worker: ${message.error}`);
      for (const w of waiting.splice(0)) w.reject(failure);
    } else deliver(message);
  });
  worker.on('error', (error) => {
    failure = error;
    for (const w of waiting.splice(0)) w.reject(error);
  });
  return () => {
    if (failure) return Promise.reject(failure);
    const queued = queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  };
}
