/**
 * An HTTPS proxy in front of Ferry's S3 listener, for tests of bad networks:
 * it terminates TLS with the server's own certificate (so the agent trusts
 * it), records each request's Range header, paces the body (bandwidth
 * throttling) and can cut a response after some bytes. Links must be signed
 * for the proxy's origin (SigV4 signs the Host header).
 */
import { EventEmitter } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestServer } from '../helpers/server.js';

export interface SeenRequest {
  path: string;
  range?: string;
  status?: number;
}

export class S3Proxy extends EventEmitter<{ bytes: [total: number] }> {
  readonly requests: SeenRequest[] = [];
  /** Body bytes sent to clients in all. */
  sent = 0;
  /** Bytes per tick and the tick (ms); undefined = full speed. */
  pace: { bytes: number; everyMs: number } | undefined;
  /** Cut the next response after this many body bytes (once). */
  cutAfter: number | undefined;
  private server: https.Server | undefined;
  private readonly active = new Set<import('node:http').ServerResponse>();
  private upstream: https.Agent;
  origin = '';

  constructor(private readonly s: TestServer) {
    super();
    this.upstream = new https.Agent({ ca: s.ca });
  }

  async start(): Promise<this> {
    const { serverCertPem, serverKeyPem } = this.s.server.ctx.pki;
    const target = new URL(this.s.endpoints.endpoints.s3);
    this.server = https.createServer({ cert: serverCertPem, key: serverKeyPem }, (req, res) => {
      const seen: SeenRequest = { path: req.url ?? '', ...(req.headers.range ? { range: req.headers.range } : {}) };
      this.requests.push(seen);
      const up = https.request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers, agent: this.upstream },
        (upRes) => {
          seen.status = upRes.statusCode;
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          void this.relay(upRes, res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private async relay(from: NodeJS.ReadableStream, to: import('node:http').ServerResponse): Promise<void> {
    this.active.add(to);
    to.once('close', () => this.active.delete(to));
    let sentHere = 0;
    const cut = this.cutAfter;
    this.cutAfter = undefined;
    try {
      for await (const chunk of from) {
        let buf = chunk as Buffer;
        while (buf.length > 0) {
          const step = this.pace ? Math.min(this.pace.bytes, buf.length) : buf.length;
          let piece = buf.subarray(0, step);
          if (cut !== undefined && sentHere + piece.length >= cut) {
            piece = piece.subarray(0, cut - sentHere);
            to.write(piece);
            this.count(piece.length);
            to.socket?.destroy();
            return;
          }
          buf = buf.subarray(step);
          if (!to.write(piece)) {
            await new Promise<void>((r) => {
              const done = () => {
                to.off('drain', done);
                to.off('close', done);
                r();
              };
              to.once('drain', done);
              to.once('close', done);
            });
          }
          sentHere += piece.length;
          this.count(piece.length);
          if (to.destroyed) return;
          // Pacing: bandwidth throttling, not waiting for a clock.
          if (this.pace) await new Promise((r) => setTimeout(r, this.pace!.everyMs));
        }
      }
      to.end();
    } catch {
      to.destroy();
    }
  }

  private count(n: number): void {
    this.sent += n;
    this.emit('bytes', this.sent);
  }

  /** Cuts every response being sent now (a network cut). */
  cutNow(): void {
    for (const res of this.active) res.socket?.destroy();
  }

  /** Resolves once `n` body bytes in all have gone out. */
  whenSent(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (total: number) => {
        if (total >= n) {
          this.off('bytes', check);
          resolve();
        }
      };
      this.on('bytes', check);
      check(this.sent);
    });
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.upstream.destroy();
  }
}
