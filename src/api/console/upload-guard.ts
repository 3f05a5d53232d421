import type { BlockList } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { header, siteRefusal } from './cross-site.js';

/**
 * An upload's body is the file, not JSON, so instead of the JSON content type it must carry
 * the console's own header: a cross-site page cannot send a custom header without a CORS
 * preflight, which Ferry never answers.
 */
export const UPLOAD_HEADER = 'x-ferry-console-upload';

export function uploadRefusal(request: FastifyRequest, trusted?: BlockList): string | undefined {
  return siteRefusal(request, trusted) ?? (header(request, UPLOAD_HEADER) === '1' ? undefined : `Console uploads must send the header ${UPLOAD_HEADER}: 1.`);
}
