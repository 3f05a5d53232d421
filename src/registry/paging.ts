import { invalidInput } from '../errors.js';

/** One page of a list and the token of the next page, if any. */
export interface Page<T> {
  items: T[];
  next?: string;
}

export interface PageRequest {
  /** The token a previous page returned (nextToken or marker). */
  token?: string | undefined;
  /** Page size; the operation's default when absent. */
  limit?: number | undefined;
}

export const DEFAULT_PAGE = 100;

/**
 * Tokens are opaque to clients: the list's sort key after which the next page
 * starts (keyset paging, stable while rows are added), base64url JSON.
 */
export function encodeToken(key: unknown): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeToken<T>(token: string | undefined, valid: (v: unknown) => v is T): T | undefined {
  if (token === undefined || token === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidInput('The pagination token is not valid.');
  }
  if (!valid(value)) throw invalidInput('The pagination token is not valid.');
  return value;
}

export const isString = (v: unknown): v is string => typeof v === 'string';
export const isNumberString = (v: unknown): v is [number, string] =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string';

/** Splits `limit + 1` fetched rows into a page; the next token is the key of the last item kept. */
export function pageOf<R, T>(rows: R[], limit: number, keyOf: (row: R) => unknown, map: (row: R) => T): Page<T> {
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1];
  const page: Page<T> = { items: kept.map(map) };
  if (rows.length > limit && last !== undefined) page.next = encodeToken(keyOf(last));
  return page;
}
