/**
 * State-changing console requests must come from the console's own pages: a browser's
 * Fetch Metadata says so (`Sec-Fetch-Site: same-origin`), or, from browsers that do not
 * send it, an `Origin` naming this host; and the body must be JSON, which a cross-site form
 * cannot send without a preflight Ferry never answers. Clients that are not browsers send
 * neither header and are not a cross-site risk.
 */
import type { BlockList } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { publicOrigin } from './forwarded.js';

export const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Why this request is refused as cross-site, or undefined when it may proceed. */
export function crossSiteRefusal(request: FastifyRequest, trusted?: BlockList): string | undefined {
  const refusal = siteRefusal(request, trusted);
  if (refusal) return refusal;
  const type = header(request, 'content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) return 'Console requests that change state must send Content-Type: application/json.';
  return undefined;
}

/**
 * Why this request is refused as coming from another site (Fetch Metadata or Origin), or
 * undefined. Behind a trusted reverse proxy the Origin is compared with the forwarded host.
 */
export function siteRefusal(request: FastifyRequest, trusted?: BlockList): string | undefined {
  const site = header(request, 'sec-fetch-site');
  if (site !== undefined) {
    if (site !== 'same-origin') return `Refused a ${site} request: console requests must come from the console itself (Sec-Fetch-Site: same-origin).`;
  } else {
    const origin = header(request, 'origin');
    const { host } = publicOrigin(request, trusted);
    if (origin !== undefined && (origin === 'null' || safeHost(origin) !== host)) return `Refused a request from origin ${origin}: console requests must come from the console itself.`;
  }
  return undefined;
}

function safeHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
