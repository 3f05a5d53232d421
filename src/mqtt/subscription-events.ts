import type { Clock } from '../clock.js';
import type { DeviceConnection } from './connections.js';
import type { HistorySink } from '../history/events.js';

/** SUBACK's failure code: the filter was not granted. */
const REFUSED = 128;

export interface LifecycleEventDeps {
  /** Publishes as the service (QoS 1), or does nothing once the broker is closing. */
  publish(topic: string, payload: Buffer): void;
  clock: Clock;
  history: HistorySink;
}

/**
 * Why a CONNECT was refused, in AWS's connect-failure event (`connectFailureReason`): AWS documents
 * `AUTHORIZATION_FAILED` only; `THROTTLED` (the CONNECT rate per client id) is Ferry's.
 */
export type ConnectFailureReason = 'AUTHORIZATION_FAILED' | 'THROTTLED';

/**
 * AWS's lifecycle events besides connect and disconnect (presence.ts):
 * - `$aws/events/subscriptions/subscribed/{clientId}` and `…/unsubscribed/{clientId}`
 *   with the filters granted (or removed), once per SUBSCRIBE or UNSUBSCRIBE;
 * - `$aws/events/presence/connect_failed/{clientId}` when a CONNECT with a
 *   certificate is refused.
 * Client ids with `#` or `+` get no events, as on AWS.
 */
export class SubscriptionEvents {
  constructor(private readonly deps: LifecycleEventDeps) {}

  subscribed(connection: DeviceConnection, subscriptions: Array<{ topic: string; qos: number }>): void {
    const topics = subscriptions.filter((s) => s.qos !== REFUSED).map((s) => s.topic);
    const refused = subscriptions.filter((s) => s.qos === REFUSED).map((s) => s.topic);
    if (topics.length > 0 || refused.length > 0) {
      this.deps.history.record({ kind: 'subscribed', thingName: connection.device?.thingName, clientId: connection.clientId, details: { topics, ...(refused.length > 0 ? { refused } : {}) } });
    }
    if (topics.length > 0) this.subscriptionEvent('subscribed', connection, topics);
  }

  unsubscribed(connection: DeviceConnection, topics: string[]): void {
    if (topics.length > 0) this.subscriptionEvent('unsubscribed', connection, topics);
  }

  connectFailed(connection: DeviceConnection, connectFailureReason: ConnectFailureReason): void {
    // The thing is the client id it claimed (AWS's convention): who tried to connect as it is what its owner wants to know.
    this.deps.history.record({ kind: 'connect_failed', thingName: connection.device?.thingName ?? connection.clientId, clientId: connection.clientId, details: { reason: connectFailureReason, ...(connection.certificateId ? { certificateId: connection.certificateId } : {}) } });
    this.send(`$aws/events/presence/connect_failed/${connection.clientId}`, connection.clientId, {
      clientId: connection.clientId,
      timestamp: this.deps.clock.now(),
      eventType: 'connect_failed',
      connectFailureReason,
      principalIdentifier: connection.certificateId ?? '',
      sessionIdentifier: connection.sessionId,
      ipAddress: connection.sourceIp ?? '',
    });
  }

  private subscriptionEvent(kind: 'subscribed' | 'unsubscribed', connection: DeviceConnection, topics: string[]): void {
    this.send(`$aws/events/subscriptions/${kind}/${connection.clientId}`, connection.clientId, {
      clientId: connection.clientId,
      timestamp: this.deps.clock.now(),
      eventType: kind,
      sessionIdentifier: connection.sessionId,
      principalIdentifier: connection.device?.certificateId ?? connection.certificateId ?? '',
      topics,
    });
  }

  private send(topic: string, clientId: string, event: object): void {
    if (clientId === '' || /[#+]/.test(clientId)) return;
    this.deps.publish(topic, Buffer.from(JSON.stringify(event)));
  }
}
