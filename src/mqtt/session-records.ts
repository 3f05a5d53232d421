import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

export interface StoredSubscription {
  clientId: string;
  topic: string;
  qos: number;
}

export interface StoredMessage {
  clientId: string;
  brokerId: string;
  brokerCounter: number;
  topic: string;
  payload: Buffer;
  qos: number;
}

/**
 * Persistent sessions in the database: when each one's client went away (for
 * expiry, on every deployment) and, on one node, the durable copy of their
 * subscriptions and queued QoS 1 messages (durable-sessions.ts).
 */
export class SessionRecords {
  private seq = 0;

  constructor(private readonly db: Kysely<Database>) {}

  async connected(clientId: string): Promise<void> {
    await this.db.insertInto('mqtt_sessions').values({ client_id: clientId, disconnected_at: null }).onConflict((oc) => oc.column('client_id').doUpdateSet({ disconnected_at: null })).execute();
  }

  async disconnected(clientId: string, at: number): Promise<void> {
    await this.db.insertInto('mqtt_sessions').values({ client_id: clientId, disconnected_at: at }).onConflict((oc) => oc.column('client_id').doUpdateSet({ disconnected_at: at })).execute();
  }

  /** One node restarting: the sessions whose clients were connected lost them now. */
  async allDisconnected(at: number): Promise<void> {
    await this.db.updateTable('mqtt_sessions').set({ disconnected_at: at }).where('disconnected_at', 'is', null).execute();
  }

  async disconnectedAt(clientId: string): Promise<number | null | undefined> {
    const row = await this.db.selectFrom('mqtt_sessions').select('disconnected_at').where('client_id', '=', clientId).executeTakeFirst();
    return row === undefined ? undefined : row.disconnected_at === null ? null : Number(row.disconnected_at);
  }

  /** Client ids of sessions whose clients went away at or before `before`. */
  async expired(before: number): Promise<string[]> {
    const rows = await this.db.selectFrom('mqtt_sessions').select('client_id').where('disconnected_at', '<=', before).execute();
    return rows.map((r) => r.client_id);
  }

  /** Forgets the session: its record, subscriptions and queue. */
  async forget(clientId: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('mqtt_session_messages').where('client_id', '=', clientId).execute();
      await tx.deleteFrom('mqtt_session_subscriptions').where('client_id', '=', clientId).execute();
      await tx.deleteFrom('mqtt_sessions').where('client_id', '=', clientId).execute();
    });
  }

  async addSubscriptions(subscriptions: StoredSubscription[]): Promise<void> {
    for (const s of subscriptions) {
      await this.db
        .insertInto('mqtt_session_subscriptions')
        .values({ client_id: s.clientId, topic: s.topic, qos: s.qos })
        .onConflict((oc) => oc.columns(['client_id', 'topic']).doUpdateSet({ qos: s.qos }))
        .execute();
    }
  }

  async removeSubscriptions(clientId: string, topics: string[]): Promise<void> {
    if (topics.length === 0) return;
    await this.db.deleteFrom('mqtt_session_subscriptions').where('client_id', '=', clientId).where('topic', 'in', topics).execute();
  }

  async removeAllSubscriptions(clientId: string): Promise<void> {
    await this.db.deleteFrom('mqtt_session_subscriptions').where('client_id', '=', clientId).execute();
  }

  async subscriptions(): Promise<StoredSubscription[]> {
    const rows = await this.db.selectFrom('mqtt_session_subscriptions').selectAll().orderBy('client_id').orderBy('topic').execute();
    return rows.map((r) => ({ clientId: r.client_id, topic: r.topic, qos: Number(r.qos) }));
  }

  async enqueue(messages: StoredMessage[]): Promise<void> {
    if (messages.length === 0) return;
    // Order within this process; across restarts, the time of enqueueing.
    const base = Date.now() * 1000;
    await this.db
      .insertInto('mqtt_session_messages')
      .values(
        messages.map((m) => ({
          client_id: m.clientId,
          broker_id: m.brokerId,
          broker_counter: m.brokerCounter,
          seq: base + (this.seq++ % 1000),
          topic: m.topic,
          payload: m.payload.toString('base64'),
          qos: m.qos,
          message_id: null,
        })),
      )
      .onConflict((oc) => oc.columns(['client_id', 'broker_id', 'broker_counter']).doNothing())
      .execute();
  }

  async sent(clientId: string, brokerId: string, brokerCounter: number, messageId: number): Promise<void> {
    await this.db.updateTable('mqtt_session_messages').set({ message_id: messageId }).where('client_id', '=', clientId).where('broker_id', '=', brokerId).where('broker_counter', '=', brokerCounter).execute();
  }

  async delivered(clientId: string, brokerId: string, brokerCounter: number): Promise<void> {
    await this.db.deleteFrom('mqtt_session_messages').where('client_id', '=', clientId).where('broker_id', '=', brokerId).where('broker_counter', '=', brokerCounter).execute();
  }

  /** Every queued message, in queue order. */
  async messages(): Promise<StoredMessage[]> {
    const rows = await this.db.selectFrom('mqtt_session_messages').selectAll().orderBy('client_id').orderBy('seq').orderBy('broker_counter').execute();
    return rows.map((r) => ({ clientId: r.client_id, brokerId: r.broker_id, brokerCounter: Number(r.broker_counter), topic: r.topic, payload: Buffer.from(r.payload, 'base64'), qos: Number(r.qos) }));
  }

  /** Gives a restored message a new identity, unique for the broker that restores it. */
  async renamed(message: StoredMessage, brokerId: string): Promise<void> {
    await this.db.updateTable('mqtt_session_messages').set({ broker_id: brokerId }).where('client_id', '=', message.clientId).where('broker_id', '=', message.brokerId).where('broker_counter', '=', message.brokerCounter).execute();
  }
}
