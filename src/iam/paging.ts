import { invalidInput } from '../errors.js';

/** One page of an IAM list: `Marker` is the sort key of the last item, opaque to clients. */
export interface Page<T> {
  items: T[];
  marker?: string;
}

export interface PageRequest {
  marker?: string | undefined;
  maxItems?: number | undefined;
}

export const DEFAULT_MAX_ITEMS = 100;

export const encodeMarker = (key: string): string => Buffer.from(key, 'utf8').toString('base64url');

export function decodeMarker(marker: string | undefined): string | undefined {
  if (marker === undefined) return undefined;
  const key = Buffer.from(marker, 'base64url').toString('utf8');
  if (key === '' || encodeMarker(key) !== marker) throw invalidInput('Invalid Marker.', 'validation');
  return key;
}

/** Cuts `limit + 1` rows (sorted by key) into a page. */
export function pageOf<R, T>(rows: R[], limit: number, keyOf: (row: R) => string, map: (row: R) => T): Page<T> {
  const kept = rows.slice(0, limit);
  const page: Page<T> = { items: kept.map(map) };
  const last = kept[kept.length - 1];
  if (rows.length > limit && last !== undefined) page.marker = encodeMarker(keyOf(last));
  return page;
}
