import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BusHandler, ClusterBus, ResyncListener } from './bus.js';

interface Envelope {
  /** Sender node. */
  f: string;
  /** Request id, when the sender waits for confirmations. */
  r?: string;
  m: unknown;
}

interface Waiting {
  pending: Set<string>;
  resolve: (missing: string[]) => void;
}

/**
 * The bus on Redis pub/sub: one channel per topic (`PREFIX bus:TOPIC`), JSON
 * envelopes naming the sender, and a channel per node for confirmations. Two
 * connections: subscriber mode takes one to itself.
 */
export class RedisBus implements ClusterBus {
  private readonly handlers = new Map<string, Set<BusHandler>>();
  private readonly resyncListeners = new Set<ResyncListener>();
  private readonly waiting = new Map<string, Waiting>();
  /** When either connection was lost (this node's clock), until both are back. */
  private lostAt: number | undefined;

  constructor(
    readonly nodeId: string,
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
    /** This node's clock (when a gap began). */
    now: () => number,
    /** Told how long each publish took (metrics). */
    private readonly observe: (kind: 'publish' | 'publish-and-wait', seconds: number) => void = () => {},
  ) {
    sub.on('message', (channel: string, text: string) => void this.receive(channel, text));
    for (const connection of [pub, sub]) {
      connection.on('close', () => {
        this.lostAt ??= now();
      });
      connection.on('ready', () => this.back());
    }
  }

  /**
   * Both connections are up again after a gap: subscriptions are restored by
   * ioredis, but what was said meanwhile is lost (and what this node said may
   * not have gone out), so every listener rereads what it needs.
   */
  private back(): void {
    if (this.lostAt === undefined || !this.connected) return;
    const gap = { lostAtMs: this.lostAt };
    this.lostAt = undefined;
    for (const listener of this.resyncListeners) void Promise.resolve(listener(gap)).catch((e: unknown) => this.logger.error({ err: e }, 'cluster resync failed'));
  }

  /** Subscribes to this node's confirmation channel; resolves once Redis has it. */
  async start(): Promise<void> {
    await this.sub.subscribe(this.ackChannel(this.nodeId));
  }

  get connected(): boolean {
    return this.pub.status === 'ready' && this.sub.status === 'ready';
  }

  async publish(topic: string, message: unknown): Promise<void> {
    const started = performance.now();
    await this.pub.publish(this.channel(topic), JSON.stringify({ f: this.nodeId, m: message } satisfies Envelope));
    this.observe('publish', (performance.now() - started) / 1000);
  }

  async publishAndWait(topic: string, message: unknown, nodes: string[], timeoutMs: number): Promise<{ missing: string[] }> {
    const pending = new Set(nodes.filter((n) => n !== this.nodeId));
    if (pending.size === 0) return { missing: [] };
    const id = randomUUID();
    const started = performance.now();
    const done = new Promise<string[]>((resolve) => this.waiting.set(id, { pending, resolve }));
    const timer = setTimeout(() => this.finish(id), timeoutMs);
    try {
      await this.pub.publish(this.channel(topic), JSON.stringify({ f: this.nodeId, r: id, m: message } satisfies Envelope));
    } catch (error) {
      this.logger.warn({ err: error, topic }, 'cluster bus: publish failed');
      this.finish(id);
    }
    const missing = await done;
    clearTimeout(timer);
    this.observe('publish-and-wait', (performance.now() - started) / 1000);
    return { missing };
  }

  subscribe(topic: string, handler: BusHandler): () => void {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
      void this.sub.subscribe(this.channel(topic)).catch((e: unknown) => this.logger.error({ err: e, topic }, 'cluster bus: subscribe failed'));
    }
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.handlers.get(topic) === set) {
        this.handlers.delete(topic);
        void this.sub.unsubscribe(this.channel(topic)).catch(() => undefined);
      }
    };
  }

  onResync(listener: ResyncListener): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  async close(): Promise<void> {
    for (const id of [...this.waiting.keys()]) this.finish(id);
  }

  private async receive(channel: string, text: string): Promise<void> {
    if (!channel.startsWith(this.channel('')) && channel !== this.ackChannel(this.nodeId)) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      return;
    }
    if (channel === this.ackChannel(this.nodeId)) return this.confirmed(envelope);
    if (envelope.f === this.nodeId) return;
    const topic = channel.slice(this.channel('').length);
    for (const handler of this.handlers.get(topic) ?? []) {
      try {
        await handler(envelope.m, envelope.f);
      } catch (error) {
        this.logger.error({ err: error, topic }, 'cluster bus handler failed');
      }
    }
    if (envelope.r) {
      await this.pub.publish(this.ackChannel(envelope.f), JSON.stringify({ f: this.nodeId, m: envelope.r } satisfies Envelope)).catch(() => undefined);
    }
  }

  private confirmed(envelope: Envelope): void {
    const waiting = this.waiting.get(String(envelope.m));
    if (!waiting) return;
    waiting.pending.delete(envelope.f);
    if (waiting.pending.size === 0) this.finish(String(envelope.m));
  }

  private finish(id: string): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    this.waiting.delete(id);
    waiting.resolve([...waiting.pending]);
  }

  private channel(topic: string): string {
    return `${this.prefix}bus:${topic}`;
  }

  private ackChannel(nodeId: string): string {
    return `${this.prefix}ack:${nodeId}`;
  }
}
