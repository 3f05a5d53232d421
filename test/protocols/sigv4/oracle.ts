/**
 * Test support: @smithy/signature-v4, the SDKs' own signer, as the oracle the
 * verifier is checked against, plus a seeded generator of awkward names.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { buildQueryString } from '@smithy/core/protocols';
import assert from 'node:assert/strict';
import { isFerryError } from '../../../src/errors.js';
import type { IncomingSignedRequest } from '../../../src/protocols/sigv4/index.js';

export const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
export const SIGNING_DATE = new Date('2025-03-14T15:09:26Z');
export const HOST = 'ferry.example.com:8443';

export function signer(service: string, region: string, sessionToken?: string): SignatureV4 {
  const s3 = service === 's3';
  return new SignatureV4({
    service,
    region,
    credentials: sessionToken === undefined ? CREDS : { ...CREDS, sessionToken },
    sha256: Sha256,
    // node-ecosystem.md §2: S3 signs the path verbatim and adds x-amz-content-sha256; the others double-encode.
    uriEscapePath: !s3,
    applyChecksum: s3,
  });
}

export interface SignInput {
  method: string;
  /** Encoded, exactly as an SDK puts it on the wire. */
  path: string;
  /** Decoded values; '' for a value-less parameter. */
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: string;
  service: string;
  region: string;
  sessionToken?: string;
  signingDate?: Date;
}

/** Signs with smithy, then returns the request as node would hand it to the server. */
export async function smithySign(input: SignInput): Promise<IncomingSignedRequest> {
  const request = new HttpRequest({
    method: input.method,
    protocol: 'https:',
    hostname: HOST.split(':')[0],
    port: Number(HOST.split(':')[1]),
    path: input.path,
    query: input.query ?? {},
    headers: { host: HOST, ...(input.headers ?? {}) },
    ...(input.body !== undefined ? { body: input.body } : {}),
  });
  const signed = await signer(input.service, input.region, input.sessionToken).sign(request, {
    signingDate: input.signingDate ?? SIGNING_DATE,
  });
  return toIncoming(signed);
}

/** A smithy/SDK HttpRequest as the server receives it: raw URL and lower-cased distinct headers. */
export function toIncoming(request: { method: string; path: string; query?: Record<string, unknown>; headers: Record<string, string> }): IncomingSignedRequest {
  const qs = buildQueryString((request.query ?? {}) as Record<string, string | string[] | null>);
  const headers: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = [String(value)];
  return { method: request.method, rawUrl: qs ? `${request.path}?${qs}` : request.path, headers };
}

/**
 * Presigns with smithy and returns the URL's path and query as received.
 * With `hoist` (what @aws-sdk/s3-request-presigner does) the UNSIGNED-PAYLOAD
 * x-amz-content-sha256 header moves into the query as a signed parameter;
 * without, the payload is UNSIGNED-PAYLOAD and only host and X-Amz-* sign.
 */
export async function smithyPresign(input: SignInput & { expiresIn: number; hoist?: boolean; host?: string }): Promise<IncomingSignedRequest> {
  const host = input.host ?? HOST;
  const request = new HttpRequest({
    method: input.method,
    protocol: 'https:',
    hostname: host.split(':')[0],
    ...(host.includes(':') ? { port: Number(host.split(':')[1]) } : {}),
    path: input.path,
    query: input.query ?? {},
    headers: { host, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' },
  });
  const keep = new Set(input.hoist ? [] : ['x-amz-content-sha256']);
  const presigned = await signer(input.service, input.region, input.sessionToken).presign(request, {
    expiresIn: input.expiresIn,
    signingDate: input.signingDate ?? SIGNING_DATE,
    unhoistableHeaders: keep,
    unsignableHeaders: keep,
  });
  return toIncoming({ ...presigned, headers: { host } });
}

/** smithy's extendedEncodeURIComponent: how SDK serializers encode a path label. */
export function encodeLabel(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A small seeded PRNG (mulberry32) so failures reproduce. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['a', 'Z', '0', '9', '-', '_', '.', '~', ' ', '  ', '%', '%20', '+', '=', '&', '?', '#', '!', "'", '(', ')', '*', ',', ';', ':', '@', '$', 'é', 'ü', '日本', '😀', '\u00a0', '[', ']', '"', '<', '>', '^', '`', '{', '|', '}', '\\'];

export function awkwardString(rand: () => number, maxPieces = 6, minPieces = 1): string {
  const n = minPieces + Math.floor(rand() * (maxPieces - minPieces + 1));
  let s = '';
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(rand() * PIECES.length)];
  return s;
}

export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

/** Asserts that `fn` throws an Unauthenticated FerryError with this reason. */
export function rejects(fn: () => unknown, reason: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isFerryError(err), `expected a FerryError, got ${String(err)}`);
    assert.equal(err.kind, 'Unauthenticated');
    assert.equal(err.details.reason, reason, err.message);
    return true;
  });
}
