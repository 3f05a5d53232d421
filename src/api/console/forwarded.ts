/**
 * The console's public origin behind a reverse proxy: `X-Forwarded-Proto` and
 * `X-Forwarded-Host` name the scheme and host the browser used, but only when
 * the connection comes straight from a proxy in network.trustedProxies —
 * anyone else could claim any host and so pass the Origin check or get an MQTT
 * URL signed for a host of their choosing. Otherwise the Host header stands,
 * over HTTPS (the api listener speaks nothing else).
 */
import type { BlockList, Socket } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { isTrusted, trustedBalancers } from '../../protocols/proxy/accept.js';

export interface PublicOrigin {
  proto: 'https' | 'http';
  host: string;
}

/** The trusted proxies' list, made once (empty: no forwarded header is ever believed). */
export function trustedProxyList(entries: readonly string[]): BlockList | undefined {
  return entries.length > 0 ? trustedBalancers(entries) : undefined;
}

/**
 * The address that opened the connection: a proxy's, even when a PROXY protocol header
 * made the TLS socket stand for the client behind it (src/protocols/proxy/accept.ts).
 */
function peerAddress(request: FastifyRequest): string | undefined {
  const socket = request.socket as Socket & { _parent?: Socket };
  return socket._parent?.remoteAddress ?? socket.remoteAddress;
}

/** The first value of a (possibly repeated, comma-joined) header: the one the first proxy set. */
function first(request: FastifyRequest, name: string): string | undefined {
  const raw = request.headers[name];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.split(',')[0]?.trim();
  return value ? value : undefined;
}

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

export function publicOrigin(request: FastifyRequest, trusted: BlockList | undefined): PublicOrigin {
  const own: PublicOrigin = { proto: 'https', host: request.headers.host ?? 'localhost' };
  if (!trusted || !isTrusted(trusted, peerAddress(request))) return own;
  const host = first(request, 'x-forwarded-host');
  const proto = first(request, 'x-forwarded-proto')?.toLowerCase();
  return {
    host: host && HOST.test(host) ? host : own.host,
    proto: proto === 'http' || proto === 'https' ? proto : own.proto,
  };
}
