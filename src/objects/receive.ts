import { pipeline } from 'node:stream/promises';
import { FerryError, invalidInput } from '../errors.js';
import type { BlobStore, StagedBlob } from './blob-store.js';
import { DigestStream, type Digests } from './digests.js';
import type { IncomingBody } from './types.js';

/** S3's largest single PUT (and part): 5 GiB. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;

const badDigest = (message: string): FerryError => new FerryError('InvalidInput', message, { reason: 'bad-digest' });

function expectedChecksum(body: IncomingBody): string | undefined {
  const expected = body.checksum?.expected;
  return typeof expected === 'function' ? expected() : expected;
}

/** Every check of a received body against what the client declared. */
function verify(body: IncomingBody, got: Digests): void {
  if (body.length !== undefined && got.size !== body.length) {
    throw new FerryError('InvalidInput', 'You did not provide the number of bytes specified by the Content-Length HTTP header', { reason: 'incomplete-body' });
  }
  if (body.sha256Hex !== undefined && got.sha256Hex !== body.sha256Hex.toLowerCase()) {
    throw invalidInput("The provided 'x-amz-content-sha256' header does not match what was computed.", 'content-sha256-mismatch');
  }
  if (body.md5Base64 !== undefined && got.md5.toString('base64') !== body.md5Base64) {
    throw badDigest('The Content-MD5 you specified did not match what we received.');
  }
  const expected = expectedChecksum(body);
  if (body.checksum && expected !== undefined && expected !== got.checksum?.value) {
    throw badDigest(`The ${body.checksum.algorithm} you specified did not match the calculated checksum.`);
  }
}

export interface ReceivedBody {
  staged: StagedBlob;
  digests: Digests;
}

/**
 * Streams a body into a staged blob, computing digests on the way, and
 * checks them once it has ended. On any failure (a bad digest, a client
 * gone, too many bytes) the staged blob is removed and nothing remains.
 */
export async function receiveBody(blobs: BlobStore, body: IncomingBody, maxBytes = MAX_PUT_BYTES): Promise<ReceivedBody> {
  if (body.length !== undefined && body.length > maxBytes) {
    throw new FerryError('TooLarge', 'Your proposed upload exceeds the maximum allowed size', { fields: { ProposedSize: String(body.length), MaxSizeAllowed: String(maxBytes) } });
  }
  const digest = new DigestStream({ maxBytes, sha256: body.sha256Hex !== undefined, ...(body.checksum ? { checksum: body.checksum.algorithm } : {}) });
  const writing = blobs.put(digest);
  let staged: StagedBlob;
  try {
    [, staged] = await Promise.all([pipeline(body.stream, digest), writing]);
  } catch (error) {
    // Both sides have stopped; put() removed its file.
    await writing.catch(() => {});
    throw error;
  }
  try {
    const digests = digest.digests();
    verify(body, digests);
    return { staged, digests };
  } catch (error) {
    await blobs.discard(staged.id);
    throw error;
  }
}

/**
 * Reads a small body (an XML request) into memory, refusing more than
 * `maxBytes`, and checks its digests like receiveBody does.
 */
export async function collectBody(body: IncomingBody, maxBytes: number): Promise<Buffer> {
  const digest = new DigestStream({ maxBytes, sha256: body.sha256Hex !== undefined, ...(body.checksum ? { checksum: body.checksum.algorithm } : {}) });
  const chunks: Buffer[] = [];
  digest.on('data', (chunk: Buffer) => chunks.push(chunk));
  await pipeline(body.stream, digest);
  verify(body, digest.digests());
  return Buffer.concat(chunks);
}
