/**
 * One device's download: a fresh TLS connection (a device does not share
 * sockets with its neighbours), the body streamed through SHA-256, and the
 * digest and size checked against what the job document promised.
 */
import { createHash } from 'node:crypto';
import https from 'node:https';
import type { SecureContext } from 'node:tls';
import { now } from '../net.js';

export interface DownloadResult {
  startedAt: number;
  endedAt: number;
  bytes: number;
}

export function download(url: string, expect: { sha256: string; size: number }, tls: { ca?: string; secureContext?: SecureContext }, timeoutMs = 300_000): Promise<DownloadResult> {
  const startedAt = now();
  return new Promise((resolve, reject) => {
    const request = https.get(url, { ...tls, agent: false, timeout: timeoutMs }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`GET answered ${response.statusCode ?? '?'}`));
        return;
      }
      const hash = createHash('sha256');
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        hash.update(chunk);
      });
      response.once('error', reject);
      response.once('end', () => {
        const digest = hash.digest('hex');
        if (bytes !== expect.size) reject(new Error(`got ${bytes} bytes, expected ${expect.size}`));
        else if (digest !== expect.sha256) reject(new Error('SHA-256 mismatch'));
        else resolve({ startedAt, endedAt: now(), bytes });
      });
    });
    request.once('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.once('error', reject);
  });
}

/** A counting semaphore: at most `limit` holders at once. */
export class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(limit: number) {
    this.free = limit;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    }
  }
}
