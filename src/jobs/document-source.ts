/**
 * CreateJob's `documentSource`: an S3 object URL (the AWS forms or Ferry's
 * own S3 endpoint), read from Ferry's object store once, when the job is made
 * (aws-wire-protocols.md §5); later changes to the object do not affect the job.
 */
import type { Readable } from 'node:stream';
import { invalidInput, isFerryError } from '../errors.js';
import type { Principal } from '../iam/principal.js';
import { MAX_JOB_DOCUMENT_BYTES, parseS3Url } from './document.js';

/** Reads an object as `principal` (ObjectStore.getObject). */
export type ObjectReader = (principal: Principal, location: { bucket: string; key: string }) => Promise<{ status: string; body?: Readable }>;

// aws-wire-protocols.md §3.3: documentSource is at most 1350 characters.
export const MAX_DOCUMENT_SOURCE_CHARS = 1350;

export async function readDocumentSource(read: ObjectReader, principal: Principal, url: string, s3Origins: readonly string[]): Promise<string> {
  if (url.length > MAX_DOCUMENT_SOURCE_CHARS) throw invalidInput(`documentSource must be at most ${MAX_DOCUMENT_SOURCE_CHARS} characters.`);
  const location = parseS3Url(url, s3Origins);
  let body: Readable | undefined;
  try {
    const result = await read(principal, location);
    body = result.body;
  } catch (error) {
    if (!isFerryError(error)) throw error;
    throw invalidInput(`The job document at documentSource ${url} cannot be read: ${error.message}`, 'document-source-unreadable');
  }
  if (!body) throw invalidInput(`The job document at documentSource ${url} cannot be read.`, 'document-source-unreadable');
  return readCapped(body, url);
}

/** The object's text, refusing more than 32 KB without reading it all. */
async function readCapped(body: Readable, url: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      size += buf.length;
      if (size > MAX_JOB_DOCUMENT_BYTES) {
        throw invalidInput(`The job document at documentSource ${url} is larger than ${MAX_JOB_DOCUMENT_BYTES} bytes.`, 'document-too-large');
      }
      chunks.push(buf);
    }
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
}
