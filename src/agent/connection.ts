/**
 * The agent's MQTT connection: mutual TLS with the device certificate, a
 * clean session (jobs never depend on broker state: after every connect the
 * agent asks for its pending work), and reconnection with jittered
 * exponential back-off, so a fleet that lost the broker together does not
 * reconnect together.
 */
import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import pino, { type Logger } from 'pino';
import { Backoff, type BackoffOptions } from './backoff.js';

export interface ConnectionOptions {
  /** `mqtts://host:port` */
  url: string;
  clientId: string;
  certPem: string;
  keyPem: string;
  /** The root CA(s) the broker's certificate chains to. */
  caPem: string | string[];
  /** Seconds. Default 60 (AWS allows 30–1200). */
  keepaliveSec?: number;
  connectTimeoutMs?: number;
  /** Reconnection back-off. Default 1 s doubling to 2 min, full jitter. */
  backoff?: BackoffOptions;
  log?: Logger;
}

interface ConnectionEvents {
  online: [];
  /** The connection that was online closed. */
  offline: [];
  /** The connection closed or could not be opened (every attempt that ends; reconnection follows). */
  down: [];
  message: [topic: string, payload: Buffer];
}

export class Connection extends EventEmitter<ConnectionEvents> {
  private client: MqttClient | undefined;
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private wasOnline = false;

  constructor(private readonly options: ConnectionOptions) {
    super();
    this.backoff = new Backoff({ initialMs: 1000, maxMs: 120_000, ...options.backoff });
    this.log = options.log ?? pino({ level: 'silent' });
  }

  get online(): boolean {
    return this.client?.connected ?? false;
  }

  start(): void {
    const o = this.options;
    const client = mqtt.connect(o.url, {
      clientId: o.clientId,
      cert: o.certPem,
      key: o.keyPem,
      ca: o.caPem,
      rejectUnauthorized: true,
      protocolVersion: 4,
      clean: true,
      keepalive: o.keepaliveSec ?? 60,
      connectTimeout: o.connectTimeoutMs ?? 30_000,
      // Reconnection is ours (below): mqtt.js only knows a fixed period.
      reconnectPeriod: 0,
      resubscribe: false,
    });
    this.client = client;
    client.on('connect', () => {
      if (client !== this.client) return;
      this.backoff.reset();
      this.wasOnline = true;
      this.log.info({ url: o.url, clientId: o.clientId }, 'connected');
      this.emit('online');
    });
    client.on('message', (topic, payload) => client === this.client && this.emit('message', topic, payload));
    client.on('error', (e) => this.log.warn({ err: e.message }, 'mqtt error'));
    client.on('close', () => client === this.client && this.onClose());
  }

  /**
   * New credentials (a rotated kit): the connection is closed cleanly and
   * made again at once with them. What was in flight fails, as on any
   * disconnect, and the agent asks again after the connect.
   */
  async renew(credentials: { certPem: string; keyPem: string; caPem: string | string[] }): Promise<void> {
    Object.assign(this.options, credentials);
    const old = this.client;
    if (this.stopped || !old) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.failInFlight();
    this.client = undefined;
    await old.endAsync().catch(() => {});
    if (this.wasOnline) {
      this.wasOnline = false;
      this.emit('offline');
    }
    this.backoff.reset();
    if (!this.stopped) this.start();
  }

  private onClose(): void {
    this.failInFlight();
    if (this.wasOnline) {
      this.wasOnline = false;
      this.emit('offline');
    }
    if (!this.stopped) this.emit('down');
    if (this.stopped || this.timer) return;
    const wait = this.backoff.next();
    this.log.info({ waitMs: wait, attempt: this.backoff.attempts }, 'disconnected; reconnecting after back-off');
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) this.client?.reconnect();
    }, wait);
  }

  async subscribe(filters: string[]): Promise<string[]> {
    const client = this.requireClient();
    const granted = await client.subscribeAsync(filters, { qos: 1 });
    // 0x80: the policy refused a filter (responses still reach the requester, aws-wire-protocols.md §1.1).
    return granted.filter((g) => g.qos === 128).map((g) => g.topic);
  }

  /** Publishes at QoS 1; refused at once while offline (the caller asks again after the next connect). */
  async publish(topic: string, payload: object): Promise<void> {
    const client = this.requireClient();
    if (!client.connected) throw new Error(`not connected: ${topic} was not sent`);
    await client.publishAsync(topic, JSON.stringify(payload), { qos: 1 });
  }

  /** Disconnects cleanly and stays down. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    // Nothing unacknowledged is left while offline (failInFlight), so end() does not wait then.
    await this.client?.endAsync().catch(() => {});
  }

  /**
   * Fails every QoS 1 publish the broker has not acknowledged. In a clean
   * session nothing resends them, and mqtt.js's reconnect() replaces its
   * stores, leaving their callbacks unanswered — end() would then wait for
   * them forever.
   */
  private failInFlight(): void {
    const client = this.client;
    if (!client) return;
    for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id));
  }

  /** Drops the connection without DISCONNECT (tests: a network cut); reconnection follows. */
  drop(): void {
    this.client?.stream?.destroy();
  }

  private requireClient(): MqttClient {
    if (!this.client) throw new Error('the connection has not been started');
    return this.client;
  }
}
