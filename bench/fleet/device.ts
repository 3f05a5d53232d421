/**
 * One simulated device: an mqtt.js client over mutual TLS whose client id is
 * its thing name, subscribed like the device agent (notify-next and the
 * answers it waits for), plus its own `bench/THING` topic for the broker
 * fan-out comparison. The job flow is the real one (aws-wire-protocols.md §1):
 * notify-next → start-next → download from the presigned URL → verify SHA-256
 * → update SUCCEEDED → update/accepted.
 */
import { randomBytes } from 'node:crypto';
import type { SecureContext } from 'node:tls';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { now } from '../net.js';
import { download, type Slots } from './download.js';
import { NETWORK_RETRY, REQUEST_RETRY, withRetries } from './retry.js';

export interface JobTiming {
  notifiedAt?: number;
  startedAt?: number;
  downloadStartedAt?: number;
  downloadEndedAt?: number;
  bytes?: number;
  doneAt?: number;
  error?: string;
  /** Jobs requests sent again after InternalError or RequestThrottled. */
  requestRetries?: number;
  /** Downloads started again after a failed attempt (handshake, reset, 5xx). */
  downloadRetries?: number;
}

/** A Jobs request answered on …/rejected. */
export class JobsRejected extends Error {
  constructor(
    topic: string,
    readonly code: string,
    message: string,
  ) {
    super(`${topic}: ${code} ${message}`);
  }
}

/** What a device retries (aws-wire-protocols §1.6): the service's own failures and throttling, never a refusal. */
const retryableRejection = (error: unknown) => error instanceof JobsRejected && (error.code === 'InternalError' || error.code === 'RequestThrottled');
/** A download attempt that failed in the network or on the server's side; a 4xx or a wrong body is final. */
export const retryableDownload = (error: unknown) => !/^GET answered 4|bytes, expected|SHA-256 mismatch/.test((error as Error).message);

export interface JobExpectations {
  sha256: string;
  size: number;
  s3Tls: { ca: string };
  slots: Slots;
  requestTimeoutMs: number;
}

export class Device {
  client: MqttClient | undefined;
  fanoutAt: number | undefined;
  job: JobTiming | undefined;
  private readonly pending = new Map<string, { resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private onFanout: (() => void) | undefined;
  private onJobSettled: (() => void) | undefined;
  private jobRunning = false;
  private expect: JobExpectations | undefined;

  constructor(readonly thingName: string) {}

  get prefix(): string {
    return `$aws/things/${this.thingName}/jobs/`;
  }

  /** The filters subscribed on every broker, so both see the same subscription load. */
  get filters(): string[] {
    const p = this.prefix;
    return [`${p}notify-next`, `${p}start-next/+`, `${p}+/update/+`, `bench/${this.thingName}`];
  }

  /** Connects and subscribes; resolves with the time it took. */
  async connect(url: string, secureContext: SecureContext, timeoutMs: number): Promise<number> {
    const started = now();
    // mqtt.js hands its options to tls.connect, which takes a ready secureContext.
    const tlsOptions = { secureContext, rejectUnauthorized: true };
    const options: IClientOptions = {
      ...(tlsOptions as IClientOptions),
      clientId: this.thingName,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: timeoutMs,
      // Idle devices: no PINGREQ traffic during the run.
      keepalive: 1200,
      clean: true,
    };
    const client = mqtt.connect(url, options);
    this.client = client;
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    await new Promise<void>((resolve, reject) => {
      const onClose = () => fail(new Error('connection closed before it was ready'));
      const fail = (error: Error) => {
        client.off('close', onClose);
        client.off('error', fail);
        client.end(true);
        reject(error);
      };
      client.once('connect', () => {
        client.subscribe(this.filters, { qos: 1 }, (error, granted) => {
          if (error) return fail(error);
          const refused = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
          if (refused.length > 0) return fail(new Error(`subscriptions refused: ${refused.join(', ')}`));
          client.off('close', onClose);
          client.off('error', fail);
          resolve();
        });
      });
      client.once('error', fail);
      client.once('close', onClose);
    });
    client.on('error', () => {});
    return now() - started;
  }

  armFanout(done: () => void): void {
    this.fanoutAt = undefined;
    this.onFanout = done;
  }

  armJob(expect: JobExpectations, settled: () => void): void {
    this.job = {};
    this.jobRunning = false;
    this.expect = expect;
    this.onJobSettled = settled;
  }

  async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (client.connected) await client.endAsync().catch(() => client.end(true));
    else client.end(true);
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === `bench/${this.thingName}`) {
      if (this.fanoutAt === undefined) {
        this.fanoutAt = now();
        this.onFanout?.();
      }
      return;
    }
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    } catch {
      return;
    }
    if (topic === `${this.prefix}notify-next`) return this.onNotifyNext(message);
    const token = typeof message.clientToken === 'string' ? message.clientToken : undefined;
    const waiter = token ? this.pending.get(token) : undefined;
    if (!waiter || !token) return;
    clearTimeout(waiter.timer);
    this.pending.delete(token);
    if (topic.endsWith('/accepted')) waiter.resolve(message);
    else waiter.reject(new JobsRejected(topic, String(message.code), String(message.message ?? '')));
  }

  private onNotifyNext(message: Record<string, unknown>): void {
    const job = this.job;
    if (!job || this.jobRunning || !message.execution) return;
    job.notifiedAt = now();
    this.jobRunning = true;
    this.runJob(job).then(
      () => this.onJobSettled?.(),
      (error: unknown) => {
        job.error = (error as Error).message;
        this.onJobSettled?.();
      },
    );
  }

  private async runJob(job: JobTiming): Promise<void> {
    const expect = this.expect!;
    const retried = (what: 'requestRetries' | 'downloadRetries') => () => (job[what] = (job[what] ?? 0) + 1);
    const ask = (op: string, body: object) => withRetries(REQUEST_RETRY, () => this.request(op, body, expect.requestTimeoutMs), retryableRejection, retried('requestRetries'));
    const started = await ask('start-next', {});
    job.startedAt = now();
    const execution = started.execution as { jobId?: string; jobDocument?: { url?: unknown } } | undefined;
    const url = execution?.jobDocument?.url;
    if (!execution?.jobId || typeof url !== 'string') throw new Error(`start-next gave no execution with a url: ${JSON.stringify(started).slice(0, 200)}`);
    const got = await expect.slots.run(() => withRetries(NETWORK_RETRY, () => download(url, expect, expect.s3Tls), retryableDownload, retried('downloadRetries')));
    job.downloadStartedAt = got.startedAt;
    job.downloadEndedAt = got.endedAt;
    job.bytes = got.bytes;
    await ask(`${execution.jobId}/update`, { status: 'SUCCEEDED', statusDetails: { sha256: 'verified' } });
    job.doneAt = now();
  }

  /** Publishes a Jobs request and waits for its answer, matched by clientToken. */
  private request(op: string, body: object, timeoutMs: number): Promise<Record<string, unknown>> {
    const client = this.client;
    if (!client) return Promise.reject(new Error('not connected'));
    const clientToken = randomBytes(6).toString('hex');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(clientToken);
        reject(new Error(`no answer to ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(clientToken, { resolve, reject, timer });
      client.publish(this.prefix + op, JSON.stringify({ ...body, clientToken }), { qos: 1 }, (error) => {
        if (!error) return;
        clearTimeout(timer);
        this.pending.delete(clientToken);
        reject(error);
      });
    });
  }
}
