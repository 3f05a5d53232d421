import type { AedesOptions } from 'aedes';
import type { Logger } from 'pino';
import type { Connections, DisconnectReason } from './connections.js';
import { byteLength, DEFAULT_MQTT_LIMITS, type MqttLimits } from './limits.js';
import { publishRefusal } from './reserved-topics.js';
import type { MqttArns } from './topics.js';

export interface AuthorizePublishDeps {
  connections: Connections;
  arns: MqttArns;
  logger: Logger;
  limits?: MqttLimits;
}

/**
 * PUBLISH: within AWS's limits, not to a reserved topic the device may not use,
 * and `iot:Publish` on `topic/{topic}` (plus `iot:RetainPublish` for a retained
 * message). MQTT 3.1.1 has no negative PUBACK, so any refusal closes the
 * connection, as AWS does (aws-wire-protocols.md §7). aedes also asks here
 * before publishing a client's will.
 */
export function authorizePublish(deps: AuthorizePublishDeps): NonNullable<AedesOptions['authorizePublish']> {
  return (client, packet, done) => {
    // A will left behind by a node that died: judged at its CONNECT (authenticate.ts), published by a survivor.
    if (client === null && packet.topic !== undefined) return done(null);
    const connection = deps.connections.of(client);
    const device = connection?.device;
    if (!connection || !device) return done(new Error('publish from an unauthenticated client'));
    const { topic, retain } = packet;
    const refuse = (reason: DisconnectReason, message: string) => {
      connection.noteDisconnect(reason);
      deps.logger.info({ clientId: connection.clientId, topic, sessionId: connection.sessionId }, `mqtt publish refused: ${message}`);
      done(new Error(message));
    };
    const { maxPayloadBytes, maxTopicBytes } = deps.limits ?? DEFAULT_MQTT_LIMITS;
    const size = payloadSize(packet.payload);
    if (size > maxPayloadBytes) return refuse('CLIENT_ERROR', `payload of ${size} bytes exceeds ${maxPayloadBytes} bytes`);
    if (byteLength(topic) > maxTopicBytes) return refuse('CLIENT_ERROR', `topic exceeds ${maxTopicBytes} bytes`);
    const reserved = publishRefusal(topic, retain);
    if (reserved) return refuse('AUTH_ERROR', reserved);
    const resource = deps.arns.topic(topic);
    if (!device.policy.allows('iot:Publish', resource)) return refuse('AUTH_ERROR', 'iot:Publish is not allowed');
    if (retain && !device.policy.allows('iot:RetainPublish', resource)) return refuse('AUTH_ERROR', 'iot:RetainPublish is not allowed');
    done(null);
  };
}

const payloadSize = (payload: string | Buffer | undefined): number =>
  payload === undefined ? 0 : typeof payload === 'string' ? byteLength(payload) : payload.length;
