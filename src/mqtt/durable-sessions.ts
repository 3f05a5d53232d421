import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { SessionRecords } from './session-records.js';

/** The parts of aedes' in-memory persistence (aedes-persistence 11) mirrored to the database. */
interface Persistence {
  addSubscriptions(client: ClientRef, subs: Array<{ topic: string; qos: number }>): Promise<void>;
  removeSubscriptions(client: ClientRef, topics: string[]): Promise<void>;
  cleanSubscriptions(client: ClientRef): Promise<void>;
  outgoingEnqueue(sub: { clientId: string }, packet: QueuedPacket): Promise<void>;
  outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: QueuedPacket): Promise<void>;
  outgoingUpdate(client: ClientRef, packet: QueuedPacket): Promise<void>;
  outgoingClearMessageId(client: ClientRef, packet: QueuedPacket): Promise<QueuedPacket | undefined>;
  outgoingStream(client: ClientRef): Readable;
}

interface ClientRef {
  id: string;
  clean?: boolean;
}

interface QueuedPacket {
  cmd?: string;
  topic: string;
  payload?: Buffer | string;
  qos: number;
  retain?: boolean;
  brokerId?: string;
  brokerCounter?: number;
  messageId?: number;
}

/**
 * On one node, aedes keeps persistent sessions in memory; this wrapper writes
 * each change of a persistent session (subscriptions granted or removed, QoS 1
 * messages queued, sent, acknowledged) through to the database, and
 * `restoreSessions` puts them back into memory at start, so persistent
 * sessions and their queues survive a restart. Memory stays the working copy:
 * delivery never waits on a read. (In a cluster aedes' Redis persistence is
 * durable itself and this wrapper is not used.)
 */
export function durableSessions<T extends object>(inner: T, records: SessionRecords, logger: Logger): T {
  const store = inner as unknown as Persistence;
  const mirror = (what: string, write: Promise<void>) => write.catch((error: unknown) => logger.error({ err: error }, `mqtt session write failed: ${what}`));
  const queue = async (targets: Array<{ clientId: string }>, packet: QueuedPacket) => {
    const payload = packet.payload === undefined ? Buffer.alloc(0) : Buffer.from(packet.payload);
    await records.enqueue(targets.map((t) => ({ clientId: t.clientId, brokerId: packet.brokerId ?? '', brokerCounter: packet.brokerCounter ?? 0, topic: packet.topic, payload, qos: packet.qos })));
  };
  const overrides: Partial<Persistence> = {
    async addSubscriptions(client, subs) {
      await store.addSubscriptions(client, subs);
      if (client.clean !== true) await mirror('subscribe', records.addSubscriptions(subs.map((s) => ({ clientId: client.id, topic: s.topic, qos: s.qos }))));
    },
    async removeSubscriptions(client, topics) {
      await store.removeSubscriptions(client, topics);
      await mirror('unsubscribe', records.removeSubscriptions(client.id, topics));
    },
    async cleanSubscriptions(client) {
      await store.cleanSubscriptions(client);
      await mirror('clean session', records.removeAllSubscriptions(client.id));
    },
    async outgoingEnqueue(sub, packet) {
      await store.outgoingEnqueue(sub, packet);
      await mirror('queue', queue([sub], packet));
    },
    async outgoingEnqueueCombi(subs, packet) {
      await store.outgoingEnqueueCombi(subs, packet);
      await mirror('queue', queue(subs, packet));
    },
    async outgoingUpdate(client, packet) {
      await store.outgoingUpdate(client, packet);
      if (packet.brokerId !== undefined && packet.messageId !== undefined) await mirror('sent', records.sent(client.id, packet.brokerId, packet.brokerCounter ?? 0, packet.messageId));
    },
    async outgoingClearMessageId(client, packet) {
      const removed = await store.outgoingClearMessageId(client, packet);
      if (removed?.brokerId !== undefined) await mirror('delivered', records.delivered(client.id, removed.brokerId, removed.brokerCounter ?? 0));
      return removed;
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

/**
 * Puts the database's persistent sessions back into aedes' in-memory
 * persistence (`inner`, unwrapped, so nothing is written back). A restored
 * message gets a broker id of its own, as the restarted broker's counters
 * begin again and must not collide with it.
 */
export async function restoreSessions(inner: object, records: SessionRecords): Promise<{ sessions: number; messages: number }> {
  const store = inner as unknown as Persistence;
  const byClient = new Map<string, Array<{ topic: string; qos: number; rh: number; rap: boolean; nl: boolean }>>();
  for (const s of await records.subscriptions()) {
    const list = byClient.get(s.clientId) ?? [];
    list.push({ topic: s.topic, qos: s.qos, rh: 0, rap: false, nl: false });
    byClient.set(s.clientId, list);
  }
  for (const [clientId, subs] of byClient) await store.addSubscriptions({ id: clientId, clean: false }, subs);
  const messages = await records.messages();
  const run = randomUUID();
  for (const [index, message] of messages.entries()) {
    const brokerId = `restored-${run}-${index}`;
    await records.renamed(message, brokerId);
    await store.outgoingEnqueue(
      { clientId: message.clientId },
      { cmd: 'publish', topic: message.topic, payload: message.payload, qos: message.qos, retain: false, brokerId, brokerCounter: message.brokerCounter || 1 },
    );
  }
  return { sessions: byClient.size, messages: messages.length };
}

/**
 * Empties a session's queue in aedes' persistence (any backend). Messages not
 * yet sent have no packet id, and aedes' persistences remove a message by its
 * packet id, so each such message is first given one no queued message holds
 * (the session is offline: nothing is in flight).
 */
export async function clearQueue(persistence: object, clientId: string): Promise<void> {
  const store = persistence as unknown as Persistence;
  const client = { id: clientId };
  const packets: QueuedPacket[] = [];
  for await (const packet of store.outgoingStream(client) as AsyncIterable<QueuedPacket>) packets.push(packet);
  const used = new Set(packets.flatMap((p) => (p.messageId === undefined ? [] : [p.messageId])));
  let next = 1;
  for (const packet of packets) {
    if (packet.messageId === undefined) {
      while (used.has(next)) next++;
      packet.messageId = next++;
      await store.outgoingUpdate(client, packet);
    }
    await store.outgoingClearMessageId(client, packet);
  }
}
