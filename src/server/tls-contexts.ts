/**
 * Every TLS listener of this node (api, device, s3, mqtt), so a new server
 * certificate reaches them all without a restart: each makes a new secure
 * context from the options it was started with and the new certificate and
 * key. Connections already made keep the context they were made with.
 */
import type tls from 'node:tls';

interface Registered {
  server: tls.Server;
  options: tls.TlsOptions;
  /** Told the new options after the server's context was replaced (the ticket router re-keys and rebuilds its siblings). */
  reloaded: ((options: tls.TlsOptions) => void) | undefined;
  group: TlsGroup;
}

/**
 * Which certificate a listener serves: Ferry's own (issued by its CA, which kits pin), or the
 * operator's --tls-cert (api and s3 only, for browsers; browser-certificate.ts).
 */
export type TlsGroup = 'ferry' | 'browser';

export class TlsContexts {
  private readonly servers: Registered[] = [];

  add(server: tls.Server, options: tls.TlsOptions, reloaded?: (options: tls.TlsOptions) => void, group: TlsGroup = 'ferry'): void {
    this.servers.push({ server, options, reloaded, group });
  }

  /** Every listener of `group` serves `cert` and `key` from its next handshake on. */
  reload(cert: string, key: string, group: TlsGroup = 'ferry'): void {
    for (const entry of this.servers) {
      if (entry.group !== group) continue;
      entry.options = { ...entry.options, cert, key };
      entry.server.setSecureContext(entry.options);
      entry.reloaded?.(entry.options);
    }
  }

  get size(): number {
    return this.servers.filter((s) => s.group === 'ferry').length;
  }
}
