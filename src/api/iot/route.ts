import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { AppContext } from '../../server/context.js';
import { sendJson } from '../../protocols/rest-json.js';
import type { AuthSpec } from '../../protocols/http/types.js';
import { denied } from '../../errors.js';

/** A rest-json handler: returns the reply body (or undefined for `{}`). */
export type JsonHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** The IoT control plane signs as `iot`; AWS also documents `execute-api` (node-ecosystem.md §2 pitfall 1). */
export function iotAuth(ctx: AppContext): AuthSpec {
  return { mode: 'sigv4', services: ['iot', 'execute-api'], regionFor: () => ctx.region };
}

/** Registers one IoT control-plane operation. */
export function iotOperation(app: FastifyInstance, ctx: AppContext, method: HTTPMethods, url: string, handler: JsonHandler): void {
  app.route({
    method,
    url,
    config: { protocol: 'rest-json', service: 'iot', auth: iotAuth(ctx) },
    handler: async (request, reply) => {
      // The control plane is the operator's: only the root key may use it. Role sessions (a device's
      // credentials-provider keys, a job's presigning sessions) are refused rather than trusted.
      if (request.principal?.kind !== 'root') throw denied('Only the account\'s root access key may call the IoT control plane.', 'not-authorized');
      const body = await handler(request, reply);
      if (!reply.sent) return sendJson(reply, body ?? {});
      return reply;
    },
  });
}
