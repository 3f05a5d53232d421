/**
 * Broker fan-out, the same on every broker: the devices are connected and
 * subscribed, one publisher sends one QoS 1 message to each device's own
 * `bench/THING` topic, and each device notes when its message arrived.
 * Latency = arrival − the moment the first message was published.
 */
import { createSecureContext } from 'node:tls';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { now } from './net.js';
import { summarize, type LatencySummary } from './stats.js';
import type { Fleet } from './fleet/pool.js';
import type { ConnectResult } from './fleet/protocol.js';

export interface ConnectSummary {
  devices: number;
  connected: number;
  failed: number;
  errors: Record<string, number>;
  /** Connection attempts made again after a failed one. */
  retries: number;
  seconds: number;
  perSecond: number;
  /** Per-device time from starting to connect until subscribed. */
  latency: LatencySummary;
  /** CPU seconds the fleet workers spent (their half of the handshakes). */
  clientCpuSeconds: number;
}

export interface FanoutSummary {
  messages: number;
  received: number;
  /** First publish → last arrival. */
  seconds: number;
  /** Messages delivered per second over that span. */
  perSecond: number;
  latency: LatencySummary;
  /** Arrival latencies in ms (for the chart). */
  samples: number[];
}

export async function connectFleet(fleet: Fleet, url: string, ca: string, opts: { window: number; timeoutMs: number }): Promise<ConnectSummary> {
  await fleet.all(() => ({ cmd: 'prepare-tls', ca }));
  const results: ConnectResult[] = await fleet.all(() => ({ cmd: 'connect', url, window: opts.window, timeoutMs: opts.timeoutMs }));
  const startedAt = Math.min(...results.map((r) => r.startedAt));
  const endedAt = Math.max(...results.map((r) => r.endedAt));
  const connected = results.reduce((n, r) => n + r.connected, 0);
  const errors: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  const seconds = (endedAt - startedAt) / 1000;
  return {
    devices: fleet.size,
    connected,
    failed: fleet.size - connected,
    errors,
    retries: results.reduce((n, r) => n + r.retries, 0),
    seconds: round(seconds),
    perSecond: round(connected / seconds),
    latency: summarize(results.flatMap((r) => r.durations)),
    clientCpuSeconds: round(results.reduce((n, r) => n + r.cpuSeconds, 0)),
  };
}

export async function measureFanout(
  fleet: Fleet,
  publisher: { url: string; ca: string; certificatePem: string; privateKeyPem: string; clientId: string },
  topics: string[],
  timeoutMs: number,
): Promise<FanoutSummary> {
  const client = await connectPublisher(publisher);
  try {
    await fleet.all(() => ({ cmd: 'arm-fanout', timeoutMs }));
    const payload = Buffer.from(JSON.stringify({ bench: 'fanout', padding: 'x'.repeat(64) }));
    const t0 = now();
    for (const topic of topics) client.publish(topic, payload, { qos: 1 });
    const answers = await fleet.all(() => ({ cmd: 'collect-fanout' }));
    const arrivals = answers.flatMap((a) => a.times).filter((t): t is number => t !== null);
    const samples = arrivals.map((t) => t - t0);
    const seconds = samples.length ? Math.max(...samples) / 1000 : NaN;
    return {
      messages: topics.length,
      received: samples.length,
      seconds: round(seconds),
      perSecond: round(samples.length / seconds),
      latency: summarize(samples),
      samples,
    };
  } finally {
    await client.endAsync().catch(() => client.end(true));
  }
}

function connectPublisher(p: { url: string; ca: string; certificatePem: string; privateKeyPem: string; clientId: string }): Promise<MqttClient> {
  const tlsOptions = { secureContext: createSecureContext({ ca: p.ca, cert: p.certificatePem, key: p.privateKeyPem }), rejectUnauthorized: true };
  const options: IClientOptions = { ...(tlsOptions as IClientOptions), clientId: p.clientId, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 30_000, keepalive: 1200 };
  const client = mqtt.connect(p.url, options);
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', (error) => {
      client.end(true);
      reject(new Error(`publisher could not connect to ${p.url}: ${error.message}`));
    });
  });
}

export const round = (v: number, places = 2): number => {
  const f = 10 ** places;
  return Math.round(v * f) / f;
};
