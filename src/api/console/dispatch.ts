/**
 * The console is a client of Ferry's own operations: an operation the browser asks for is
 * signed here with the session's access key (SigV4, as the AWS SDKs sign) and dispatched
 * into this same listener, so it passes the same authentication, authorization, validation
 * and request log as a call from the AWS CLI. There is no second way in.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';
import type { FastifyInstance } from 'fastify';

export interface SignedCall {
  service: 'iot';
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The operation's path, its segments already URI-encoded (as the SDKs send them). */
  path: string;
  query: Record<string, string>;
  body?: unknown;
  /** Headers an operation reads (AttachThingPrincipal's x-amzn-principal), signed with the rest. */
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  /** The AWS error name (x-amzn-ErrorType) when the operation failed. */
  errorType?: string;
  body: unknown;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** Why this call is not one of the listener's operations, or undefined. */
export function callProblem(call: { method?: unknown; path?: unknown; query?: unknown }): string | undefined {
  if (typeof call.method !== 'string' || !METHODS.has(call.method)) return 'method must be one of GET, POST, PUT, PATCH, DELETE';
  if (typeof call.path !== 'string' || !/^\/[^/]/.test(call.path) || /[?#\s]/.test(call.path)) return 'path must be an operation path such as /things (the query goes in query)';
  if (call.path === '/console' || call.path.startsWith('/console/')) return 'path must name an AWS operation, not the console';
  if (call.query !== undefined && (typeof call.query !== 'object' || call.query === null || Object.values(call.query).some((v) => typeof v !== 'string'))) return 'query must map names to strings';
  return undefined;
}

const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export async function dispatchSigned(app: FastifyInstance, call: SignedCall, key: { accessKeyId: string; secretAccessKey: string }, opts: { region: string; host: string; nowMs: number }): Promise<CallResult> {
  const body = call.body === undefined ? undefined : JSON.stringify(call.body);
  const request = new HttpRequest({
    method: call.method,
    protocol: 'https:',
    hostname: opts.host,
    path: call.path,
    query: call.query,
    headers: { ...call.headers, host: opts.host, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
  const signer = new SignatureV4({ service: call.service, region: opts.region, credentials: key, sha256: Sha256 });
  const signed = await signer.sign(request, { signingDate: new Date(opts.nowMs) });
  const queryString = Object.entries(call.query)
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .join('&');
  const response = await app.inject({
    method: call.method,
    url: queryString ? `${call.path}?${queryString}` : call.path,
    headers: signed.headers,
    ...(body !== undefined ? { payload: body } : {}),
  });
  const text = response.body;
  const parsed: unknown = text ? safeJson(text) : {};
  const errorType = response.headers['x-amzn-errortype'];
  return {
    status: response.statusCode,
    ...(typeof errorType === 'string' ? { errorType: errorType.split(':')[0]! } : {}),
    body: parsed,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { message: text };
  }
}
