import type { IncomingSignedRequest } from './types.js';

/** The distinct values of a header; `host` falls back to HTTP/2's `:authority`. */
export function headerValues(req: IncomingSignedRequest, name: string): string[] {
  const values = req.headers[name];
  if (values && values.length > 0) return values;
  if (name === 'host') return req.headers[':authority'] ?? [];
  return [];
}

/** The single value of a header, or undefined when absent. */
export function headerValue(req: IncomingSignedRequest, name: string): string | undefined {
  return headerValues(req, name)[0];
}

/**
 * A canonical header value: each value trimmed with inner whitespace
 * collapsed (as smithy's getCanonicalHeaders does), repeated values joined
 * with ',' (node-ecosystem.md §2 pitfall 4).
 */
export function canonicalHeaderValue(values: string[]): string {
  return values.map((v) => v.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '')).join(',');
}
