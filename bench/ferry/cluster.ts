/**
 * `--nodes N`: the Ferry under test is a cluster on this machine — N
 * `ferry server` processes on one PostgreSQL (a fresh schema, dropped at the
 * end) and one Redis, behind HAProxy in TCP mode (PROXY protocol v2, health
 * checks on each node's /readyz; the HAProxy configuration of
 * test/helpers/haproxy.ts). The fleet reaches it only through HAProxy, whose
 * ports every node advertises. The server's CPU and memory are the nodes'
 * summed (HAProxy's are not counted: it is the balancer the deployment adds).
 *
 * HAProxy holds two file descriptors per proxied connection, and a process may
 * not raise its hard open-file limit without CAP_SYS_RESOURCE (this machine's
 * containers lack it: 20,000). A fleet larger than one HAProxy can carry gets
 * several identical HAProxy processes on the same frontend ports — HAProxy
 * binds with SO_REUSEPORT, so the kernel spreads the devices' connections over
 * them: still one name, as DNS over several balancers would be.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startProcess, type Child } from '../children.js';
import { freePort, HOST, sleep } from '../net.js';
import { BENCH_MQTT_LIMITS, fromEndpointsFile, type FerryTarget } from './server.js';
import { haproxyConfig, haproxyServers, HAPROXY } from '../../test/helpers/haproxy.js';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BALANCER = '127.0.0.2';
const LISTENERS = ['api', 'device', 's3', 'mqtt'] as const;

/** Open files this process (and so HAProxy, its child) may hold: HAProxy takes two per proxied connection. */
function fileLimit(): number {
  const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return line ? Number(line[1]) : 1024;
}

/** The most devices one HAProxy can carry here, with room for the publisher, downloads and health checks. */
export function balancerCapacity(): number {
  return Math.floor((fileLimit() - 200) / 2) - 300;
}

/**
 * HAProxy processes for `devices`: the kernel's SO_REUSEPORT spread is a hash,
 * not an even split, so each is given a quarter more than its share.
 */
export function balancersFor(devices: number, capacity = balancerCapacity()): number {
  if (capacity < 100) throw new Error(`--nodes: the open-file limit is ${fileLimit()}: too low for HAProxy (two descriptors per connection)`);
  const needed = Math.max(1, Math.ceil((devices * 1.25) / capacity));
  // Beyond a few balancers the bench measures HAProxy processes competing for the cores, not Ferry.
  if (needed > MAX_BALANCERS) {
    const most = Math.floor((MAX_BALANCERS * capacity) / 1.25);
    throw new Error(`--nodes: HAProxy holds two file descriptors per device and the open-file limit is ${fileLimit()}: at most ${most} devices here (${MAX_BALANCERS} HAProxy processes of ${capacity} connections)`);
  }
  return needed;
}

const MAX_BALANCERS = 4;

export interface ClusterTarget extends FerryTarget {
  pids: number[];
  nodes: Array<{ name: string; child: Child }>;
  /** HAProxy processes sharing the frontend ports (SO_REUSEPORT), and their runtime-API sockets. */
  balancers: number;
  balancerSockets: string[];
  /** Drops the bench's database schema (after every process has stopped). */
  dropSchema(): Promise<void>;
}

export async function startFerryCluster(opts: { nodes: number; dir: string; logDir: string; databaseUrl: string; redisUrl: string; devices: number }): Promise<ClusterTarget> {
  if (!existsSync(HAPROXY)) throw new Error(`--nodes needs HAProxy (${HAPROXY}): apt-get install -y haproxy`);
  const balancers = balancersFor(opts.devices);
  mkdirSync(opts.dir, { recursive: true });
  const schema = `ferry_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: opts.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const dropSchema = async () => {
    const c = new pg.Client({ connectionString: opts.databaseUrl });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  };
  const names = Array.from({ length: opts.nodes }, (_, i) => `bench-${i + 1}`);
  const ports = new Map<string, Record<(typeof LISTENERS)[number], number>>();
  for (const n of names) ports.set(n, { api: await freePort(), device: await freePort(), s3: await freePort(), mqtt: await freePort() });
  const front: Record<string, number> = {};
  for (const l of LISTENERS) front[l] = await freePort();
  const sockets = Array.from({ length: balancers }, (_, i) => join(opts.dir, `haproxy-${i + 1}.sock`));
  for (const [i, socket] of sockets.entries()) {
    const cfg = join(opts.dir, `haproxy-${i + 1}.cfg`);
    writeFileSync(
    cfg,
    haproxyConfig(
      {
        sourceAddress: BALANCER,
        proxyProtocol: 'v2',
        checkIntervalMs: 1000,
        maxconn: Math.min(balancerCapacity(), opts.devices + 300),
        backends: LISTENERS.map((l) => ({
          name: l,
          balance: l === 'mqtt' ? 'leastconn' : 'roundrobin',
          servers: names.map((n) => ({ name: n, host: HOST, port: ports.get(n)![l], check: { port: ports.get(n)!.api, path: '/readyz', tls: true } })),
        })),
      },
      front,
      socket,
    ),
    );
    const haproxyLog = openSync(join(opts.logDir, `haproxy-${i + 1}.log`), 'a');
    startProcess(`haproxy ${i + 1}`, HAPROXY, ['-db', '-f', cfg], { stdio: ['ignore', haproxyLog, haproxyLog] });
    closeSync(haproxyLog);
  }

  const url = `${opts.databaseUrl}${opts.databaseUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const configFile = join(opts.dir, 'ferry.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      database: { url },
      cluster: { redisUrl: opts.redisUrl, blobDir: join(opts.dir, 'blobs'), kekFile: join(opts.dir, 'kek') },
      advertise: { apiPort: front.api, devicePort: front.device, s3Port: front.s3, mqttPort: front.mqtt },
      network: { trustedProxies: [BALANCER] },
      mqtt: BENCH_MQTT_LIMITS,
    }),
  );
  const nodes: Array<{ name: string; child: Child }> = [];
  const startNode = async (name: string) => {
    const dataDir = join(opts.dir, name);
    mkdirSync(dataDir, { recursive: true });
    const log = openSync(join(opts.logDir, `ferry-${name}.log`), 'a');
    const p = ports.get(name)!;
    const args = ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), 'server', '--config', configFile, '--data-dir', dataDir, '--node-name', name, '--host', HOST, ...LISTENERS.flatMap((l) => [`--${l}-port`, String(p[l])])];
    const child = startProcess(`ferry server ${name}`, process.execPath, args, { cwd: REPO, stdio: ['ignore', log, log] });
    closeSync(log);
    nodes.push({ name, child });
    let exited: string | undefined;
    void child.exited.then((code) => (exited = code));
    const file = join(dataDir, 'endpoints.json');
    const deadline = Date.now() + 120_000;
    while (!existsSync(file)) {
      if (exited !== undefined) throw new Error(`ferry server ${name} exited (${exited}) before it was ready; see ${opts.logDir}/ferry-${name}.log`);
      if (Date.now() > deadline) throw new Error(`ferry server ${name} was not ready within 120 s`);
      await sleep(100);
    }
    return file;
  };
  // The first initialises the database and makes the KEK; the others join it.
  const [first, ...rest] = names;
  const endpointsFile = await startNode(first!);
  await Promise.all(rest.map(startNode));
  const deadline = Date.now() + 60_000;
  for (const socket of sockets) {
    for (;;) {
      const servers = existsSync(socket) ? await haproxyServers(socket).catch(() => new Map()) : new Map();
      if (servers.size === names.length * LISTENERS.length && [...servers.values()].every((s) => s.state === 'UP')) break;
      if (Date.now() > deadline) throw new Error(`HAProxy (${socket}) does not see every node up: ${[...servers].map(([k, s]) => `${k}=${s.state} (${s.check})`).join(' ')}`);
      await sleep(200);
    }
  }
  const target = fromEndpointsFile(endpointsFile);
  const pids = nodes.map((n) => n.child.pid);
  return { ...target, pid: pids[0], pids, nodes, dataDir: opts.dir, dropSchema, balancers, balancerSockets: sockets };
}
