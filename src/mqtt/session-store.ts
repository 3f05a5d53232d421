import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { hasWildcard } from './topics.js';

/** The parts of an aedes 1.x persistence (promise style) this wrapper changes. */
interface Persistence {
  outgoingEnqueue(sub: QueueTarget, packet: QueuedPacket): Promise<void>;
  outgoingEnqueueCombi(subs: QueueTarget[], packet: QueuedPacket): Promise<void>;
  outgoingStream(client: { id: string }): Readable;
  addSubscriptions(client: unknown, subs: object[]): Promise<void>;
  createRetainedStreamCombi(patterns: string[]): Readable;
}

interface QueueTarget {
  clientId: string;
  qos?: number;
}

interface QueuedPacket {
  topic: string;
  qos: number;
}

export interface SessionStoreOptions {
  /** True while a connection with this client id is open: its messages are in flight, not queued. */
  isOnline(clientId: string): boolean;
  /** Consumed device requests are never queued for anyone. */
  isConsumed(topic: string): boolean;
  /** Subscriptions authorizeSubscribe refused. */
  refused: WeakSet<object>;
  maxQueued: number;
  logger: Logger;
}

/**
 * Wraps the broker's persistence (aedes' in-memory one in the embedded mode,
 * Redis when scaled out) with Ferry's session rules:
 * - a persistent session keeps at most `maxQueued` QoS 1 messages while its
 *   client is offline; newer ones are dropped and logged;
 * - a queued message never exceeds the subscription's QoS, nor QoS 1;
 * - a refused filter is not stored with the session (aedes 1.2 stores every
 *   filter of a SUBSCRIBE packet once one of them is granted);
 * - retained messages go to subscriptions of exact topics only, not to wildcard
 *   filters (aws-wire-protocols.md §7, "wildcard subscriptions don't get retained messages").
 */
export function sessionStore<T extends object>(inner: T, options: SessionStoreOptions): T {
  const store = inner as unknown as Persistence;
  const admit = async (target: QueueTarget, packet: QueuedPacket): Promise<boolean> => {
    if (options.isConsumed(packet.topic)) return false;
    if (options.isOnline(target.clientId)) return true;
    if ((await queued(store, target.clientId, options.maxQueued)) < options.maxQueued) return true;
    options.logger.warn({ clientId: target.clientId, topic: packet.topic, limit: options.maxQueued }, 'offline session queue full: message dropped');
    return false;
  };
  const enqueue = async (target: QueueTarget, packet: QueuedPacket): Promise<void> => {
    if (await admit(target, packet)) await store.outgoingEnqueue(target, capped(packet, target));
  };
  const overrides: Partial<Persistence> = {
    outgoingEnqueue: enqueue,
    async outgoingEnqueueCombi(targets, packet) {
      for (const target of targets) await enqueue(target, packet);
    },
    async addSubscriptions(client, subs) {
      const kept = subs.filter((s) => !options.refused.has(s));
      if (kept.length > 0) await store.addSubscriptions(client, kept);
    },
    createRetainedStreamCombi(patterns) {
      return store.createRetainedStreamCombi(patterns.filter((p) => !hasWildcard(p)));
    },
  };
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (typeof property === 'string' && property in overrides) return overrides[property as keyof Persistence];
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** How many messages the session holds, counting no further than `limit`. */
async function queued(store: Persistence, clientId: string, limit: number): Promise<number> {
  let count = 0;
  for await (const _packet of store.outgoingStream({ id: clientId })) {
    if (++count >= limit) break;
  }
  return count;
}

function capped(packet: QueuedPacket, target: QueueTarget): QueuedPacket {
  const qos = Math.min(packet.qos, target.qos ?? 1, 1);
  return qos === packet.qos ? packet : { ...packet, qos };
}
