import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { awsCli } from '../../helpers/aws-cli.js';
import type { TestServer } from '../../helpers/server.js';

export { eventually, rejectsWith } from '../../helpers/assert.js';

/** Every file under `dir`, relative, sorted. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out.sort();
}

/** Files in the object store's staging folder (uploads in flight or left behind). */
export const stagedFiles = (s: TestServer): string[] => filesUnder(join(s.dataDir, 'objects', 'staging'));
/** Committed blob files. */
export const blobFiles = (s: TestServer): string[] => filesUnder(join(s.dataDir, 'objects', 'blobs'));

/** Everything in the data dir except the object store and the database files (which change with every write). */
export function filesOutsideObjects(s: TestServer): string[] {
  return filesUnder(s.dataDir).filter((f) => !f.startsWith('objects/') && !f.startsWith('ferry.db'));
}

/** Writes `size` pseudo-random bytes to `path` without holding them in memory; returns their sha256 and md5. */
export async function makeFile(path: string, size: number): Promise<{ sha256: string; md5: string }> {
  const block = randomBytes(1024 * 1024);
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  let left = size;
  let n = 0;
  async function* chunks() {
    while (left > 0) {
      const len = Math.min(left, block.length);
      // Vary each block so parts differ.
      const chunk = Buffer.from(block.subarray(0, len));
      chunk.writeUInt32BE(n++, 0);
      sha.update(chunk);
      md5.update(chunk);
      left -= len;
      yield chunk;
    }
  }
  await pipeline(Readable.from(chunks()), createWriteStream(path));
  return { sha256: sha.digest('hex'), md5: md5.digest('hex') };
}

export async function sha256OfStream(stream: NodeJS.ReadableStream): Promise<{ sha256: string; size: number }> {
  const sha = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    sha.update(chunk);
    size += chunk.length;
  }
  return { sha256: sha.digest('hex'), size };
}

export const sha256OfFile = (path: string) => sha256OfStream(createReadStream(path));
export const fileSize = (path: string): number => statSync(path).size;

/** The AWS CLI pointed at Ferry's S3 endpoint as the README says. */
export const aws = (s: TestServer, args: string[]) => awsCli(s, args, { endpoint: s.endpoints.endpoints.s3 });

/** SigV4 signing key (for hand-made aws-chunked bodies). */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const h = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
  return h(h(h(h(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/**
 * A STREAMING-AWS4-HMAC-SHA256-PAYLOAD body: each chunk signed over the
 * previous signature (aws-wire-protocols.md §4.3).
 */
export function signedChunkedBody(opts: { data: Buffer; chunkSize: number; key: Buffer; amzDate: string; scope: string; seed: string; tamperChunk?: number }): Buffer {
  const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
  const parts: Buffer[] = [];
  let previous = opts.seed;
  const chunks: Buffer[] = [];
  for (let i = 0; i < opts.data.length; i += opts.chunkSize) chunks.push(opts.data.subarray(i, i + opts.chunkSize));
  chunks.push(Buffer.alloc(0));
  chunks.forEach((chunk, i) => {
    const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', opts.amzDate, opts.scope, previous, sha(''), sha(chunk)].join('\n');
    let signature = createHmac('sha256', opts.key).update(toSign).digest('hex');
    previous = signature;
    if (i === opts.tamperChunk) signature = signature.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${signature}\r\n`), chunk, Buffer.from('\r\n'));
  });
  return Buffer.concat(parts);
}

/** An S3 client whose signing clock follows the server's adjustable clock (as the SDK's own skew correction would). */
export function s3AtServerTime(s: TestServer, extra: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    region: s.endpoints.region,
    credentials: s.credentials,
    endpoint: s.endpoints.endpoints.s3,
    forcePathStyle: true,
    requestHandler: new NodeHttpHandler({ httpsAgent: s.agent }),
    maxAttempts: 1,
    systemClockOffset: s.clock.now() - Date.now(),
    ...extra,
  });
}
