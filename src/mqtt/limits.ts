/**
 * The broker's limits, each AWS IoT's where AWS has one, so a device that works
 * on AWS works here and one that would be refused on AWS is refused here too.
 */

const KiB = 1024;

/** AWS IoT Core quota "message size": a PUBLISH payload above 128 KB is refused (the connection closes). */
export const MAX_PAYLOAD_BYTES = 128 * KiB;

/**
 * Largest MQTT packet the parser accepts before it has buffered the body: the
 * biggest legal PUBLISH (2-byte topic length, the longest topic MQTT can encode,
 * packet id, payload). Anything longer is cut off at its fixed header, so an
 * oversized publish never costs more memory than this.
 */
export const MAX_PACKET_BYTES = 2 + 0xffff + 2 + MAX_PAYLOAD_BYTES;

/** AWS IoT Core: topic names and filters are at most 256 bytes of UTF-8. */
export const MAX_TOPIC_BYTES = 256;

/** AWS IoT Core: a client id is at most 128 bytes of UTF-8. */
export const MAX_CLIENT_ID_BYTES = 128;

/**
 * AWS IoT Core: the keep-alive is at most 1200 s. A CONNECT asking for more,
 * or for 0 (no keep-alive), is held to 1200 s, as AWS does.
 */
export const KEEP_ALIVE_CEILING_SECONDS = 1200;

/**
 * QoS 1 messages kept for one persistent session while its client is offline.
 * Past this the newest are dropped (and logged). Sessions live in memory in the
 * embedded mode (DESIGN.md "Storage and scale"): jobs never depend on them, a
 * device that reconnects asks for its pending work.
 */
export const MAX_QUEUED_PER_SESSION = 100;

/** Seconds a slow client may keep the broker waiting on a full socket before it is dropped. */
export const DRAIN_TIMEOUT_MS = 30_000;

/**
 * The per-connection limits, each configurable in the configuration file's
 * `[mqtt]` section (src/config/schema.ts); the defaults are AWS IoT Core's
 * ("AWS IoT Core message broker and protocol limits and quotas").
 */
export interface MqttLimits {
  /** A PUBLISH payload above this closes the connection (CLIENT_ERROR). */
  maxPayloadBytes: number;
  /** A topic above this closes the connection; a filter above it gets SUBACK 0x80. */
  maxTopicBytes: number;
  /** A CONNECT asking for a longer keep-alive, or none, is held to this. */
  keepAliveCeilingSeconds: number;
  /** CONNECTs with one client id beyond this rate are refused (CONNACK 3, server unavailable). */
  connectsPerSecondPerClientId: number;
  /** PUBLISHes from one connection beyond this rate are discarded (acknowledged, not delivered). */
  publishesPerSecond: number;
  /** PUBLISH bytes from one connection beyond this rate are discarded likewise. */
  inboundBytesPerSecond: number;
  /** A SUBSCRIBE taking a connection past this many subscriptions closes it (THROTTLED). */
  subscriptionsPerConnection: number;
  /** Filters of one SUBSCRIBE past this many get SUBACK 0x80. */
  filtersPerSubscribe: number;
  /** A persistent session (and its queue) ends this long after its client disconnected. */
  sessionExpirySeconds: number;
}

export const DEFAULT_MQTT_LIMITS: MqttLimits = {
  maxPayloadBytes: MAX_PAYLOAD_BYTES,
  maxTopicBytes: MAX_TOPIC_BYTES,
  keepAliveCeilingSeconds: KEEP_ALIVE_CEILING_SECONDS,
  connectsPerSecondPerClientId: 1,
  publishesPerSecond: 100,
  inboundBytesPerSecond: 512 * KiB,
  subscriptionsPerConnection: 50,
  filtersPerSubscribe: 8,
  sessionExpirySeconds: 3600,
};

/** AWS IoT Core: the persistent session expiry can be raised to seven days at most. */
export const MAX_SESSION_EXPIRY_SECONDS = 7 * 24 * 3600;

/** The longest packet accepted for a payload limit (see MAX_PACKET_BYTES). */
export const maxPacketBytes = (maxPayloadBytes: number): number => 2 + 0xffff + 2 + maxPayloadBytes;

export const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');
