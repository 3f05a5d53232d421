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

/** A job as aws-iot-device-sdk's `jobs` API (v1) hands it to the device. */
export interface SdkJob {
  id: string;
  document: Record<string, unknown>;
  status: { status: string };
  inProgress(details: Record<string, string>, cb: (err?: Error) => void): void;
  succeeded(details: Record<string, string>, cb: (err?: Error) => void): void;
}

export interface SdkJobs {
  on(event: 'connect' | 'error' | 'close', cb: (...args: unknown[]) => void): void;
  subscribeToJobs(thing: string, operation: string, cb: (err: Error | null, job: SdkJob) => void): void;
  startJobNotifications(thing: string, cb: (err?: Error) => void): void;
  end(force: boolean, cb?: () => void): void;
}

const sdkJobsApi = awsIot as unknown as { jobs(options: Record<string, unknown>): SdkJobs };

/** aws-iot-device-sdk's `jobs` client with these connection options (no reconnects); resolves once connected. */
export function sdkJobsClient(options: Record<string, unknown>): Promise<SdkJobs> {
  const jobs = sdkJobsApi.jobs({ baseReconnectTimeMs: 60_000, maximumReconnectTimeMs: 60_000, minimumConnectionTimeMs: 60_000, ...options });
  return new Promise((resolve, reject) => {
    jobs.on('connect', () => resolve(jobs));
    jobs.on('error', (e) => {
      jobs.end(true);
      reject(e as Error);
    });
  });
}

/**
 * Runs one job the way the SDK's jobs agent does: notifications on, the job
 * for `operation` received, IN_PROGRESS, then SUCCEEDED. Resolves with the job as received.
 */
export async function runSdkJob(jobs: SdkJobs, thingName: string, operation: string): Promise<SdkJob> {
  const received = new Promise<SdkJob>((resolve, reject) => jobs.subscribeToJobs(thingName, operation, (err, job) => (err ? reject(err) : resolve(job))));
  jobs.startJobNotifications(thingName, (err) => {
    if (err) throw err;
  });
  const job = await received;
  await new Promise<void>((resolve, reject) => job.inProgress({ step: 'running' }, (e) => (e ? reject(e) : resolve())));
  await new Promise<void>((resolve, reject) => job.succeeded({ step: 'done' }, (e) => (e ? reject(e) : resolve())));
  return job;
}
