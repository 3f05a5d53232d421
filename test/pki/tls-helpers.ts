import tls from 'node:tls';
import type { AddressInfo } from 'node:net';

export interface ServerSide {
  cert: string;
  key: string;
  /** When set, the server requires a client certificate issued by this CA. */
  clientCa?: string;
}

export interface ClientSide {
  ca: string;
  /** A name is sent as SNI and checked against DNS SANs; an IP is checked against IP SANs. */
  host: string;
  cert?: string;
  key?: string;
  /** Skip the host-name check, to see the chain and key-usage checks alone. */
  anyName?: boolean;
}

/**
 * One TLS connection to a fresh server on port 0. `ok` only when the server
 * accepted the handshake and its first bytes reached the client.
 */
export async function handshake(server: ServerSide, client: ClientSide): Promise<{ ok: boolean; error?: string }> {
  const mutual = server.clientCa === undefined ? {} : { ca: server.clientCa, requestCert: true, rejectUnauthorized: true };
  const srv = tls.createServer({ cert: server.cert, key: server.key, ...mutual }, (socket) => socket.end('hi'));
  srv.on('tlsClientError', () => {}); // a refused client is the expected outcome of some tests
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  const isIp = /^[\d.]+$|:/.test(client.host);
  try {
    return await new Promise((resolve) => {
      const socket = tls.connect({
        port,
        host: isIp ? client.host : '127.0.0.1',
        ...(isIp ? {} : { servername: client.host }),
        ca: client.ca,
        ...(client.cert === undefined ? {} : { cert: client.cert, key: client.key }),
        ...(client.anyName ? { checkServerIdentity: () => undefined } : {}),
      });
      socket.on('data', () => {
        resolve({ ok: true });
        socket.destroy();
      });
      socket.on('error', (e) => resolve({ ok: false, error: e.message }));
      socket.on('close', () => resolve({ ok: false, error: 'closed before data' }));
    });
  } finally {
    srv.close();
  }
}
