import type { FastifyRequest } from 'fastify';
import { FerryError, isFerryError, unauthenticated } from '../../errors.js';
import type { Principal } from '../../iam/principal.js';
import { incomingSignedRequest, sigV4Scheme, verifySigV2, verifySigV4 } from '../authenticate.js';
import type { AuthScheme } from '../../protocols/http/types.js';
import { parseSigV2, sigV2Mode } from '../../protocols/sigv2/index.js';
import { parseSignature, UNSIGNED_PAYLOAD, type CredentialScope, type IncomingSignedRequest, type ParsedSignature } from '../../protocols/sigv4/index.js';
import type { AppContext } from '../../server/context.js';
import { virtualHostBucket } from './address.js';
import { header } from './headers.js';

/** Who sent an S3 request, how it was signed, and what its body is checked against. */
export interface S3Authentication {
  principal: Principal;
  scheme: AuthScheme;
  /** A header-signed request's x-amz-content-sha256 (signed by either scheme). */
  contentSha256?: string;
  /** SigV4 header signatures: what an aws-chunked body's chunk signatures chain from. */
  chunkSigning?: { signingKey: Buffer; seedSignature: string; requestTimeMs: number; scope: CredentialScope };
}

const verified = new WeakMap<FastifyRequest, S3Authentication>();

const SIGV2_OFF =
  'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256. (SigV2 is turned off on this server: ferry server --sigv2 off.)';

/**
 * Verifies the request's signature before any body byte is read: SigV4
 * (header or presigned query, canonical URI the S3 way) or, unless turned
 * off, SigV2 (`Authorization: AWS …` or `AWSAccessKeyId`/`Signature`/`Expires`),
 * both through the same key resolver. Header-signed SigV4 signs the declared
 * x-amz-content-sha256; the body is checked against it as it streams. A
 * refusal names the scheme it saw.
 */
export async function authenticateS3(request: FastifyRequest, ctx: AppContext, serviceHosts: string[]): Promise<void> {
  const req = incomingSignedRequest(request);
  let sigv4: ParsedSignature | null = null;
  try {
    const deps = { credentials: ctx.accessKeys, clock: ctx.clock };
    const v2 = parseSigV2(req);
    let result: S3Authentication;
    if (v2) {
      if (!ctx.options.sigv2) throw unauthenticated(SIGV2_OFF, 'unsupported-authorization');
      const principal = await verifySigV2(request, v2, deps, { virtualHostBucket: virtualHostBucket(header(request, 'host'), serviceHosts) });
      const contentSha256 = v2.mode === 'header' ? header(request, 'x-amz-content-sha256')?.trim() : undefined;
      result = { principal, scheme: v2.mode === 'header' ? 'sigv2-header' : 'sigv2-query', ...(contentSha256 ? { contentSha256 } : {}) };
    } else {
      sigv4 = parseSignature(req);
      const v4 = await verifySigV4(request, { services: ['s3'], regionFor: () => ctx.region }, deps, {
        canonicalUri: 's3',
        parsed: sigv4,
        payloadHash: (parsed) => {
          if (parsed.mode === 'query') return UNSIGNED_PAYLOAD;
          // aws-wire-protocols.md §4.3: S3 requires x-amz-content-sha256 on header-signed requests.
          if (!parsed.contentSha256) throw unauthenticated('Missing required header for this request: x-amz-content-sha256', 'malformed-authorization');
          return parsed.contentSha256;
        },
      });
      const { parsed } = v4;
      result = { principal: v4.principal, scheme: sigV4Scheme(parsed) };
      if (parsed.mode === 'header') {
        result.contentSha256 = parsed.contentSha256!;
        result.chunkSigning = { signingKey: v4.signingKey, seedSignature: v4.seedSignature, requestTimeMs: parsed.requestTimeMs, scope: parsed.scope };
      }
    }
    verified.set(request, result);
    request.principal = result.principal;
    request.authScheme = result.scheme;
  } catch (error) {
    throw refusal(error, req, sigv4);
  }
}

/**
 * An authentication refusal in S3's words, naming the scheme seen. A SigV4
 * scope for another region is S3's AuthorizationHeaderMalformed (presigned:
 * AuthorizationQueryParametersError) with the expected `Region`, which
 * botocore reads to sign again for it.
 */
function refusal(error: unknown, req: IncomingSignedRequest, sigv4: ParsedSignature | null): unknown {
  if (!isFerryError(error) || error.kind !== 'Unauthenticated') return error;
  let { message } = error;
  let details = error.details;
  if (details.reason === 'wrong-region' && sigv4) {
    const expected = details.fields?.Region ?? '';
    const wrong = `the region '${sigv4.scope.region}' is wrong; expecting '${expected}'`;
    message = sigv4.mode === 'header' ? `The authorization header is malformed; ${wrong}` : `Error parsing the X-Amz-Credential parameter; ${wrong}`;
    details = { ...details, reason: sigv4.mode === 'header' ? 'malformed-authorization' : 'authorization-query' };
  }
  const fields = { ...details.fields, AuthenticationScheme: schemeSeen(req) };
  return new FerryError(error.kind, message, { ...details, fields }, { cause: error });
}

/** The scheme a request presented, in words, whether or not it could be read. */
function schemeSeen(req: IncomingSignedRequest): string {
  const v2 = sigV2Mode(req);
  if (v2) return v2 === 'header' ? 'SigV2 Authorization header' : 'SigV2 presigned URL';
  const authorization = req.headers['authorization']?.[0]?.trim();
  if (authorization?.startsWith('AWS4-HMAC-SHA256')) return 'SigV4 Authorization header';
  if (/(^|&)X-Amz-Algorithm=/.test(req.rawUrl.split('?')[1] ?? '')) return 'SigV4 presigned URL';
  if (authorization !== undefined) return `an unsupported Authorization header (${JSON.stringify(authorization.split(/\s/)[0]!.slice(0, 32))})`;
  return 'none: the request is not signed';
}

export function authenticationOf(request: FastifyRequest): S3Authentication {
  const result = verified.get(request);
  if (!result) throw unauthenticated('Access Denied', 'missing-authentication');
  return result;
}

export function principalOf(request: FastifyRequest): Principal {
  return authenticationOf(request).principal;
}
