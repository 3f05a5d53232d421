import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../server/context.js';
import { registerConsoleStatic } from './static.js';
import { registerConsoleApi, type ConsoleOptions } from './routes.js';

/** The web console on the api listener: its pages at /console/ and its API at /console/api/. */
export function registerConsole(app: FastifyInstance, ctx: AppContext, opts?: ConsoleOptions): void {
  registerConsoleStatic(app);
  registerConsoleApi(app, ctx, opts);
}
