import type { Clock } from '../clock.js';
import type { DeviceConnection } from './connections.js';

/** SUBACK's failure code: the filter was not granted. */
const REFUSED = 128;

export interface LifecycleEventDeps {
  /** Publishes as the service (QoS 1), or does nothing once the broker is closing. */
  publish(topic: string, payload: Buffer): void;
  clock: Clock;
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
    if (topics.length > 0) this.subscriptionEvent('subscribed', connection, topics);
  }

  unsubscribed(connection: DeviceConnection, topics: string[]): void {
    if (topics.length > 0) this.subscriptionEvent('unsubscribed', connection, topics);
  }

  connectFailed(connection: DeviceConnection, connectFailureReason: ConnectFailureReason): void {
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
