/**
 * Session tickets sealed with any of the cluster's ticket keys are opened,
 * though Node's TLS server holds one key (`setTicketKeys`): the connection's
 * ClientHello is read before TLS takes it, and a ticket whose key name is
 * another kept key's goes to a sibling TLS server holding that key, whose
 * secured sockets are handed back to the listener as its own (same
 * certificate, same handlers: MQTT's broker, HTTPS' request handling). Every
 * other connection — no ticket, the current key's, an unknown one — goes to
 * the listener itself, which seals new tickets with the current key.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { readClientHello } from '../protocols/tls/client-hello.js';
import type { TicketKeys } from '../cluster/ticket-keys.js';

const HELLO_TIMEOUT_MS = 10_000;

export interface TicketRouter {
  stop(): void;
  /** The listener's TLS context was replaced with `options` (a new certificate): keys set again, siblings made anew. */
  reload(options: tls.TlsOptions): void;
}

export function routeByTicketKey(server: tls.Server, options: tls.TlsOptions, keys: TicketKeys, logger: Logger): TicketRouter {
  let siblings = new Map<string, tls.Server>();
  let current = options;
  const rebuild = () => {
    server.setTicketKeys(keys.current.key);
    const next = new Map<string, tls.Server>();
    for (const k of keys.others) {
      const name = k.key.subarray(0, 16).toString('hex');
      next.set(name, siblings.get(name) ?? sibling(server, current, k.key));
    }
    siblings = next;
  };
  rebuild();
  const stop = keys.onChange(rebuild);
  const handlers = server.listeners('connection') as Array<(socket: net.Socket) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: net.Socket) => {
    let seen: Buffer = Buffer.alloc(0);
    const done = () => {
      clearTimeout(timer);
      socket.off('data', onData);
    };
    const timer = setTimeout(() => {
      done();
      socket.destroy();
    }, HELLO_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const hello = readClientHello(seen);
      if (hello.kind === 'incomplete') return;
      done();
      socket.pause();
      socket.unshift(seen);
      const target = hello.kind === 'hello' ? hello.ticketKeyNames.map((n) => siblings.get(n.toString('hex'))).find((s) => s !== undefined) : undefined;
      if (target) target.emit('connection', socket);
      else handlers.forEach((h) => h.call(server, socket));
    };
    socket.on('data', onData);
    // A reader before this one (the PROXY protocol's) leaves the socket paused with its bytes unshifted: flow again.
    socket.resume();
    socket.on('error', () => socket.destroy());
  });
  logger.debug({ keys: keys.others.length + 1 }, 'tls: session tickets shared by the cluster');
  return {
    stop,
    reload: (next) => {
      current = next;
      siblings = new Map();
      rebuild();
    },
  };
}

/** A TLS server like the listener's but sealing with `key`; what it secures, the listener serves. */
function sibling(server: tls.Server, options: tls.TlsOptions, key: Buffer): tls.Server {
  const s = tls.createServer({ ...options, ticketKeys: key });
  s.on('secureConnection', (socket) => server.emit('secureConnection', socket));
  s.on('tlsClientError', (error, socket) => server.emit('tlsClientError', error, socket));
  return s;
}
