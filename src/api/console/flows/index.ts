import type { ConsoleRouteKit } from '../routes.js';
import { registerConnectRoutes } from './connect.js';

/** The console's flows (issue 23): each adds its own routes under /console/api/flows/. */
export function registerFlowRoutes(kit: ConsoleRouteKit): void {
  registerConnectRoutes(kit);
}
