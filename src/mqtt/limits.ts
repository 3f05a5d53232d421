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

export const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');
