import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../server/context.js';
import { iotOperation } from '../iot/route.js';

/** The node list `ferry cluster status` reads. */
export interface ClusterStatus {
  /** The node that answered. */
  node: string;
  clustered: boolean;
  nodes: Array<{ nodeId: string; nodeName: string; alive: boolean; connections: number; startedAt: number; heartbeatAt: number; addresses: Record<string, string> }>;
}

/**
 * Ferry's own operation (not an AWS one): the nodes of the cluster, alive or
 * not yet swept, with their connections and last heartbeat. Signed as the IoT
 * control plane is; a user or role session needs `ferry:ListClusterNodes`.
 */
export function registerClusterRoutes(app: FastifyInstance, ctx: AppContext): void {
  iotOperation(app, ctx, 'GET', '/ferry/cluster/nodes', async (): Promise<ClusterStatus> => {
    const nodes = await ctx.cluster.nodes.list();
    return { node: ctx.cluster.nodeName, clustered: ctx.cluster.clustered, nodes };
  });
}
