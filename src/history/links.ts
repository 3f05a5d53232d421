import { createHash } from 'node:crypto';

/**
 * A presigned link is recognised by the SHA-256 of its signature: the link
 * itself (which grants the download while it lasts) is never stored, and a
 * GET carrying a signature Ferry issued is found by the same digest.
 */
export const signatureDigest = (signature: string): string => createHash('sha256').update(signature).digest('hex');

/** The signature of a presigned URL (SigV4 X-Amz-Signature, or SigV2 Signature); undefined when it has none. */
export function signatureOf(url: string): string | undefined {
  try {
    const query = new URL(url).searchParams;
    return query.get('X-Amz-Signature') ?? query.get('Signature') ?? undefined;
  } catch {
    return undefined;
  }
}
