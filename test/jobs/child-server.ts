import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { IoTClient } from '@aws-sdk/client-iot';
import { S3Client } from '@aws-sdk/client-s3';
import { IAMClient } from '@aws-sdk/client-iam';
import { AdjustableClock } from '../../src/clock.js';
import type { EndpointsFile } from '../../src/server/contract-files.js';
import type { TestServer } from '../helpers/server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The shared credentials file's key (profile ferry). */
function credentialsOf(file: string): { accessKeyId: string; secretAccessKey: string } {
  const text = readFileSync(file, 'utf8');
  const value = (name: string) => new RegExp(`^${name}\\s*=\\s*(\\S+)`, 'm').exec(text)?.[1] ?? '';
  return { accessKeyId: value('aws_access_key_id'), secretAccessKey: value('aws_secret_access_key') };
}

/**
 * `ferry server` as a child process (`node --import tsx src/cli/main.ts server …`) on `dataDir`,
 * every port 0, with the AWS clients a test needs. Ready once it logs "ferry server ready".
 * `sockets`: listening sockets handed over as systemd does (fds from 3, LISTEN_FDS, LISTEN_FDNAMES,
 * and LISTEN_PID the server's own pid: a shell sets it to its own and execs node).
 */
export async function startChildServer(
  dataDir: string,
  opts: { sockets?: Array<{ name: string; fd: number }>; args?: string[] } = {},
): Promise<{ ts: TestServer; child: ChildProcess; kill9(): Promise<void> }> {
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'server', '--data-dir', dataDir, '--host', '127.0.0.1', '--api-port', '0', '--device-port', '0', '--s3-port', '0', '--mqtt-port', '0', ...(opts.args ?? [])];
  const env = { ...process.env, FERRY_LOG_LEVEL: 'info' };
  const sockets = opts.sockets ?? [];
  const child =
    sockets.length === 0
      ? spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env })
      : spawn('sh', ['-c', 'LISTEN_PID=$$ exec "$0" "$@"', process.execPath, ...args], {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'pipe', ...sockets.map((s) => s.fd)],
          env: { ...env, LISTEN_FDS: String(sockets.length), LISTEN_FDNAMES: sockets.map((s) => s.name).join(':') },
        });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.includes('"ferry server ready"')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`ferry server exited (${code}) before it was ready: ${stderr}`)));
  });
  const endpoints = JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8')) as EndpointsFile;
  const ca = readFileSync(endpoints.caFile, 'utf8');
  const credentials = credentialsOf(endpoints.credentialsFile);
  const agent = new https.Agent({ ca, keepAlive: true });
  const common = () => ({ region: endpoints.region, credentials: { ...credentials }, requestHandler: new NodeHttpHandler({ httpsAgent: agent }), maxAttempts: 1 });
  const ts = {
    dataDir,
    endpoints,
    ca,
    credentials,
    agent,
    clock: new AdjustableClock(),
    iot: () => new IoTClient({ ...common(), endpoint: endpoints.endpoints.iot }),
    s3: () => new S3Client({ ...common(), endpoint: endpoints.endpoints.s3, forcePathStyle: true }),
    iam: () => new IAMClient({ ...common(), region: 'us-east-1', endpoint: endpoints.endpoints.iam }),
  } as unknown as TestServer;
  return {
    ts,
    child,
    kill9: async () => {
      agent.destroy();
      child.kill('SIGKILL');
      await exited;
    },
  };
}
