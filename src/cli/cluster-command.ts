import { Command } from 'commander';
import type { ClusterStatus } from '../api/ferry/cluster.js';
import { withServer, type Connection } from './client-config.js';
import { ferryRequest } from './ferry-api.js';
import { configureTree, withConnection, type ConnectionFlags } from './command.js';
import { processIo, type CliIo } from './io.js';
import { action, printJson, printTable } from './output.js';

/** `ferry cluster status`: the nodes alive, their connections, their last heartbeat. */
export function clusterCommand(io: CliIo = processIo()): Command {
  const cluster = new Command('cluster').description('the nodes of a Ferry cluster');
  withConnection(cluster.command('status').description('the nodes alive, their MQTT connections and last heartbeat')).action(
    action(io, async (flags: ConnectionFlags) => {
      const status = await withServer(flags, io, clusterStatus);
      if (flags.json) return printJson(io.stdout, status);
      const now = Date.now();
      printTable(
        io.stdout,
        ['NODE', 'STATE', 'CONNECTIONS', 'LAST HEARTBEAT', 'STARTED', 'MQTT'],
        status.nodes.map((n) => [n.nodeName, n.alive ? 'alive' : 'silent', n.connections, `${Math.max(0, Math.round((now - n.heartbeatAt) / 1000))} s ago`, new Date(n.startedAt).toISOString(), n.addresses.mqtt]),
      );
      io.stdout.write(`${status.nodes.filter((n) => n.alive).length} of ${status.nodes.length} nodes alive (answered by ${status.node}${status.clustered ? '' : '; not clustered: no Redis'})\n`);
    }),
  );
  return configureTree(cluster, io);
}

/** GET /ferry/cluster/nodes on the api endpoint, signed as the IoT control plane. */
export function clusterStatus(conn: Connection): Promise<ClusterStatus> {
  return ferryRequest<ClusterStatus>(conn, 'GET', '/ferry/cluster/nodes');
}
