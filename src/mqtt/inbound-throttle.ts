import type { Client } from 'aedes';
import type { Clock } from '../clock.js';
import type { MqttLimits } from './limits.js';
import { TokenBucket } from './token-bucket.js';

/** What aedes 1.2 keeps of mqtt-packet's parser on each client (see packet-guard.ts). */
interface Parser {
  emit(event: string, ...args: unknown[]): boolean;
}

interface InboundPacket {
  cmd: string;
  qos?: number;
  messageId?: number;
  length?: number;
  topic?: string;
  payload?: Buffer | string;
  subscriptions?: object[];
}

export interface InboundThrottleEvents {
  /** True once CONNECT was accepted: only then are publishes counted. */
  connected(): boolean;
  /** A PUBLISH over the rate or the bandwidth was discarded. */
  discarded(why: 'publishes' | 'bandwidth', topic: string): void;
}

/**
 * AWS IoT Core's per-connection publish limits, applied as each packet is
 * parsed, before aedes sees it: a PUBLISH beyond `publishesPerSecond`, or one
 * whose bytes exceed what is left of `inboundBytesPerSecond`, is discarded, as
 * AWS documents ("publish requests that exceed this limit are discarded"). A
 * discarded QoS 1 publish is still acknowledged, so the client does not resend
 * it forever; it reaches no one. The connection stays open. The filters of a
 * SUBSCRIBE beyond `filtersPerSubscribe` are marked `overLimit` for
 * authorizeSubscribe, which answers them 0x80.
 */
export function throttleInbound(client: Client, limits: MqttLimits, clock: Clock, overLimit: WeakSet<object>, events: InboundThrottleEvents): void {
  const parser = (client as unknown as { _parser?: Parser })._parser;
  if (!parser || typeof parser.emit !== 'function') throw new Error('aedes client parser not found: src/mqtt/inbound-throttle.ts needs updating for this aedes version');
  const publishes = new TokenBucket(clock, limits.publishesPerSecond);
  const bytes = new TokenBucket(clock, limits.inboundBytesPerSecond);
  const emit = parser.emit;
  parser.emit = function throttledEmit(this: Parser, event: string, ...args: unknown[]): boolean {
    const packet = args[0] as InboundPacket | undefined;
    if (event === 'packet' && packet) {
      if (packet.cmd === 'publish' && events.connected() && (packet.qos ?? 0) < 2) {
        const why = !publishes.take() ? 'publishes' : !bytes.take(packetBytes(packet)) ? 'bandwidth' : undefined;
        if (why) {
          events.discarded(why, packet.topic ?? '');
          if (packet.qos === 1 && packet.messageId !== undefined) acknowledge(client, packet.messageId);
          return true;
        }
      } else if (packet.cmd === 'subscribe') {
        for (const sub of (packet.subscriptions ?? []).slice(limits.filtersPerSubscribe)) overLimit.add(sub);
      }
    }
    return emit.call(this, event, ...args);
  };
}

/** A PUBLISH's size on the wire, near enough: its remaining length plus the fixed header. */
function packetBytes(packet: InboundPacket): number {
  if (packet.length !== undefined) return packet.length + 2;
  const payload = packet.payload === undefined ? 0 : Buffer.byteLength(packet.payload);
  return Buffer.byteLength(packet.topic ?? '') + payload + 4;
}

/** PUBACK (MQTT 3.1.1 §3.4): type 4, remaining length 2, the packet id. */
function acknowledge(client: Client, messageId: number): void {
  const conn = client.conn as unknown as { writable?: boolean; write(chunk: Buffer): boolean };
  if (conn.writable === false) return;
  conn.write(Buffer.from([0x40, 0x02, messageId >> 8, messageId & 0xff]));
}
