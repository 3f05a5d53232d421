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
  /** iot: REST-JSON operations; iam: the Query protocol (POST / with `form`, XML answers). */
  service: 'iot' | 'iam';
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The operation's path, its segments already URI-encoded (as the SDKs send them). */
  path: string;
  query: Record<string, string>;
  body?: unknown;
  /** Headers an operation reads (AttachThingPrincipal's x-amzn-principal), signed with the rest. */
  headers?: Record<string, string>;
  /** The Query protocol's parameters (Action, Version, …), sent form-encoded instead of a JSON body. */
  form?: Record<string, string>;
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

export interface SigningKey {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export async function dispatchSigned(app: FastifyInstance, call: SignedCall, key: SigningKey, opts: { region: string; host: string; nowMs: number }): Promise<CallResult> {
  const body = call.form ? new URLSearchParams(call.form).toString() : call.body === undefined ? undefined : JSON.stringify(call.body);
  const contentType = call.form ? 'application/x-www-form-urlencoded; charset=utf-8' : 'application/json';
  const request = new HttpRequest({
    method: call.method,
    protocol: 'https:',
    hostname: opts.host,
    path: call.path,
    query: call.query,
    headers: { ...call.headers, host: opts.host, ...(body !== undefined ? { 'content-type': contentType } : {}) },
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
  const xml = String(response.headers['content-type'] ?? '').includes('xml');
  const parsed: unknown = xml ? xmlAnswer(text) : text ? safeJson(text) : {};
  const errorType = response.headers['x-amzn-errortype'] ?? (xml && response.statusCode >= 400 ? (parsed as { code?: string }).code : undefined);
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

/**
 * One IAM (aws-query) operation, `POST /` with a form body, signed as the SDKs sign IAM
 * (service iam, us-east-1). Answers the operation's error code and message when it failed.
 */
export async function dispatchQuery(app: FastifyInstance, params: Record<string, string>, key: SigningKey, opts: { host: string; nowMs: number }): Promise<{ status: number; errorType?: string; message?: string; xml: string }> {
  const call: SignedCall = { service: 'iam', method: 'POST', path: '/', query: {}, form: { ...params, Version: '2010-05-08' } };
  const result = await dispatchSigned(app, call, key, { region: 'us-east-1', host: opts.host, nowMs: opts.nowMs });
  const answer = result.body as { xml: string; message?: string };
  return { status: result.status, ...(result.errorType ? { errorType: result.errorType } : {}), ...(answer.message ? { message: unescapeXml(answer.message) } : {}), xml: answer.xml };
}

const unescapeXml = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** A Query-protocol answer: its error's Code and Message, or the XML itself for the caller to read. */
function xmlAnswer(text: string): { xml: string; code?: string; message?: string } {
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  return { xml: text, ...(code ? { code } : {}), ...(message ? { message } : {}) };
}
