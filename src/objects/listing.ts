import { invalidInput } from '../errors.js';
import type { Principal } from '../iam/principal.js';
import { authorizeS3 } from './access.js';
import { requireBucket } from './buckets.js';
import type { ObjectsDeps } from './deps.js';
import { compareKeys, prefixEnd } from './keys.js';
import { bucketArn } from './names.js';

export interface ListInput {
  bucket: string;
  prefix?: string;
  delimiter?: string;
  /** List what comes after this key (StartAfter, Marker, or a continuation token's position). */
  after?: string;
  maxKeys?: number;
}

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  lastModified: number;
  checksumAlgorithm?: string;
}

export interface ListResult {
  objects: ListedObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned: where the next page starts after. */
  last?: string;
}

export const MAX_LIST_KEYS = 1000;

interface Bound {
  value: string;
  inclusive: boolean;
}

/**
 * ListObjects(V2): keys in byte order after `after`, under `prefix`; with a
 * delimiter, keys sharing `prefix + … + delimiter` roll up into one common
 * prefix, counted once toward max-keys and then jumped over. A common
 * prefix at or before `after` was on an earlier page and is skipped.
 */
export async function listObjects(deps: ObjectsDeps, principal: Principal, input: ListInput): Promise<ListResult> {
  const prefix = input.prefix ?? '';
  await authorizeS3(principal, 's3:ListBucket', bucketArn(input.bucket), deps.policies(), { 's3:prefix': prefix, ...(input.delimiter ? { 's3:delimiter': input.delimiter } : {}) });
  const maxKeys = Math.min(input.maxKeys ?? MAX_LIST_KEYS, MAX_LIST_KEYS);
  if (!Number.isInteger(maxKeys) || maxKeys < 0) throw invalidInput('max-keys must be a non-negative integer.');
  await requireBucket(deps.db, input.bucket);

  const upper = prefixEnd(prefix);
  const after = input.after ?? '';
  let bound: Bound = compareKeys(after, prefix) >= 0 ? { value: after, inclusive: false } : { value: prefix, inclusive: true };
  const result: ListResult = { objects: [], commonPrefixes: [], isTruncated: false };
  let count = 0;

  const take = (entry: string, push: () => void): boolean => {
    if (count === maxKeys) {
      result.isTruncated = true;
      return false;
    }
    push();
    count++;
    result.last = entry;
    return true;
  };

  for (;;) {
    const limit = Math.min(MAX_LIST_KEYS, maxKeys - count + 1);
    let query = deps.db
      .selectFrom('s3_objects')
      .select(['key', 'size', 'etag', 'last_modified', 'checksum_algorithm'])
      .where('bucket', '=', input.bucket)
      .where('key', bound.inclusive ? '>=' : '>', bound.value)
      .orderBy('key')
      .limit(limit);
    if (upper !== undefined) query = query.where('key', '<', upper);
    const rows = await query.execute();
    if (rows.length === 0) return result;
    let jumped = false;
    for (const row of rows) {
      const cut = input.delimiter ? row.key.indexOf(input.delimiter, prefix.length) : -1;
      if (cut >= 0) {
        const common = row.key.slice(0, cut + input.delimiter!.length);
        if (compareKeys(common, after) > 0 && !take(common, () => result.commonPrefixes.push(common))) return result;
        const end = prefixEnd(common);
        if (end === undefined) return result;
        bound = { value: end, inclusive: true };
        jumped = true;
        break;
      }
      const listed: ListedObject = { key: row.key, size: Number(row.size), etag: row.etag, lastModified: Number(row.last_modified) };
      if (row.checksum_algorithm) listed.checksumAlgorithm = row.checksum_algorithm;
      if (!take(row.key, () => result.objects.push(listed))) return result;
      bound = { value: row.key, inclusive: false };
    }
    // Fewer rows than asked, and no jump: nothing more under the prefix.
    if (!jumped && rows.length < limit) return result;
  }
}
