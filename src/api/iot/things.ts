import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../server/context.js';
import { iotOperation } from './route.js';

/** Things. ListThings answers an empty list until the registry lands (issue 4). */
export function registerThingRoutes(app: FastifyInstance, ctx: AppContext): void {
  iotOperation(app, ctx, 'GET', '/things', async () => ({ things: [] }));
}
