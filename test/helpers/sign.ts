import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Signs a request with @smithy/signature-v4, the SDKs' own signer, so tests
 * can then tamper with exactly one part of it.
 */
export async function signRequest(opts: {
  url: string;
  method: string;
  service: string;
  region: string;
  credentials: Creds;
  headers?: Record<string, string>;
  body?: string;
  signingDate?: Date;
  s3?: boolean;
}): Promise<{ url: string; headers: Record<string, string> }> {
  const url = new URL(opts.url);
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const request = new HttpRequest({
    method: opts.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query,
    headers: { host: url.host, ...(opts.headers ?? {}) },
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  });
  const signer = new SignatureV4({
    service: opts.service,
    region: opts.region,
    credentials: opts.credentials,
    sha256: Sha256,
    uriEscapePath: !opts.s3,
    applyChecksum: !!opts.s3,
  });
  const signed = await signer.sign(request, { signingDate: opts.signingDate ?? new Date() });
  return { url: opts.url, headers: signed.headers as Record<string, string> };
}
