import type { FastifyRequest } from 'fastify';
import type { IncomingSignedRequest } from '../sigv4/index.js';

/** The parts of a request a signature covers, as the verifiers read them. */
export function incomingSignedRequest(request: FastifyRequest): IncomingSignedRequest {
  return { method: request.method, rawUrl: request.raw.url ?? '/', headers: request.raw.headersDistinct as Record<string, string[]> };
}
