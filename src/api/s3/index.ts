import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../server/context.js';
import { resolveTarget } from './address.js';
import { authenticateS3, principalOf } from './auth.js';
import { dispatch } from './dispatch.js';
import { header } from './headers.js';

const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'] as const;

/**
 * The S3 API (rest-xml) over the object store. Every request is
 * authenticated (SigV4 or SigV2, header or presigned query) before its body is read;
 * one catch-all route reads bucket and key from the raw URL (path-style or
 * virtual-hosted) and dispatches on method and query.
 */
export function registerS3Api(app: FastifyInstance, ctx: AppContext): void {
  // With a checkContinue listener node no longer answers 100 Continue by itself:
  // the body stream does, once the request is authenticated and authorized (body.ts).
  app.server.on('checkContinue', (req, res) => app.server.emit('request', req, res));

  app.addHook('onSend', async (request, reply) => {
    // A refusal before the whole body was read ends the connection: the unread rest must not be taken for a next request.
    if (reply.statusCode >= 300 && !request.raw.complete) reply.header('connection', 'close');
  });

  const serviceHosts = [...new Set([ctx.advertisedHost, ...ctx.options.publicHosts, 'localhost'])];
  app.addHook('preHandler', async (request) => {
    await authenticateS3(request, ctx, serviceHosts);
  });

  app.route({
    method: [...METHODS],
    url: '*',
    handler: async (request, reply) => {
      const target = resolveTarget(request.raw.url ?? '/', header(request, 'host'), serviceHosts);
      const call = { request, reply, ctx, store: ctx.services.objects, principal: principalOf(request), target };
      return dispatch(call, header(request, 'x-amz-copy-source') !== undefined);
    },
  });
}
