/**
 * Which session ticket a TLS ClientHello presents (RFC 5246 + RFC 5077
 * `session_ticket`, RFC 8446 `pre_shared_key`), read from a connection's
 * first bytes before TLS takes them. OpenSSL's tickets start with the 16-byte
 * name of the ticket key that sealed them: that name says which key can open
 * this one. Pure; never throws.
 */

export type HelloResult =
  | { kind: 'incomplete' }
  /** Not a ClientHello we can read (TLS will judge it). */
  | { kind: 'other' }
  /** The first 16 bytes of each ticket presented (none: a full handshake). */
  | { kind: 'hello'; ticketKeyNames: Buffer[] };

const HANDSHAKE = 0x16;
const CLIENT_HELLO = 0x01;
const EXT_SESSION_TICKET = 35;
const EXT_PRE_SHARED_KEY = 41;
const KEY_NAME_BYTES = 16;

export function readClientHello(bytes: Buffer): HelloResult {
  if (bytes.length < 5) return { kind: 'incomplete' };
  if (bytes[0] !== HANDSHAKE) return { kind: 'other' };
  const recordLength = bytes.readUInt16BE(3);
  if (bytes.length < 5 + recordLength) return { kind: 'incomplete' };
  const hello = bytes.subarray(5, 5 + recordLength);
  if (hello[0] !== CLIENT_HELLO || hello.length < 4) return { kind: 'other' };
  const length = hello.readUIntBE(1, 3);
  // A ClientHello split over several records is rare (huge key shares): read as "no ticket".
  if (4 + length > hello.length) return { kind: 'hello', ticketKeyNames: [] };
  try {
    return { kind: 'hello', ticketKeyNames: ticketsIn(hello.subarray(4, 4 + length)) };
  } catch {
    return { kind: 'other' };
  }
}

function ticketsIn(body: Buffer): Buffer[] {
  let at = 2 + 32; // legacy_version, random
  at += 1 + body[at]!; // session id
  at += 2 + body.readUInt16BE(at); // cipher suites
  at += 1 + body[at]!; // compression methods
  if (at >= body.length) return [];
  const end = at + 2 + body.readUInt16BE(at);
  at += 2;
  const names: Buffer[] = [];
  while (at + 4 <= end) {
    const type = body.readUInt16BE(at);
    const size = body.readUInt16BE(at + 2);
    const data = body.subarray(at + 4, at + 4 + size);
    at += 4 + size;
    if (type === EXT_SESSION_TICKET && data.length >= KEY_NAME_BYTES) names.push(Buffer.from(data.subarray(0, KEY_NAME_BYTES)));
    if (type === EXT_PRE_SHARED_KEY) {
      const identitiesEnd = 2 + data.readUInt16BE(0);
      for (let i = 2; i + 2 <= identitiesEnd; ) {
        const n = data.readUInt16BE(i);
        if (n >= KEY_NAME_BYTES) names.push(Buffer.from(data.subarray(i + 2, i + 2 + KEY_NAME_BYTES)));
        i += 2 + n + 4; // identity, obfuscated_ticket_age
      }
    }
  }
  return names;
}
