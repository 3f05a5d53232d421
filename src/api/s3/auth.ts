import type { FastifyRequest } from 'fastify';
import { unauthenticated } from '../../errors.js';
import type { Principal } from '../../iam/principal.js';
import { verifySigV4, type SigV4Result } from '../../protocols/http/authenticate.js';
import { UNSIGNED_PAYLOAD } from '../../protocols/sigv4/index.js';
import type { AppContext } from '../../server/context.js';

const verified = new WeakMap<FastifyRequest, SigV4Result>();

/**
 * Verifies the request's SigV4 (header or presigned query, canonical URI the
 * S3 way) before any body byte is read. Header mode signs the declared
 * x-amz-content-sha256; the body is checked against it as it streams.
 */
export async function authenticateS3(request: FastifyRequest, ctx: AppContext): Promise<void> {
  const result = await verifySigV4(
    request,
    { services: ['s3'], regionFor: () => ctx.region },
    { credentials: ctx.accessKeys, clock: ctx.clock },
    {
      canonicalUri: 's3',
      payloadHash: (parsed) => {
        if (parsed.mode === 'query') return UNSIGNED_PAYLOAD;
        // aws-wire-protocols.md §4.3: S3 requires x-amz-content-sha256 on header-signed requests.
        if (!parsed.contentSha256) throw unauthenticated('Missing required header for this request: x-amz-content-sha256', 'malformed-authorization');
        return parsed.contentSha256;
      },
    },
  );
  verified.set(request, result);
  request.principal = result.principal;
}

export function signatureOf(request: FastifyRequest): SigV4Result {
  const result = verified.get(request);
  if (!result) throw unauthenticated('Access Denied', 'missing-authentication');
  return result;
}

export function principalOf(request: FastifyRequest): Principal {
  return signatureOf(request).principal;
}
