import type { ConsoleRouteKit } from '../routes.js';
import { registerConnectRoutes } from './connect.js';
import { registerJobStreamRoutes } from './job-stream.js';
import { registerDistributeRoutes } from './distribute.js';

/** The console's flows (issue 23): each adds its own routes under /console/api/flows/. */
export function registerFlowRoutes(kit: ConsoleRouteKit): void {
  registerConnectRoutes(kit);
  registerJobStreamRoutes(kit);
  registerDistributeRoutes(kit);
}
