/**
 * A Ferry cluster as it runs in production, on one machine: `ferry server`
 * node processes (the real command, `src/cli/main.ts server`) on one
 * PostgreSQL schema, one Redis, one key-encryption key and one blob
 * directory, behind a real HAProxy (test/helpers/haproxy.ts) in TCP mode that
 * health-checks each node's `/readyz` and sends the PROXY protocol v2 from a
 * loopback address of its own, which the nodes trust. Every node advertises
 * HAProxy's ports, so endpoints.json, kits and presigned URLs name the balancer.
 * Ports are found free at run time; nothing is fixed.
 *
 * The test reaches the cluster two ways: `balanced` (through HAProxy, as
 * devices and operators do) and `node(name).direct` (one node's own
 * listeners, to make a request cross nodes on purpose).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { IoTClient } from '@aws-sdk/client-iot';
import { S3Client } from '@aws-sdk/client-s3';
import { endpointsFor, type EndpointsFile } from '../../src/server/contract-files.js';
import { AdjustableClock } from '../../src/clock.js';
import { startHaproxy, type Haproxy } from './haproxy.js';
import { pgTestSchema } from './postgres.js';
import { freePort } from './ports.js';
import { tempDir } from './temp.js';
import type { TestServer } from './server.js';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** HAProxy connects to the nodes from here; the nodes trust it (and nobody else) to send PROXY headers. */
export const BALANCER_ADDRESS = '127.0.0.2';

type Listener = 'api' | 'device' | 's3' | 'mqtt';
const LISTENERS: Listener[] = ['api', 'device', 's3', 'mqtt'];

/** What the test helpers (test/mqtt, test/jobs) use of a server: its endpoints, CA and clients. */
export type ServerView = Pick<TestServer, 'endpoints' | 'ca' | 'credentials' | 'agent' | 'iot' | 's3' | 'clock'>;

/** A view where a helper asks for a TestServer (it uses only the view's part). */
export const asTestServer = (v: ServerView): TestServer => v as unknown as TestServer;

export interface NodeProcess {
  name: string;
  child: ChildProcess;
  dataDir: string;
  ports: Record<Listener | 'metrics', number>;
  /** This node's own listeners (not through HAProxy). */
  direct: ServerView;
  /** The node's log so far (pino JSON lines on stdout, then stderr). */
  log(): string;
  /** SIGKILL, as when a machine dies: nothing is cleaned up. */
  kill(): Promise<void>;
  /** The process has exited (code or signal). */
  exited: Promise<string>;
}

export interface BalancedCluster {
  haproxy: Haproxy;
  /** The cluster through HAProxy: what endpoints.json names. */
  balanced: ServerView;
  nodes: Map<string, NodeProcess>;
  node(name: string): NodeProcess;
  pg: { url: string; schema: string };
  kekFile: string;
  /** A query on the cluster's database (its schema). */
  query<R extends Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
  /** Which node (by name) holds each MQTT client id now, from the connectivity records. */
  holders(): Promise<Map<string, string>>;
  /**
   * Runs `ferry server` as one more process with `flags` (beyond the data dir
   * and ports) and the shared config file; resolves once it is serving, or
   * rejects with its exit and stderr. Not behind HAProxy unless it is one of
   * the names the cluster was started with.
   */
  startNode(name: string, flags?: string[]): Promise<NodeProcess>;
  close(): Promise<void>;
}

function view(endpoints: EndpointsFile, ca: string, credentials: { accessKeyId: string; secretAccessKey: string }): ServerView {
  const agent = new https.Agent({ ca, keepAlive: true });
  const common = () => ({
    region: endpoints.region,
    credentials: { ...credentials },
    requestHandler: new NodeHttpHandler({ httpsAgent: agent }),
    maxAttempts: 1,
  });
  return {
    endpoints,
    ca,
    credentials,
    agent,
    // The nodes run on real time; a clock that is never moved.
    clock: new AdjustableClock(),
    iot: () => new IoTClient({ ...common(), endpoint: endpoints.endpoints.iot }),
    s3: () => new S3Client({ ...common(), endpoint: endpoints.endpoints.s3, forcePathStyle: true }),
  };
}

function readCredentials(file: string): { accessKeyId: string; secretAccessKey: string } {
  const text = readFileSync(file, 'utf8');
  const value = (key: string) => new RegExp(`^${key}\\s*=\\s*(\\S+)`, 'm').exec(text)?.[1];
  return { accessKeyId: value('aws_access_key_id')!, secretAccessKey: value('aws_secret_access_key')! };
}

/**
 * Starts HAProxy and the named nodes: the first alone (it initialises the
 * database and makes the KEK), the others together. Resolves once HAProxy
 * sees every node up.
 */
export async function startBalancedCluster(names: string[], opts: { redisUrl: string; config?: Record<string, unknown> }): Promise<BalancedCluster> {
  const pgSchema = await pgTestSchema();
  const shared = tempDir('ferry-balanced-');
  const kekFile = join(shared, 'kek');
  const planned = new Map<string, Record<Listener | 'metrics', number>>();
  for (const name of names) {
    planned.set(name, { api: await freePort(), device: await freePort(), s3: await freePort(), mqtt: await freePort(), metrics: await freePort() });
  }
  const haproxy = await startHaproxy({
    sourceAddress: BALANCER_ADDRESS,
    proxyProtocol: 'v2',
    backends: LISTENERS.map((listener) => ({
      name: listener,
      balance: listener === 'mqtt' ? 'leastconn' : 'roundrobin',
      servers: names.map((name) => ({
        name,
        host: '127.0.0.1',
        port: planned.get(name)![listener],
        // Ferry's own readiness, on its api listener over TLS (no PROXY header: optional from a trusted balancer).
        check: { port: planned.get(name)!.api, path: '/readyz', tls: true },
      })),
    })),
  });
  // The test schema through the URL, as an operator would name one: search_path in `options`.
  const databaseUrl = `${pgSchema.url}${pgSchema.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${pgSchema.schema}`)}`;
  const configFile = join(shared, 'ferry.json');
  const { cluster: extraCluster, ...extraConfig } = (opts.config ?? {}) as { cluster?: Record<string, unknown> };
  writeFileSync(
    configFile,
    JSON.stringify({
      database: { url: databaseUrl },
      cluster: { redisUrl: opts.redisUrl, blobDir: join(shared, 'blobs'), kekFile, heartbeatSeconds: 1, nodeTimeoutSeconds: 3, ...extraCluster },
      advertise: { apiPort: haproxy.ports.api, devicePort: haproxy.ports.device, s3Port: haproxy.ports.s3, mqttPort: haproxy.ports.mqtt },
      network: { trustedProxies: [BALANCER_ADDRESS] },
      ...extraConfig,
    }),
  );
  const nodes = new Map<string, NodeProcess>();
  let balanced: ServerView | undefined;
  const database = new pg.Pool({ connectionString: databaseUrl, max: 2 });

  const startNode = async (name: string, flags: string[] = []): Promise<NodeProcess> => {
    const ports = planned.get(name) ?? { api: await freePort(), device: await freePort(), s3: await freePort(), mqtt: await freePort(), metrics: await freePort() };
    const dataDir = tempDir(`ferry-${name}-`);
    const logFile = join(dataDir, '..', `${name}-${process.pid}-${Date.now()}.log`);
    const out = openSync(logFile, 'a');
    const args = [
      '--import',
      'tsx',
      join(REPO, 'src/cli/main.ts'),
      'server',
      '--config',
      configFile,
      '--data-dir',
      dataDir,
      '--node-name',
      name,
      '--host',
      '127.0.0.1',
      ...LISTENERS.flatMap((l) => [`--${l}-port`, String(ports[l])]),
      '--metrics-address',
      `127.0.0.1:${ports.metrics}`,
      ...flags,
    ];
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', out, out], env: { ...process.env, FERRY_LOG_LEVEL: process.env.FERRY_TEST_LOG ?? 'info' } });
    closeSync(out);
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code))));
    const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
    const endpointsPath = join(dataDir, 'endpoints.json');
    let gone: string | undefined;
    void exited.then((how) => (gone = how));
    const deadline = Date.now() + 90_000;
    while (!existsSync(endpointsPath)) {
      if (gone !== undefined) throw new Error(`ferry server ${name} exited (${gone}) before it was ready:\n${log()}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`ferry server ${name} was not ready in time:\n${log()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const endpoints = JSON.parse(readFileSync(endpointsPath, 'utf8')) as EndpointsFile;
    const ca = readFileSync(endpoints.caFile, 'utf8');
    const credentials = readCredentials(endpoints.credentialsFile);
    balanced ??= view(endpoints, ca, credentials);
    // The same host, this node's own ports.
    const directEndpoints = { ...endpoints, endpoints: endpointsFor(new URL(endpoints.endpoints.iot).hostname, ports) };
    const node: NodeProcess = {
      name,
      child,
      dataDir,
      ports,
      direct: view(directEndpoints, ca, credentials),
      log,
      exited,
      kill: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
    };
    nodes.set(name, node);
    return node;
  };

  const close = async () => {
    await haproxy.close();
    await Promise.all(
      [...nodes.values()].map(async (n) => {
        if (n.child.exitCode === null && n.child.signalCode === null) {
          n.child.kill('SIGTERM');
          const timer = setTimeout(() => n.child.kill('SIGKILL'), 10_000);
          await n.exited;
          clearTimeout(timer);
        }
        n.direct.agent.destroy();
        rmSync(n.dataDir, { recursive: true, force: true });
      }),
    );
    balanced?.agent.destroy();
    await database.end();
    // The schema goes only once no node can use it.
    await pgSchema.drop();
    rmSync(shared, { recursive: true, force: true });
  };

  try {
    const [first, ...rest] = names;
    if (first) await startNode(first);
    await Promise.all(rest.map((n) => startNode(n)));
    for (const n of names) await haproxy.waitFor(n, 'UP');
  } catch (error) {
    await close();
    throw error;
  }
  const query = async <R extends Record<string, unknown>>(text: string, values: unknown[] = []) => (await database.query<R>(text, values)).rows;
  return {
    haproxy,
    get balanced() {
      return balanced!;
    },
    nodes,
    node: (name) => {
      const n = nodes.get(name);
      if (!n) throw new Error(`no node ${name}`);
      return n;
    },
    pg: { url: databaseUrl, schema: pgSchema.schema },
    kekFile,
    query,
    holders: async () => {
      const rows = await query<{ client_id: string; node_name: string }>(
        'select c.client_id, n.node_name from mqtt_connectivity c join cluster_nodes n on n.node_id = c.node_id where c.connected = 1',
      );
      return new Map(rows.map((r) => [r.client_id, r.node_name]));
    },
    startNode,
    close,
  };
}
