import type { FastifyRequest } from 'fastify';
import type { IncomingSignedRequest } from '../sigv4/index.js';
import { dictionary } from '../../records.js';

/** The parts of a request a signature covers, as the verifiers read them. */
export function incomingSignedRequest(request: FastifyRequest): IncomingSignedRequest {
  // Requests dispatched in process (the console's, through inject) carry no headersDistinct.
  const headers = (request.raw.headersDistinct as Record<string, string[]> | undefined) ?? distinctHeaders(request.headers);
  return { method: request.method, rawUrl: request.raw.url ?? '/', headers };
}

function distinctHeaders(headers: FastifyRequest['headers']): Record<string, string[]> {
  // Prototype-less: a header named __proto__ is a header like any other.
  const out = dictionary<string[]>();
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value : [String(value)];
  return out;
}
