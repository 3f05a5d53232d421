import type { FastifyInstance } from 'fastify';
import { unauthenticated } from '../../errors.js';
import { certificatePrincipal, incomingSignedRequest } from '../authenticate.js';
import { parseSignature } from '../../protocols/sigv4/index.js';
import type { AppContext } from '../../server/context.js';
import { registerJobsDataApi } from '../iot-jobs-data/index.js';
import { registerCredentialsRoutes } from './credentials.js';

/**
 * The device listener: the Jobs HTTPS data plane and the credentials
 * provider. A request with neither a client
 * certificate nor a signature is refused before routing (DESIGN.md).
 */
export function registerDeviceApi(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onRequest', async (request) => {
    // The balancer's health checks (src/server/health.ts) carry neither.
    if (request.url === '/healthz' || request.url === '/readyz') return;
    if (certificatePrincipal(request)) return;
    if (parseSignature(incomingSignedRequest(request))) return;
    throw unauthenticated('Missing Authentication Token: present a client certificate or sign the request', 'missing-authentication');
  });
  registerCredentialsRoutes(app, ctx);
  registerJobsDataApi(app, ctx);
}
