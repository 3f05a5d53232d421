import { rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { AdjustableClock } from '../../src/clock.js';
import { pgSkipReason, pgTestSchema } from '../helpers/postgres.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import type { ServerOptions } from '../../src/server/config.js';

export const REDIS_URL = process.env.FERRY_TEST_REDIS_URL;

let warned = false;
/** Cluster tests need PostgreSQL and Redis; the reason they skip, printed once. */
export function clusterSkipReason(): string | false {
  const pg = pgSkipReason();
  if (pg) return pg;
  if (REDIS_URL) return false;
  if (!warned) {
    warned = true;
    process.stdout.write('# cluster tests skipped: FERRY_TEST_REDIS_URL is not set (.ci/run sets it)\n');
  }
  return 'FERRY_TEST_REDIS_URL is not set';
}

export interface TestCluster {
  nodes: TestServer[];
  /** Every node's clock, moved together (each node still has its own). */
  advance(ms: number): void;
  kekFile: string;
  blobDir: string;
  pg: { url: string; schema: string };
  /** The options every node was started with beyond the shared ones. */
  extra: Partial<ServerOptions>;
  /** Nodes in child processes (startNodeProcess), killed at close. */
  processes: NodeProcess[];
  /** Starts one more node on the same database, Redis, KEK and blob dir. */
  addNode(extra?: Partial<ServerOptions>): Promise<TestServer>;
  close(): Promise<void>;
}

/**
 * Several Ferry nodes in this process, each with its own data dir, ports and
 * clock, sharing one PostgreSQL schema, Redis, key-encryption key and blob
 * directory: a cluster whose time the test controls node by node.
 */
export async function startTestCluster(count: number, extra: Partial<ServerOptions> = {}): Promise<TestCluster> {
  const pg = await pgTestSchema();
  const shared = tempDir('ferry-cluster-');
  const kekFile = join(shared, 'kek');
  const blobDir = join(shared, 'blobs');
  const nodes: TestServer[] = [];
  const options = (i: number): Partial<ServerOptions> & { pg: typeof pg; clock: AdjustableClock } => ({
    pg,
    clock: new AdjustableClock(),
    kekFile,
    blobDir,
    redisUrl: REDIS_URL!,
    nodeName: `node-${i + 1}`,
    ...extra,
  });
  const addNode = async (more: Partial<ServerOptions> = {}) => {
    const node = await startTestServer({ ...options(nodes.length), ...more });
    nodes.push(node);
    return node;
  };
  // The first initialises the database (and makes the KEK); the others join it.
  await addNode();
  for (let i = 1; i < count; i++) await addNode();
  const processes: NodeProcess[] = [];
  return {
    nodes,
    extra,
    processes,
    kekFile,
    blobDir,
    pg,
    addNode,
    advance: (ms) => nodes.forEach((n) => n.clock.advance(ms)),
    close: async () => {
      for (const p of processes) {
        await p.kill();
        rmSync(p.dataDir, { recursive: true, force: true });
      }
      for (const node of nodes) await node.close().catch(() => undefined);
      await pg.drop();
      rmSync(shared, { recursive: true, force: true });
    },
  };
}

export interface NodeProcess {
  child: import('node:child_process').ChildProcess;
  dataDir: string;
  nodeId: string;
  nodeName: string;
  endpoints: import('../../src/server/contract-files.js').EndpointsFile;
  ca: string;
  advance(ms: number): Promise<void>;
  /** SIGKILL: nothing is cleaned up, as when a machine dies. */
  kill(): Promise<void>;
}

/** A node of `cluster` in a child process (test/cluster/node-process.ts), to be killed. */
export async function startNodeProcess(cluster: TestCluster, name: string, extra: Partial<ServerOptions> = {}): Promise<NodeProcess> {
  const { fork } = await import('node:child_process');
  const { readFileSync } = await import('node:fs');
  const dataDir = tempDir('ferry-node-');
  const options = {
    dataDir,
    host: '127.0.0.1',
    apiPort: 0,
    devicePort: 0,
    s3Port: 0,
    mqttPort: 0,
    databaseUrl: cluster.pg.url,
    redisUrl: REDIS_URL,
    kekFile: cluster.kekFile,
    blobDir: cluster.blobDir,
    nodeName: name,
    ...cluster.extra,
    ...extra,
  };
  const child = fork(join(import.meta.dirname, 'node-process.ts'), [JSON.stringify({ options, pgSchema: cluster.pg.schema })], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ nodeId: string; nodeName: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`node process ${name} exited (${code}) before it was ready`)));
    child.on('message', (m: { ready?: boolean; nodeId: string; nodeName: string }) => m.ready && resolve(m));
  });
  child.removeAllListeners('exit');
  const endpoints = JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8')) as NodeProcess['endpoints'];
  const node: NodeProcess = {
    child,
    dataDir,
    ...ready,
    endpoints,
    ca: readFileSync(endpoints.caFile, 'utf8'),
    advance: (ms) =>
      new Promise((resolve) => {
        const onMessage = (m: { advanced?: number }) => {
          if (m.advanced === undefined) return;
          child.off('message', onMessage);
          resolve();
        };
        child.on('message', onMessage);
        child.send({ advance: ms });
      }),
    kill: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
  cluster.processes.push(node);
  return node;
}

export interface TcpRelay {
  /** `url` with its host:port replaced by the relay's. */
  url(url: string): string;
  /** Cuts every connection and refuses new ones ("the server is unreachable"). */
  stop(): void;
  /** Accepts connections again, on the same port. */
  start(): Promise<void>;
  close(): void;
}

/** A TCP relay to a server (PostgreSQL, Redis) that a test cuts and restores. */
export async function tcpRelay(target: URL): Promise<TcpRelay> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const start = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || (target.protocol === 'redis:' ? 6379 : 5432)), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => s.destroy());
          s.on('close', () => sockets.delete(s));
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  await start();
  const stop = () => {
    server?.close();
    for (const s of sockets) s.destroy();
  };
  return { url: (u) => u.replace(/^([a-z]+:\/\/(?:[^@/]*@)?)[^/]+/, `$1127.0.0.1:${port}`), stop, start, close: stop };
}
