import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../server/context.js';
import { registerEndpointRoutes } from './endpoint.js';
import { registerThingRoutes } from './things.js';

/** The IoT control plane (rest-json), one module per resource family. */
export function registerIotApi(app: FastifyInstance, ctx: AppContext): void {
  registerEndpointRoutes(app, ctx);
  registerThingRoutes(app, ctx);
}
