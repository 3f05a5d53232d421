import type { IncomingMessage } from 'node:http';
import type { Clock } from '../clock.js';
import { isFerryError, unauthenticated, type FerryError } from '../errors.js';
import type { CredentialResolver } from '../iam/principal.js';
import { EMPTY_SHA256, MAX_SKEW_MS, parseSignature, UNSIGNED_PAYLOAD, verifySignature, type IncomingSignedRequest } from '../protocols/sigv4/index.js';
import type { SignedPrincipal } from './iam-authority.js';

/** The service AWS's SigV4 WebSocket URLs are scoped to. */
export const WEBSOCKET_SERVICE = 'iotdevicegateway';

/** How long a URL without X-Amz-Expires (the AWS CRT's) is good for: the SigV4 skew window. */
const DEFAULT_EXPIRES_SEC = MAX_SKEW_MS / 1000;

const TOKEN = 'X-Amz-Security-Token';

export interface WebSocketAuthDeps {
  credentials: CredentialResolver;
  clock: Clock;
  region: string;
}

/**
 * Verifies the SigV4 presigned query of a WebSocket upgrade to `/mqtt`
 * (console.md §1.5, as the AWS SDKs sign it): service `iotdevicegateway`, the
 * server's region, X-Amz-Expires optional. Signers differ in two ways, so each
 * is accepted: the session token appended after signing (the SDKs) or signed
 * with the rest, and the host signed with its port (SDK v1 off port 443) or
 * without (the CRT). Returns undefined when the URL carries no signature;
 * throws Unauthenticated (an HTTP 403 before the upgrade) when it is bad.
 */
export async function verifyWebSocketUrl(req: IncomingMessage, deps: WebSocketAuthDeps): Promise<SignedPrincipal | undefined> {
  const incoming: IncomingSignedRequest = { method: req.method ?? 'GET', rawUrl: req.url ?? '/', headers: req.headersDistinct as Record<string, string[]> };
  const parsed = parseSignature(incoming, { defaultExpiresSec: DEFAULT_EXPIRES_SEC });
  if (!parsed) return undefined;
  if (parsed.mode !== 'query') {
    throw unauthenticated('MQTT over WebSocket is signed in the URL (a SigV4 presigned query), not in an Authorization header.', 'authorization-query');
  }
  const nowMs = deps.clock.now();
  const resolved = await deps.credentials.resolve(parsed.accessKeyId, parsed.securityToken, nowMs).catch((error: unknown) => {
    throw parsed.securityToken === undefined && isFerryError(error) && error.details.reason === 'invalid-token'
      ? unauthenticated(`Temporary credentials need their session token: add ${TOKEN} to the URL (after signing, as the AWS SDKs do).`, 'invalid-token')
      : error;
  });
  let mismatch: FerryError | undefined;
  for (const variant of signedVariants(incoming)) {
    for (const payloadHash of [EMPTY_SHA256, UNSIGNED_PAYLOAD]) {
      try {
        verifySignature(variant, parsed, { secretAccessKey: resolved.secretAccessKey, nowMs, services: [WEBSOCKET_SERVICE], region: deps.region, payloadHash, canonicalUri: 'normalized' });
        await deps.credentials.recordUse?.(resolved.principal, { service: WEBSOCKET_SERVICE, region: parsed.scope.region }, nowMs);
        return resolved.principal;
      } catch (error) {
        if (!isFerryError(error) || error.details.reason !== 'signature-mismatch') throw error;
        mismatch ??= error;
      }
    }
  }
  throw mismatch!;
}

/** The request as each kind of signer may have signed it: token in or out of the signed query, host with or without port. */
function signedVariants(req: IncomingSignedRequest): IncomingSignedRequest[] {
  const urls = unique([req.rawUrl, withoutParam(req.rawUrl, TOKEN)]);
  const host = req.headers.host?.[0] ?? '';
  const hosts = unique([host, withoutPort(host)]);
  return urls.flatMap((rawUrl) => hosts.map((h) => ({ ...req, rawUrl, headers: { ...req.headers, host: [h] } })));
}

function withoutParam(rawUrl: string, name: string): string {
  const q = rawUrl.indexOf('?');
  if (q < 0) return rawUrl;
  const kept = rawUrl
    .slice(q + 1)
    .split('&')
    .filter((part) => part.split('=')[0] !== name);
  return `${rawUrl.slice(0, q)}?${kept.join('&')}`;
}

/** `host:port` → `host`, `[::1]:port` → `[::1]`. */
function withoutPort(host: string): string {
  const m = /^(\[[^\]]+\]|[^:]+):\d+$/.exec(host);
  return m ? m[1]! : host;
}

const unique = <T>(values: T[]): T[] => [...new Set(values)];
