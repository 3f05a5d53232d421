import https from 'node:https';
import { Command } from 'commander';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import type { ClusterStatus } from '../api/ferry/cluster.js';
import { withServer, type Connection } from './client-config.js';
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
export async function clusterStatus(conn: Connection): Promise<ClusterStatus> {
  const url = new URL('/ferry/cluster/nodes', conn.info.endpoints.iot);
  const signer = new SignatureV4({ service: 'iot', region: conn.region, credentials: conn.info.credentials, sha256: Sha256 });
  const signed = await signer.sign(new HttpRequest({ method: 'GET', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: url.pathname, headers: { host: url.host } }));
  return new Promise((resolve, reject) => {
    const req = https.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'GET', headers: signed.headers, agent: conn.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) {
          const error = new Error((JSON.parse(body || '{}') as { message?: string }).message ?? `status ${res.statusCode}`);
          error.name = String(res.headers['x-amzn-errortype'] ?? 'Error');
          return reject(error);
        }
        resolve(JSON.parse(body) as ClusterStatus);
      });
    });
    req.on('error', reject);
    req.end();
  });
}
