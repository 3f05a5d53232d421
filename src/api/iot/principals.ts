import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidInput } from '../../errors.js';
import { pathLabel, queryInteger, queryString } from '../../protocols/rest-json.js';
import type { AppContext } from '../../server/context.js';
import { iotOperation } from './route.js';

/** A required header value (aws-wire-protocols.md §3.3: principal operations carry the ARN in a header). */
export function headerValue(request: FastifyRequest, name: string): string {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) throw invalidInput(`The ${name} header is required.`);
  return text;
}

const paging = (request: FastifyRequest) => ({
  token: queryString(request, 'nextToken'),
  limit: queryInteger(request, 'maxResults', 1, 250),
});

/** Thing ↔ principal attachments; the principal travels in `x-amzn-principal`. */
export function registerPrincipalRoutes(app: FastifyInstance, ctx: AppContext): void {
  const principals = () => ctx.services.registry.principals;

  iotOperation(app, ctx, 'PUT', '/things/:thingName/principals', async (request) => {
    await principals().attach(pathLabel(request, 'thingName'), headerValue(request, 'x-amzn-principal'), queryString(request, 'thingPrincipalType'));
    return {};
  });

  iotOperation(app, ctx, 'DELETE', '/things/:thingName/principals', async (request) => {
    await principals().detach(pathLabel(request, 'thingName'), headerValue(request, 'x-amzn-principal'));
    return {};
  });

  iotOperation(app, ctx, 'GET', '/things/:thingName/principals', async (request) => {
    const page = await principals().listForThing(pathLabel(request, 'thingName'), paging(request));
    return { principals: page.items.map((p) => p.principal), ...(page.next ? { nextToken: page.next } : {}) };
  });

  iotOperation(app, ctx, 'GET', '/things/:thingName/principals-v2', async (request) => {
    const page = await principals().listForThing(pathLabel(request, 'thingName'), { ...paging(request), type: queryString(request, 'thingPrincipalType') });
    return {
      thingPrincipalObjects: page.items.map((p) => ({ principal: p.principal, thingPrincipalType: p.type })),
      ...(page.next ? { nextToken: page.next } : {}),
    };
  });

  iotOperation(app, ctx, 'GET', '/principals/things', async (request) => {
    const page = await principals().listForPrincipal(headerValue(request, 'x-amzn-principal'), paging(request));
    return { things: page.items.map((p) => p.thingName), ...(page.next ? { nextToken: page.next } : {}) };
  });

  iotOperation(app, ctx, 'GET', '/principals/things-v2', async (request) => {
    const page = await principals().listForPrincipal(headerValue(request, 'x-amzn-principal'), { ...paging(request), type: queryString(request, 'thingPrincipalType') });
    return {
      principalThingObjects: page.items.map((p) => ({ thingName: p.thingName, thingPrincipalType: p.type })),
      ...(page.next ? { nextToken: page.next } : {}),
    };
  });
}
