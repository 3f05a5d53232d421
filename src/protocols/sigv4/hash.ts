import { createHash, createHmac } from 'node:crypto';

/** Hex sha256 of a body, the canonical request's hashed payload. */
export function hashPayload(body: Buffer | string): string {
  return createHash('sha256').update(body).digest('hex');
}

export function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}
