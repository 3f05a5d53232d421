import { FerryError } from '../errors.js';
import type { ObjectAttributes } from './types.js';

/** S3 limits user-defined metadata to 2 KB (names and values, UTF-8). */
export const MAX_METADATA_BYTES = 2 * 1024;

export function checkAttributes(attributes: ObjectAttributes): void {
  let size = 0;
  for (const [name, value] of Object.entries(attributes.metadata)) size += Buffer.byteLength(name) + Buffer.byteLength(value);
  if (size > MAX_METADATA_BYTES) {
    throw new FerryError('InvalidInput', 'Your metadata headers exceed the maximum allowed metadata size', {
      reason: 'metadata-too-large',
      fields: { Size: String(size), MaxSizeAllowed: String(MAX_METADATA_BYTES) },
    });
  }
}
