/**
 * The PROXY protocol on a listening TLS server, from trusted balancers only.
 * Each connection's first bytes are read before TLS sees them:
 * - from a trusted address, a v1 or v2 header (optional: a balancer's health
 *   check may come without one) names the real client, whose address then
 *   stands for the connection's (`remoteAddress` of the TLS socket: MQTT's
 *   `aws:SourceIp` and lifecycle events, HTTP's request.ip);
 * - from any other address a header is refused (the connection is closed):
 *   otherwise anyone could claim any source address;
 * - a malformed header, or none complete within the time-out, is refused.
 * Bytes after the header are handed back to the stream for TLS.
 */
import net, { BlockList } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { parseProxyHeader, type ProxySource } from './header.js';

const HEADER_TIMEOUT_MS = 10_000;
const REAL_SOURCE = Symbol('ferry.proxySource');

type Tagged = net.Socket & { [REAL_SOURCE]?: ProxySource };

/** The balancers allowed to send a header: addresses or CIDR blocks (IPv4 or IPv6). Throws naming a bad entry. */
export function trustedBalancers(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = net.isIP(address ?? '');
    const prefix = bits === undefined ? undefined : Number(bits);
    if (family === 0 || extra !== undefined || (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= (family === 4 ? 32 : 128)))) {
      throw new Error(`network.trustedProxies: "${entry}" is not an IP address or CIDR block (e.g. 10.0.0.5, 10.0.0.0/24, fd00::/8)`);
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address!, type);
    else list.addSubnet(address!, prefix, type);
  }
  return list;
}

/** Whether a peer address (IPv4-mapped IPv6 as IPv4) is in the list. */
export function isTrusted(list: BlockList, address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
  return list.check(plain, net.isIPv4(plain) ? 'ipv4' : 'ipv6');
}

/**
 * Puts the PROXY-protocol reader in front of `server`'s own connection
 * handling (a tls.Server or https.Server). With no trusted balancer it does
 * nothing: a header is then just bytes TLS refuses.
 */
export function acceptProxyProtocol(server: net.Server, trustedProxies: readonly string[], logger: Logger): void {
  if (trustedProxies.length === 0) return;
  const trusted = trustedBalancers(trustedProxies);
  const handlers = server.listeners('connection') as Array<(socket: net.Socket) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: net.Socket) => readHeader(socket, trusted, logger, () => handlers.forEach((h) => h.call(server, socket))));
  // The TLS socket made from a connection stands for the client the header named.
  server.prependListener('secureConnection', (tlsSocket: TLSSocket) => {
    const source = ((tlsSocket as unknown as { _parent?: Tagged })._parent ?? (tlsSocket as Tagged))[REAL_SOURCE];
    if (!source) return;
    Object.defineProperty(tlsSocket, 'remoteAddress', { value: source.address, configurable: true });
    Object.defineProperty(tlsSocket, 'remotePort', { value: source.port, configurable: true });
  });
}

function readHeader(socket: Tagged, trusted: BlockList, logger: Logger, proceed: () => void): void {
  const fromBalancer = isTrusted(trusted, socket.remoteAddress);
  let seen: Buffer = Buffer.alloc(0);
  const refuse = (reason: string) => {
    cleanUp();
    logger.warn({ peer: socket.remoteAddress, reason }, 'PROXY protocol: connection refused');
    socket.destroy();
  };
  const timer = setTimeout(() => refuse('no complete PROXY header in time'), HEADER_TIMEOUT_MS);
  const onData = (chunk: Buffer) => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const result = parseProxyHeader(seen);
    if (result.kind === 'incomplete') return;
    if (result.kind === 'invalid') return refuse(result.reason);
    if (result.kind === 'header' && !fromBalancer) return refuse('a PROXY header from an address not in network.trustedProxies');
    cleanUp();
    socket.pause();
    const rest = result.kind === 'header' ? seen.subarray(result.length) : seen;
    if (result.kind === 'header' && result.source) socket[REAL_SOURCE] = result.source;
    if (rest.length > 0) socket.unshift(rest);
    proceed();
  };
  const onEnd = () => cleanUp();
  function cleanUp() {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', onEnd);
  }
  socket.on('data', onData);
  socket.on('close', onEnd);
  socket.on('error', () => socket.destroy());
}
