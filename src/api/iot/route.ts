import { recordDecision } from '../../audit/scope.js';
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { AppContext } from '../../server/context.js';
import { sendJson } from '../../protocols/rest-json.js';
import type { AuthSpec } from '../../protocols/http/types.js';
import { denied, unauthenticated } from '../../errors.js';
import { requestContext } from '../request-context.js';
import { hasIotAccess, iotAccessOf } from './access.js';

/** A rest-json handler: returns the reply body (or undefined for `{}`). */
export type JsonHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** The IoT control plane signs as `iot`; AWS also documents `execute-api` (node-ecosystem.md §2 pitfall 1). */
export function iotAuth(ctx: AppContext): AuthSpec {
  return { mode: 'sigv4', services: ['iot', 'execute-api'], regionFor: () => ctx.region };
}

/** Registers one IoT control-plane operation. */
export function iotOperation(app: FastifyInstance, ctx: AppContext, method: HTTPMethods, url: string, handler: JsonHandler): void {
  // Fails at start, in every test: a new operation must say what it is authorized as (src/api/iot/access.ts).
  if (!hasIotAccess(String(method), url)) throw new Error(`IoT operation ${String(method)} ${url} has no line in src/api/iot/access.ts`);
  app.route({
    method,
    url,
    config: { protocol: 'rest-json', service: 'iot', auth: iotAuth(ctx) },
    handler: async (request, reply) => {
      await authorizeIot(ctx, method, url, request);
      const body = await handler(request, reply);
      if (!reply.sent) return sendJson(reply, body ?? {});
      return reply;
    },
  });
}

/**
 * The control plane is the operator's: the root key may do everything; a
 * user or a role session (a credentials-provider session whose role allows
 * it, too) what its identity policies allow, on every resource AWS checks,
 * and iam:PassRole on a role the request hands to IoT.
 */
async function authorizeIot(ctx: AppContext, method: HTTPMethods, url: string, request: FastifyRequest): Promise<void> {
  const caller = request.principal;
  if (!caller || caller.kind === 'certificate') throw unauthenticated('Missing Authentication Token', 'missing-authentication');
  if (caller.kind === 'root') {
    // The root may do everything; the audit event still names the action and resources (never failing the call).
    let rootAccess: ReturnType<typeof iotAccessOf> | undefined;
    try {
      rootAccess = iotAccessOf(ctx, String(method), url, request);
    } catch {
      rootAccess = undefined;
    }
    if (rootAccess) for (const resource of rootAccess.resources) recordDecision({ action: rootAccess.action, resource, effect: 'Allowed', decidedBy: 'root' });
    return;
  }
  const access = iotAccessOf(ctx, String(method), url, request);
  if (!access) throw denied(`User: ${caller.arn} is not authorized to perform this operation: only the account's root key may.`, 'not-authorized');
  const authorizer = ctx.services.iam.authorizer;
  const context = requestContext(request);
  await authorizer.require(caller, access.action, access.resources, context);
  if (access.passRole) await authorizer.requirePassRole(caller, access.passRole, context);
}
