import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import { unauthenticated } from '../errors.js';
import { certificateIdOf } from '../pki/index.js';
import type { CredentialResolver, Principal } from '../iam/principal.js';
import { parseSignature, verifySignature, hashPayload, type ParsedSignature } from '../protocols/sigv4/index.js';
import { checkSigV2Request, verifySigV2Signature, type ParsedSigV2 } from '../protocols/sigv2/index.js';
import { incomingSignedRequest } from '../protocols/http/signed-request.js';
import type { AuthScheme, AuthSpec } from '../protocols/http/types.js';

/**
 * Identifying the caller, for every listener: a SigV4/SigV2 signature's key
 * resolved to the root, a user or a role session; a client certificate to a
 * device. The wire formats stay in protocols/; what a caller may do is the
 * domain's authorizer's (src/iam/authorizer.ts).
 */
declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    authScheme?: AuthScheme;
  }
}

export interface AuthDeps {
  credentials: CredentialResolver;
  clock: Clock;
}

export interface SigV4Result {
  principal: Principal;
  parsed: ParsedSignature;
  signingKey: Buffer;
  seedSignature: string;
}

export { incomingSignedRequest };

/**
 * Verifies a SigV4 signature (header or presigned query) and resolves its key
 * to a principal. `payloadHash` is what the canonical request must carry: the
 * body's hash for JSON and query services, the client's declared value for S3
 * (whose body is checked as it streams).
 */
export async function verifySigV4(
  request: FastifyRequest,
  spec: { services: string[]; regionFor: (service: string) => string | readonly string[] },
  deps: AuthDeps,
  opts: { payloadHash: (parsed: ParsedSignature) => string; canonicalUri: 's3' | 'normalized'; parsed?: ParsedSignature | null },
): Promise<SigV4Result> {
  const req = incomingSignedRequest(request);
  const parsed = opts.parsed ?? parseSignature(req);
  if (!parsed) throw unauthenticated('Missing Authentication Token', 'missing-authentication');
  const nowMs = deps.clock.now();
  const resolved = await deps.credentials.resolve(parsed.accessKeyId, parsed.securityToken, nowMs);
  const { signingKey, seedSignature } = verifySignature(req, parsed, {
    secretAccessKey: resolved.secretAccessKey,
    nowMs,
    services: spec.services,
    region: spec.regionFor(parsed.scope.service),
    payloadHash: opts.payloadHash(parsed),
    canonicalUri: opts.canonicalUri,
  });
  await deps.credentials.recordUse?.(resolved.principal, { service: parsed.scope.service, region: parsed.scope.region }, nowMs);
  return { principal: resolved.principal, parsed, signingKey, seedSignature };
}

/**
 * Verifies an S3 SigV2 signature (header or presigned query) and resolves its
 * key to a principal through the same resolver as SigV4: the root key, role
 * sessions with their token, and their expiry.
 */
export async function verifySigV2(request: FastifyRequest, parsed: ParsedSigV2, deps: AuthDeps, opts: { virtualHostBucket: string | undefined }): Promise<Principal> {
  const req = incomingSignedRequest(request);
  const nowMs = deps.clock.now();
  checkSigV2Request(req, parsed, nowMs);
  const resolved = await deps.credentials.resolve(parsed.accessKeyId, parsed.securityToken, nowMs);
  verifySigV2Signature(req, parsed, { secretAccessKey: resolved.secretAccessKey, virtualHostBucket: opts.virtualHostBucket });
  await deps.credentials.recordUse?.(resolved.principal, { service: 's3', region: 'N/A' }, nowMs);
  return resolved.principal;
}

export const sigV4Scheme = (parsed: ParsedSignature): AuthScheme => (parsed.mode === 'header' ? 'sigv4-header' : 'sigv4-query');

/** The client certificate of this request's TLS connection, if one was presented. */
export function certificatePrincipal(request: FastifyRequest): Principal | undefined {
  const socket = request.raw.socket as TLSSocket;
  const cert = typeof socket.getPeerX509Certificate === 'function' ? socket.getPeerX509Certificate() : undefined;
  if (!cert) return undefined;
  const pem = cert.toString();
  return { kind: 'certificate', certificateId: certificateIdOf(pem), certificatePem: pem, chainVerified: socket.authorized === true };
}

/** JSON and query services: the payload hash is the body's (clients may also declare it). */
function bodyPayloadHash(request: FastifyRequest): (parsed: ParsedSignature) => string {
  return (parsed) => {
    const actual = hashPayload(request.rawBody ?? Buffer.alloc(0));
    if (parsed.contentSha256 !== undefined && parsed.contentSha256 !== actual && parsed.mode === 'header') {
      throw unauthenticated('The provided x-amz-content-sha256 header does not match what was computed.', 'signature-mismatch');
    }
    return actual;
  };
}

async function authenticate(request: FastifyRequest, spec: AuthSpec, deps: AuthDeps): Promise<{ principal: Principal; scheme: AuthScheme } | undefined> {
  if (spec.mode === 'none') return undefined;
  if (spec.mode === 'sigv4') {
    const result = await verifySigV4(request, spec, deps, { payloadHash: bodyPayloadHash(request), canonicalUri: 'normalized' });
    return { principal: result.principal, scheme: sigV4Scheme(result.parsed) };
  }
  const parsed = spec.mode === 'certificate-or-sigv4' ? parseSignature(incomingSignedRequest(request)) : null;
  if (parsed && spec.mode === 'certificate-or-sigv4') {
    const result = await verifySigV4(request, spec, deps, { payloadHash: bodyPayloadHash(request), canonicalUri: 'normalized', parsed });
    return { principal: result.principal, scheme: sigV4Scheme(parsed) };
  }
  const principal = certificatePrincipal(request);
  if (principal) return { principal, scheme: 'certificate' };
  const or = spec.mode === 'certificate' ? '' : ' or sign the request';
  throw unauthenticated(`Missing Authentication Token: present a client certificate${or}`, 'missing-authentication');
}

/** Authenticates every route of a buffered-body app according to its `config.auth`. */
export function installAuthentication(app: FastifyInstance, deps: AuthDeps): void {
  app.addHook('preHandler', async (request) => {
    const spec = request.routeOptions.config?.auth;
    if (!spec) return;
    const result = await authenticate(request, spec, deps);
    if (!result) return;
    request.principal = result.principal;
    request.authScheme = result.scheme;
  });
}
