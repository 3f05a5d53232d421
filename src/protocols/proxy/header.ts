/**
 * The PROXY protocol header a TCP load balancer puts before a connection's
 * bytes (HAProxy's proxy-protocol.txt, versions 1 and 2), parsed from the
 * first bytes a connection sent. Pure: the socket side is accept.ts.
 *
 * Written here rather than taken from npm: proxy-protocol-js parses whole
 * buffers and ignores a v2 header's length field (its TLVs come back as
 * payload), and the framing — how many bytes are the header — is the part a
 * server has to get right.
 */
import net from 'node:net';

/** v2's 12-byte signature. */
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
/** v1: "the maximum line lengths the receiver must support including the CRLF are … 107". */
const V1_MAX = 107;
/** v2: 16 fixed bytes and at most this much of addresses and TLVs (a balancer's TLVs are small). */
const V2_MAX_BODY = 4096;

export interface ProxySource {
  address: string;
  port: number;
}

export type ProxyHeaderResult =
  /** The bytes so far could still be the start of a header: read more. */
  | { kind: 'incomplete' }
  /** The connection does not start with a header. */
  | { kind: 'none' }
  /** A header of `length` bytes; `source` absent for v1 UNKNOWN / v2 LOCAL (use the connection's own address). */
  | { kind: 'header'; version: 1 | 2; length: number; source?: ProxySource }
  | { kind: 'invalid'; reason: string };

export function parseProxyHeader(bytes: Buffer): ProxyHeaderResult {
  if (startsLike(bytes, V2_SIGNATURE)) return bytes.length < V2_SIGNATURE.length ? { kind: 'incomplete' } : parseV2(bytes);
  if (startsLike(bytes, V1_PREFIX)) return bytes.length < V1_PREFIX.length ? { kind: 'incomplete' } : parseV1(bytes);
  return { kind: 'none' };
}

/** True when `bytes` and `prefix` agree on every byte both have. */
function startsLike(bytes: Buffer, prefix: Buffer): boolean {
  const n = Math.min(bytes.length, prefix.length);
  return n > 0 && bytes.subarray(0, n).equals(prefix.subarray(0, n));
}

function parseV1(bytes: Buffer): ProxyHeaderResult {
  const end = bytes.indexOf('\r\n', 0, 'latin1');
  if (end < 0) return bytes.length >= V1_MAX ? { kind: 'invalid', reason: 'v1 header longer than 107 bytes' } : { kind: 'incomplete' };
  if (end + 2 > V1_MAX) return { kind: 'invalid', reason: 'v1 header longer than 107 bytes' };
  const length = end + 2;
  const fields = bytes.subarray(0, end).toString('latin1').split(' ');
  const family = fields[1];
  if (family === 'UNKNOWN') return { kind: 'header', version: 1, length };
  if ((family !== 'TCP4' && family !== 'TCP6') || fields.length !== 6) return { kind: 'invalid', reason: 'v1 header is not "PROXY TCP4|TCP6 SRC DST SPORT DPORT"' };
  const [, , src, dst, sport, dport] = fields as [string, string, string, string, string, string];
  const ipVersion = family === 'TCP4' ? 4 : 6;
  if (net.isIP(src) !== ipVersion || net.isIP(dst) !== ipVersion) return { kind: 'invalid', reason: `v1 header addresses are not ${family}` };
  const port = v1Port(sport);
  if (port === undefined || v1Port(dport) === undefined) return { kind: 'invalid', reason: 'v1 header ports are not 0–65535' };
  return { kind: 'header', version: 1, length, source: { address: src, port } };
}

function v1Port(text: string): number | undefined {
  if (!/^(0|[1-9][0-9]{0,4})$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

function parseV2(bytes: Buffer): ProxyHeaderResult {
  if (bytes.length < 16) return { kind: 'incomplete' };
  const versionCommand = bytes[12]!;
  if (versionCommand >> 4 !== 2) return { kind: 'invalid', reason: 'v2 header version is not 2' };
  const command = versionCommand & 0x0f;
  if (command > 1) return { kind: 'invalid', reason: 'v2 header command is neither LOCAL nor PROXY' };
  const bodyLength = bytes.readUInt16BE(14);
  if (bodyLength > V2_MAX_BODY) return { kind: 'invalid', reason: `v2 header longer than ${V2_MAX_BODY + 16} bytes` };
  const length = 16 + bodyLength;
  if (bytes.length < length) return { kind: 'incomplete' };
  // LOCAL: the balancer's own connection (a health check); the addresses, if any, are to be ignored.
  if (command === 0) return { kind: 'header', version: 2, length };
  const family = bytes[13]! >> 4;
  const transport = bytes[13]! & 0x0f;
  const body = bytes.subarray(16, length);
  if (family === 0) return { kind: 'header', version: 2, length };
  if (transport !== 1) return { kind: 'invalid', reason: 'v2 header transport is not STREAM' };
  if (family === 1) {
    if (body.length < 12) return { kind: 'invalid', reason: 'v2 header too short for IPv4 addresses' };
    return { kind: 'header', version: 2, length, source: { address: [...body.subarray(0, 4)].join('.'), port: body.readUInt16BE(8) } };
  }
  if (family === 2) {
    if (body.length < 36) return { kind: 'invalid', reason: 'v2 header too short for IPv6 addresses' };
    return { kind: 'header', version: 2, length, source: { address: ipv6Text(body.subarray(0, 16)), port: body.readUInt16BE(32) } };
  }
  // AF_UNIX: no network address to report.
  if (family === 3) return { kind: 'header', version: 2, length };
  return { kind: 'invalid', reason: 'v2 header address family is unknown' };
}

/** An IPv6 address's usual text (compressed by the URL parser's canonical form). */
function ipv6Text(raw: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(raw.readUInt16BE(i).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}
