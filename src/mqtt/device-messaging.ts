import type { Logger } from 'pino';
import { publishRefusal } from './reserved-topics.js';
import { topicMatches } from './topics.js';

/**
 * The seam between the broker and the rest of Ferry. The broker is an adapter:
 * Ferry talks to devices through this small interface, never through aedes, so
 * a scaled-out deployment can back it with Redis without its users changing.
 *
 * The jobs engine is the first user:
 *
 * ```ts
 * const stop = messaging.consume('$aws/things/+/jobs/#', async (request) => {
 *   // request.topic = '$aws/things/miso_1/jobs/get', request.payload = Buffer
 *   // request.connection = { clientId, thingName?, certificateId, sessionId }
 *   await messaging.reply(request, { topic: `${request.topic}/accepted`, payload: { timestamp, inProgressJobs: [], queuedJobs: [] } });
 * });
 * await messaging.publish({ topic: '$aws/things/miso_1/jobs/notify-next', payload: { timestamp }, qos: 1 });
 * ```
 *
 * Rules:
 * - A device's PUBLISH reaches a consumer only after the broker has authorized
 *   it (`iot:Publish` on the topic, reserved-topic rules, size limits).
 * - Consumed requests are not delivered to subscribers. Only topics a device may
 *   publish to can be consumed: with the filter above, `…/get` is consumed,
 *   while `…/get/accepted` and `…/notify` (which only Ferry sends) are delivered
 *   normally, so one wide filter is safe.
 * - A device's requests reach the consumer one at a time, in the order sent:
 *   the broker reads that device's next packet once the handler has settled.
 *   A handler that throws is logged; the device is not disconnected.
 * - `reply` goes to the requesting connection only, whether or not it
 *   subscribed (AWS's accepted/rejected, aws-wire-protocols.md §1.1); `publish`
 *   goes to every subscriber. Both are still subject to each receiver's
 *   `iot:Receive`, and neither needs an `iot:Publish` of Ferry's own.
 * - Before the broker starts, or after it stops, `publish` does nothing and
 *   `reply` answers false: nobody is connected to hear either.
 */
export interface DeviceMessaging {
  /** Publishes to every subscriber of the topic. Resolves once the broker has taken it (queued for offline persistent sessions at QoS 1). */
  publish(message: OutboundMessage): Promise<void>;
  /** Sends to the connection that made `request` only (at the request's QoS unless told). Resolves false if that connection has closed. */
  reply(request: DeviceRequest, message: OutboundMessage): Promise<boolean>;
  /** Takes device publishes on topics matching `filter` (MQTT wildcards). Returns the function that stops it. */
  consume(filter: string, handler: DeviceRequestHandler): () => void;
  /** True when a client with this id is connected (to this node, in the embedded mode). */
  isConnected(clientId: string): boolean;
}

export interface OutboundMessage {
  topic: string;
  /** An object is sent as JSON, a string as UTF-8. */
  payload: Buffer | Uint8Array | string | object;
  /** Default 0 for `publish`, the request's QoS for `reply`. */
  qos?: 0 | 1;
}

/** Who sent a request: the connection as authenticated at CONNECT. */
export interface DeviceConnectionInfo {
  clientId: string;
  /** The thing the connection is bound to (client id = name of a thing attached to the certificate), if any. */
  thingName?: string;
  certificateId: string;
  /** AWS's `sessionIdentifier`: this connection, as opposed to an earlier one with the same client id. */
  sessionId: string;
}

export interface DeviceRequest {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  connection: DeviceConnectionInfo;
}

export type DeviceRequestHandler = (request: DeviceRequest) => void | Promise<void>;

/** What the broker provides the hub while it runs. */
export interface BrokerPort {
  publish(message: OutboundMessage): Promise<void>;
  sendTo(sessionId: string, message: OutboundMessage): Promise<boolean>;
  isConnected(clientId: string): boolean;
}

interface Consumer {
  filter: string;
  handler: DeviceRequestHandler;
}

/**
 * DeviceMessaging for the rest of Ferry, built with the domain services (so the
 * jobs engine can hold it from the start); the broker attaches itself when it starts.
 */
export class DeviceMessagingHub implements DeviceMessaging {
  private port: BrokerPort | undefined;
  private consumers: Consumer[] = [];

  constructor(private readonly logger?: Logger) {}

  publish(message: OutboundMessage): Promise<void> {
    return this.port ? this.port.publish(message) : Promise.resolve();
  }

  reply(request: DeviceRequest, message: OutboundMessage): Promise<boolean> {
    const withQos = message.qos === undefined ? { ...message, qos: request.qos } : message;
    return this.port ? this.port.sendTo(request.connection.sessionId, withQos) : Promise.resolve(false);
  }

  consume(filter: string, handler: DeviceRequestHandler): () => void {
    const consumer = { filter, handler };
    this.consumers = [...this.consumers, consumer];
    return () => {
      this.consumers = this.consumers.filter((c) => c !== consumer);
    };
  }

  isConnected(clientId: string): boolean {
    return this.port?.isConnected(clientId) ?? false;
  }

  // ---- the broker's side ----

  /** Called by the broker when it starts; returns the function that detaches it. */
  attach(port: BrokerPort): () => void {
    this.port = port;
    return () => {
      if (this.port === port) this.port = undefined;
    };
  }

  /** True when device publishes on this topic are consumed rather than delivered. */
  isConsumed(topic: string): boolean {
    // Only what a device may publish is a request; what Ferry alone sends (…/accepted, notify) is delivered.
    return this.consumers.some((c) => topicMatches(c.filter, topic)) && publishRefusal(topic, false) === undefined;
  }

  /** Hands a device request to every consumer whose filter matches, one after another. */
  async dispatch(request: DeviceRequest): Promise<void> {
    for (const consumer of this.consumers) {
      if (!topicMatches(consumer.filter, request.topic)) continue;
      try {
        await consumer.handler(request);
      } catch (error) {
        this.logger?.error({ err: error, topic: request.topic, clientId: request.connection.clientId }, 'device request handler failed');
      }
    }
  }
}

/** The bytes of an outbound payload. */
export function encodePayload(payload: OutboundMessage['payload']): Buffer {
  if (Buffer.isBuffer(payload)) return payload;
  if (payload instanceof Uint8Array) return Buffer.from(payload);
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  return Buffer.from(JSON.stringify(payload), 'utf8');
}
