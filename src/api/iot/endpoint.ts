import type { FastifyInstance } from 'fastify';
import { invalidInput } from '../../errors.js';
import { queryString } from '../../protocols/rest-json.js';
import type { AppContext } from '../../server/context.js';
import { iotOperation } from './route.js';

// aws-wire-protocols.md §0.1: the endpoint types AWS knows; DescribeEndpoint answers the host alone.
const ENDPOINT_TYPES = new Set(['iot:Data', 'iot:Data-ATS', 'iot:CredentialProvider', 'iot:Jobs']);

/** DescribeEndpoint `GET /endpoint`: every endpoint type is served from the advertised host. */
export function registerEndpointRoutes(app: FastifyInstance, ctx: AppContext): void {
  iotOperation(app, ctx, 'GET', '/endpoint', async (request) => {
    const type = queryString(request, 'endpointType') ?? 'iot:Data';
    if (!ENDPOINT_TYPES.has(type)) throw invalidInput(`Endpoint type ${type} not recognized.`);
    return { endpointAddress: ctx.advertisedHost };
  });
}
