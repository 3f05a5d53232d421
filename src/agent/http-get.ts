/**
 * One HTTP(S) GET with node's own clients: the URL is sent as given (a
 * presigned URL's encoding must survive), an idle timeout catches stalled
 * links, and an AbortSignal ends it.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { rejected } from './outcome.js';

export interface GetOptions {
  headers?: Record<string, string>;
  /** For https URLs: trust (the kit's CA and the system roots) and connection reuse. */
  agent?: https.Agent;
  signal?: AbortSignal;
  /** No bytes for this long → the request fails. */
  idleTimeoutMs: number;
}

export function httpGet(url: string, opts: GetOptions): Promise<IncomingMessage> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw rejected('invalid-url', `'${url.slice(0, 200)}' is not a URL.`);
  }
  const client = parsed.protocol === 'https:' ? https : parsed.protocol === 'http:' ? http : undefined;
  if (!client) throw rejected('invalid-url', `Only http and https links can be downloaded, not ${parsed.protocol}`);
  return new Promise((resolve, reject) => {
    const req = client.request(
      parsed,
      {
        method: 'GET',
        headers: opts.headers ?? {},
        ...(client === https && opts.agent ? { agent: opts.agent } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (res) => {
        res.on('error', () => {}); // the reader sees the error through its iterator
        resolve(res);
      },
    );
    req.setTimeout(opts.idleTimeoutMs, () => req.destroy(new Error(`no data for ${opts.idleTimeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Reads a small body (an error document), at most `limit` bytes. */
export async function readSmallBody(res: IncomingMessage, limit = 8192): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res) {
      const b = chunk as Buffer;
      if (size < limit) chunks.push(b.subarray(0, limit - size));
      size += b.length;
    }
  } catch {
    /* a cut error body is still worth reading */
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Throws away a response body without reading it further. */
export function discardBody(res: IncomingMessage): void {
  res.resume();
  res.destroy();
}

/** An S3 error document's Code and Message (aws-wire-protocols.md §4.5), if the body is one. */
export function s3Error(body: string): { code?: string; message?: string } {
  const tag = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1];
  const code = tag('Code');
  const message = tag('Message');
  return { ...(code ? { code } : {}), ...(message ? { message } : {}) };
}
