import type { Client } from 'aedes';
import { MAX_PACKET_BYTES } from './limits.js';

/**
 * What aedes 1.2 keeps of mqtt-packet 9's parser on each client (`client._parser`).
 * These are internals, so `guardPackets` checks they are there and fails loudly
 * at the first connection if an upgrade moved them.
 */
interface ParserInternals {
  packet: { length: number; cmd?: string };
  _parseLength(): boolean;
  _emitError(error: Error): void;
  prependListener(event: 'packet', listener: (packet: IncomingPacket) => void): unknown;
}

interface IncomingPacket {
  cmd: string;
  subscriptions?: { topic: string; qos: number }[];
}

export interface PacketGuardEvents {
  /** The client sent a packet longer than MAX_PACKET_BYTES; the connection is being closed. */
  oversized(length: number): void;
  /** The client sent DISCONNECT: whatever closes next was its own doing. */
  disconnect(): void;
}

/**
 * Watches a connection's packets as they are parsed, before aedes handles them:
 * - a packet whose declared length exceeds MAX_PACKET_BYTES is refused at its
 *   fixed header, so it is never buffered (the exact 128 KB payload rule is
 *   checked again in authorizePublish);
 * - a SUBSCRIBE asking QoS 2 is downgraded to QoS 1 before aedes builds its
 *   SUBACK, so the granted QoS says 1 (AWS IoT Core supports QoS 0 and 1 only);
 * - a DISCONNECT is reported, to tell a client's own disconnect from a lost connection.
 */
export function guardPackets(client: Client, events: PacketGuardEvents, maxBytes = MAX_PACKET_BYTES): void {
  const parser = (client as unknown as { _parser?: ParserInternals })._parser;
  if (!parser || typeof parser._parseLength !== 'function' || typeof parser._emitError !== 'function') {
    throw new Error('aedes client parser internals not found: src/mqtt/packet-guard.ts needs updating for this aedes version');
  }
  const parseLength = parser._parseLength;
  parser._parseLength = function guardedParseLength(this: ParserInternals): boolean {
    const complete = parseLength.call(this);
    if (complete && this.packet.length > maxBytes) {
      events.oversized(this.packet.length);
      this._emitError(new Error(`packet of ${this.packet.length} bytes exceeds the ${maxBytes}-byte limit`));
      return false;
    }
    return complete;
  };
  parser.prependListener('packet', (packet) => {
    if (packet.cmd === 'subscribe') {
      for (const sub of packet.subscriptions ?? []) if (sub.qos > 1) sub.qos = 1;
    } else if (packet.cmd === 'disconnect') {
      events.disconnect();
    }
  });
}
