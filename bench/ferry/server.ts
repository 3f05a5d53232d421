/**
 * The Ferry under test: a `ferry server` child process on a fresh data dir
 * (so /proc tells its memory and CPU), or a running server named by the
 * endpoints.json given with --endpoint.
 */
import { existsSync, mkdirSync, openSync, readFileSync, closeSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess, type Child } from '../children.js';
import { HOST, sleep } from '../net.js';

/**
 * The fan-out phase's one publisher sends a message to every device at once
 * (10,000 in a burst): AWS IoT Core's per-connection 100 publishes/s and
 * 512 KiB/s (Ferry's defaults) would discard nearly all of them, and
 * Mosquitto, the reference, has no such limit. The bench raises them, as an
 * operator running a fleet-wide publisher would; the devices' own traffic is
 * far below either way.
 */
export const BENCH_MQTT_LIMITS = { publishesPerSecond: 1_000_000, inboundBytesPerSecond: 1024 * 1024 * 1024 };

export interface FerryEndpoints {
  region: string;
  accountId: string;
  caFile: string;
  credentialsFile: string;
  profile: string;
  endpoints: { iot: string; iam: string; iotJobsData: string; s3: string; mqtt: string };
}

export interface FerryTarget {
  endpoints: FerryEndpoints;
  ca: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The server's process id when known (our child, or --server-pid). */
  pid?: number | undefined;
  /** Server certificate and key from its data dir, when we can read them (the references reuse them). */
  serverTls?: { certPem: string; keyPem: string } | undefined;
  child?: Child | undefined;
  dataDir?: string | undefined;
  logFile?: string | undefined;
}

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Starts `ferry server` as a child on 127.0.0.1 with every port chosen by the system. */
export async function startFerry(opts: { dataDir: string; logFile: string; cpuProfDir?: string | undefined; heapDir?: string | undefined; timeoutMs?: number }): Promise<FerryTarget> {
  mkdirSync(opts.dataDir, { recursive: true });
  // Node does not create the diagnostic dir: without it the first snapshot kills the server (ENOENT).
  if (opts.heapDir) mkdirSync(opts.heapDir, { recursive: true });
  const nodeArgs = [
    ...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []),
    // SIGUSR2 writes a heap snapshot into the diagnostic dir (bench/heap.ts).
    ...(opts.heapDir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${opts.heapDir}`] : []),
  ];
  const configFile = join(dirname(opts.dataDir), 'ferry-config.json');
  mkdirSync(dirname(opts.dataDir), { recursive: true });
  writeFileSync(configFile, JSON.stringify({ mqtt: BENCH_MQTT_LIMITS }));
  const args = [
    ...nodeArgs,
    '--import',
    'tsx',
    join(REPO, 'src/cli/main.ts'),
    'server',
    '--config',
    configFile,
    '--data-dir',
    opts.dataDir,
    '--host',
    HOST,
    '--api-port',
    '0',
    '--device-port',
    '0',
    '--s3-port',
    '0',
    '--mqtt-port',
    '0',
  ];
  const log = openSync(opts.logFile, 'a');
  const child = startProcess('ferry server', process.execPath, args, { cwd: REPO, stdio: ['ignore', log, log] });
  closeSync(log);
  const file = join(opts.dataDir, 'endpoints.json');
  await waitForFile(file, child, opts.timeoutMs ?? 60_000);
  const target = fromEndpointsFile(file);
  return {
    ...target,
    pid: child.pid,
    child,
    dataDir: opts.dataDir,
    logFile: opts.logFile,
    serverTls: {
      certPem: readFileSync(join(opts.dataDir, 'pki', 'server.pem'), 'utf8'),
      keyPem: readFileSync(join(opts.dataDir, 'pki', 'server.key'), 'utf8'),
    },
  };
}

async function waitForFile(file: string, child: Child, timeoutMs: number): Promise<void> {
  let exited: string | undefined;
  void child.exited.then((code) => {
    exited = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (exited !== undefined) throw new Error(`ferry server exited (${exited}) before it was ready`);
    if (Date.now() > deadline) throw new Error(`ferry server was not ready within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** A running server, from its endpoints.json (the root key comes from the credentials file it names). */
export function fromEndpointsFile(file: string, pid?: number): FerryTarget {
  const endpoints = JSON.parse(readFileSync(file, 'utf8')) as FerryEndpoints;
  return {
    endpoints,
    ca: readFileSync(endpoints.caFile, 'utf8'),
    credentials: readCredentials(endpoints.credentialsFile, endpoints.profile),
    pid,
  };
}

function readCredentials(file: string, profile: string): { accessKeyId: string; secretAccessKey: string } {
  let section = '';
  const values = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const header = /^\s*\[([^\]]+)\]/.exec(line);
    if (header) section = header[1]!.trim();
    const pair = /^\s*([\w-]+)\s*=\s*(.*)$/.exec(line);
    if (pair && section === profile) values.set(pair[1]!, pair[2]!.trim());
  }
  const accessKeyId = values.get('aws_access_key_id');
  const secretAccessKey = values.get('aws_secret_access_key');
  if (!accessKeyId || !secretAccessKey) throw new Error(`no ${profile} credentials in ${file}`);
  return { accessKeyId, secretAccessKey };
}
