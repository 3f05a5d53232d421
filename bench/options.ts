/** `npm run bench -- [options]`. */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const REFERENCES = ['mosquitto', 'nginx', 'moto'] as const;
export type ReferenceName = (typeof REFERENCES)[number];

export interface BenchOptions {
  devices: number;
  size: number;
  out: string;
  endpoint?: string | undefined;
  serverPid?: number | undefined;
  workers: number;
  connectWindow: number;
  downloadConcurrency: number;
  registerConcurrency: number;
  cpIterations: number;
  cpConcurrency: number;
  timeoutSec: number;
  cpuProf: boolean;
  heapSnapshots: boolean;
  skip: ReferenceName[];
  keep: boolean;
  /** 0: one `ferry server` on SQLite. N: N nodes on PostgreSQL and Redis behind HAProxy. */
  nodes: number;
  databaseUrl?: string | undefined;
  redisUrl: string;
}

export const USAGE = `Usage: npm run bench -- [options]
       npm run bench -- versus --nodes N [options]
                            the same fleet against one process, then against N nodes; each run's report
                            in OUT/single and OUT/nodes-N, both side by side in OUT/versus.md
       npm run bench -- console [options]   the web console's size and first render

  --devices N               simulated devices (default 1000)
  --size BYTES              firmware size; k/m suffixes = KiB/MiB (default 1m)
  --out DIR                 where report.json, report.md, latency.svg and logs go
                            (default bench-results/<date>)
  --endpoint FILE           use the running server of this endpoints.json instead of starting one
  --server-pid PID          with --endpoint: the server's pid, for its memory and CPU
  --workers N               fleet worker processes (default: number of cores)
  --connect-window N        connections in progress at once per worker (default 64)
  --download-concurrency N  downloads at once per worker (default 100)
  --register-concurrency N  registrations in flight (default 16)
  --cp-iterations N         control-plane sequences per server (default: devices, at most 200)
  --cp-concurrency N        control-plane sequences in flight (default 4)
  --timeout SEC             deadline for each fleet phase (default 600)
  --cpu-prof                write a V8 CPU profile of the server into OUT/profile
  --heap-snapshots          heap snapshots of the server before and after the fleet connects,
                            summarized per device in OUT/heap-summary.md (adds GC pauses:
                            keep it out of runs whose numbers you publish)
  --skip LIST               references not to run, comma-separated: mosquitto,nginx,moto
  --keep                    keep the server's data dir (in OUT/data)
  --nodes N                 run Ferry as a cluster of N node processes on PostgreSQL and Redis
                            behind HAProxy (TCP, PROXY protocol v2); the fleet goes through HAProxy.
                            Without it: one process on SQLite
  --database-url URL        with --nodes: postgres://… (default $FERRY_TEST_PG_URL); a fresh schema
                            is made and dropped
  --redis-url URL           with --nodes: redis://… (default $FERRY_TEST_REDIS_URL, else redis://127.0.0.1:6379)
`;

function integer(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min} (got ${value})`);
  return n;
}

/** 65536, 64k (KiB), 1m (MiB). */
export function parseSize(value: string): number {
  const m = /^(\d+)([kKmM]?)(i?[bB])?$/.exec(value.trim());
  if (!m) throw new Error(`--size must be bytes, optionally with k or m (got ${value})`);
  const unit = m[2]?.toLowerCase() === 'k' ? 1024 : m[2]?.toLowerCase() === 'm' ? 1024 * 1024 : 1;
  const n = Number(m[1]) * unit;
  if (n < 1) throw new Error('--size must be at least 1 byte');
  return n;
}

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      devices: { type: 'string' },
      size: { type: 'string' },
      out: { type: 'string' },
      endpoint: { type: 'string' },
      'server-pid': { type: 'string' },
      workers: { type: 'string' },
      'connect-window': { type: 'string' },
      'download-concurrency': { type: 'string' },
      'register-concurrency': { type: 'string' },
      'cp-iterations': { type: 'string' },
      'cp-concurrency': { type: 'string' },
      timeout: { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      'heap-snapshots': { type: 'boolean' },
      skip: { type: 'string' },
      keep: { type: 'boolean' },
      nodes: { type: 'string' },
      'database-url': { type: 'string' },
      'redis-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const skip = (values.skip ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of skip) if (!REFERENCES.includes(s as ReferenceName)) throw new Error(`--skip takes ${REFERENCES.join(', ')} (got ${s})`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const devices = integer('devices', values.devices, 1000);
  const nodes = integer('nodes', values.nodes, 0, 0);
  const databaseUrl = values['database-url'] ?? process.env.FERRY_TEST_PG_URL;
  if (nodes > 0) {
    if (!databaseUrl) throw new Error('--nodes needs PostgreSQL: --database-url postgres://… (or FERRY_TEST_PG_URL)');
    if (values.endpoint) throw new Error('--nodes starts its own cluster: leave out --endpoint');
    if (values['cpu-prof'] || values['heap-snapshots']) throw new Error('--cpu-prof and --heap-snapshots profile one server process: leave them out with --nodes');
  }
  return {
    devices,
    size: values.size === undefined ? 1024 * 1024 : parseSize(values.size),
    out: resolve(values.out ?? `bench-results/${stamp}`),
    endpoint: values.endpoint === undefined ? undefined : resolve(values.endpoint),
    serverPid: values['server-pid'] === undefined ? undefined : integer('server-pid', values['server-pid'], 0),
    workers: integer('workers', values.workers, availableParallelism()),
    connectWindow: integer('connect-window', values['connect-window'], 64),
    downloadConcurrency: integer('download-concurrency', values['download-concurrency'], 100),
    registerConcurrency: integer('register-concurrency', values['register-concurrency'], 16),
    cpIterations: integer('cp-iterations', values['cp-iterations'], Math.min(200, devices)),
    cpConcurrency: integer('cp-concurrency', values['cp-concurrency'], 4),
    timeoutSec: integer('timeout', values.timeout, 600),
    cpuProf: values['cpu-prof'] ?? false,
    heapSnapshots: values['heap-snapshots'] ?? false,
    skip: skip as ReferenceName[],
    keep: values.keep ?? false,
    nodes,
    databaseUrl,
    redisUrl: values['redis-url'] ?? process.env.FERRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
}
