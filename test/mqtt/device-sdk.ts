import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import type { TestServer } from '../helpers/server.js';

/** The parts of aws-iot-device-sdk (v1, untyped CommonJS) the tests use. */
export interface SdkDevice extends EventEmitter {
  subscribe(topic: string, options: { qos: 0 | 1 }, callback: (error: Error | null, granted: Array<{ topic: string; qos: number }>) => void): void;
  publish(topic: string, payload: string, options: { qos: 0 | 1 }, callback: (error?: Error) => void): void;
  end(force: boolean, callback?: () => void): void;
}

interface AwsIotSdk {
  device(options: Record<string, unknown>): SdkDevice;
}

const awsIot = createRequire(import.meta.url)('aws-iot-device-sdk') as AwsIotSdk;

/** Connects with the AWS IoT Device SDK for JavaScript, as a device would (no reconnects). */
export function sdkDevice(ts: TestServer, creds: { certificatePem: string; privateKeyPem: string }, clientId: string): Promise<SdkDevice> {
  const url = new URL(ts.endpoints.endpoints.mqtt);
  const device = awsIot.device({
    host: url.hostname,
    port: Number(url.port),
    protocol: 'mqtts',
    clientId,
    privateKey: Buffer.from(creds.privateKeyPem),
    clientCert: Buffer.from(creds.certificatePem),
    caCert: Buffer.from(ts.ca),
    servername: 'localhost',
    baseReconnectTimeMs: 60_000,
    maximumReconnectTimeMs: 60_000,
    minimumConnectionTimeMs: 60_000,
    autoResubscribe: false,
  });
  return new Promise((resolve, reject) => {
    device.once('connect', () => resolve(device));
    device.once('error', (error: Error) => {
      device.end(true);
      reject(error);
    });
    device.once('close', () => reject(new Error('closed before connecting')));
  });
}

export const sdkSubscribe = (device: SdkDevice, topic: string): Promise<number> =>
  new Promise((resolve, reject) => device.subscribe(topic, { qos: 1 }, (error, granted) => (error ? reject(error) : resolve(granted[0]!.qos))));

export const sdkPublish = (device: SdkDevice, topic: string, payload: string): Promise<void> =>
  new Promise((resolve, reject) => device.publish(topic, payload, { qos: 1 }, (error) => (error ? reject(error) : resolve())));

export const sdkEnd = (device: SdkDevice): Promise<void> => new Promise((resolve) => device.end(true, () => resolve()));
