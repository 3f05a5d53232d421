/**
 * The MQTT test client's connection: MQTT over WebSocket to this origin's /mqtt, with a
 * short-lived URL the console signs with the session's own credential (api/mqtt-url). The
 * URL only authenticates the WebSocket handshake, so every (re)connection asks for a fresh
 * one: a dropped connection or an expired URL is followed by a new URL and a new connection,
 * which re-subscribes the filters that were granted.
 *
 * The `mqtt` package's browser bundle is loaded on first use (a separate chunk), so pages
 * that never open the client do not pay for it.
 */
import type { MqttClient } from 'mqtt';
import { mqttUrl } from './api.js';

export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface LinkEvents {
  state(state: LinkState, detail?: string): void;
  message(topic: string, payload: Uint8Array, qos: number, retain: boolean): void;
}

/** A SUBACK answer per filter: the QoS granted, or refused (0x80 or an MQTT 5 reason code ≥ 0x80). */
export interface SubscribeResult {
  filter: string;
  granted?: number;
  refused?: boolean;
}

/** A client we are done with: no more events reach the page, and a late error is not thrown. */
function quiet(client: MqttClient): void {
  client.removeAllListeners();
  client.on('error', () => undefined);
}

const FIRST_RETRY_MS = 1000;
const LAST_RETRY_MS = 30_000;

export class MqttLink {
  private client: MqttClient | undefined;
  private ended = false;
  private retryMs = FIRST_RETRY_MS;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Why the last attempt failed (e.g. "Connection refused: Not authorized"), shown while retrying. */
  private lastError: string | undefined;
  /** Filters granted so far, re-subscribed after a reconnection. */
  private readonly filters = new Map<string, 0 | 1>();

  constructor(readonly clientId: string, private readonly events: LinkEvents) {}

  start(): void {
    void this.open('connecting');
  }

  private async open(state: LinkState): Promise<void> {
    if (this.ended) return;
    this.events.state(state, this.lastError);
    try {
      const [{ default: mqtt }, { url }] = await Promise.all([import('mqtt'), mqttUrl()]);
      if (this.ended) return;
      // Reconnection is ours (mqtt.js would reuse the expired URL); one attempt per client.
      const client = mqtt.connect(url, { clientId: this.clientId, protocolVersion: 4, clean: true, reconnectPeriod: 0, connectTimeout: 15_000 });
      this.client = client;
      client.on('connect', () => {
        this.retryMs = FIRST_RETRY_MS;
        this.lastError = undefined;
        this.events.state('connected');
        if (this.filters.size) client.subscribe(Object.fromEntries([...this.filters].map(([f, qos]) => [f, { qos }])));
      });
      client.on('message', (topic, payload, packet) => this.events.message(topic, payload, packet.qos, packet.retain));
      client.on('error', (e) => {
        this.lastError = e.message;
        this.events.state('reconnecting', e.message);
      });
      client.on('close', () => {
        if (this.client !== client) return;
        this.client = undefined;
        quiet(client);
        this.retry();
      });
    } catch (e) {
      this.lastError = e instanceof Error ? e.message : String(e);
      this.retry();
    }
  }

  private retry(): void {
    if (this.ended) return;
    this.events.state('reconnecting', this.lastError);
    const wait = this.retryMs;
    this.retryMs = Math.min(LAST_RETRY_MS, this.retryMs * 2);
    this.timer = setTimeout(() => void this.open('reconnecting'), wait);
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** The callback forms: the browser bundle's *Async methods are not all reliable (mqtt 5.16). */
  subscribe(filter: string, qos: 0 | 1): Promise<SubscribeResult> {
    const client = this.need();
    return new Promise((resolve, reject) => {
      client.subscribe(filter, { qos }, (error, granted) => {
        // mqtt.js answers a SUBACK failure code (0x80, or an MQTT 5 reason code ≥ 0x80) as an error carrying it.
        const failure = (error as { code?: unknown } | null)?.code;
        const code = error ? (typeof failure === 'number' && failure >= 0x80 ? failure : /^Subscribe error/.test(error.message) ? 0x80 : -1) : (granted?.[0]?.qos ?? 0x80);
        if (code < 0) return reject(error);
        if (code >= 0x80) return resolve({ filter, refused: true });
        this.filters.set(filter, qos);
        resolve({ filter, granted: code });
      });
    });
  }

  unsubscribe(filter: string): Promise<void> {
    this.filters.delete(filter);
    const client = this.client;
    if (!client?.connected) return Promise.resolve();
    return new Promise((resolve, reject) => client.unsubscribe(filter, (error) => (error ? reject(error) : resolve())));
  }

  publish(topic: string, payload: string, qos: 0 | 1): Promise<void> {
    const client = this.need();
    return new Promise((resolve, reject) => client.publish(topic, payload, { qos }, (error) => (error ? reject(error) : resolve())));
  }

  end(): void {
    this.ended = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    if (client) {
      quiet(client);
      client.end(true);
    }
    this.events.state('closed');
  }

  private need(): MqttClient {
    if (!this.client?.connected) throw new Error('Not connected to the broker yet; wait for "Connected".');
    return this.client;
  }
}
