import type { AedesOptions, AedesPublishPacket } from 'aedes';
import type { Connections } from './connections.js';
import type { MqttArns } from './topics.js';

export interface AuthorizeForwardDeps {
  connections: Connections;
  arns: MqttArns;
  /** True for request topics Ferry consumes (e.g. the Jobs requests): devices' requests are not delivered to subscribers. */
  isConsumed(topic: string): boolean;
}

/**
 * Delivery: aedes asks synchronously before every message reaches a client,
 * live or from a persistent session's queue. `iot:Receive` on `topic/{topic}`
 * is evaluated against the policies compiled at CONNECT, without I/O; a refusal
 * silently drops that delivery (aws-wire-protocols.md §7). A QoS 2 message goes
 * out as QoS 1: AWS IoT Core delivers QoS 0 and 1 only.
 */
export function authorizeForward(deps: AuthorizeForwardDeps): NonNullable<AedesOptions['authorizeForward']> {
  return (client, packet) => {
    const device = deps.connections.of(client)?.device;
    if (!device) return null;
    if (deps.isConsumed(packet.topic)) return null;
    if (!device.policy.allows('iot:Receive', deps.arns.topic(packet.topic))) return null;
    return packet.qos > 1 ? ({ ...packet, qos: 1 } as AedesPublishPacket) : packet;
  };
}
