import type { FastifyRequest } from 'fastify';
import type { RequestContext } from '../iam/authorizer.js';

/** The condition keys a request sets by itself: aws:SourceIp, aws:SecureTransport (every listener is TLS). */
export function requestContext(request: FastifyRequest): RequestContext {
  return { sourceIp: request.ip, secureTransport: request.protocol === 'https' };
}
