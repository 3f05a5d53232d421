/**
 * Mosquitto as the MQTT reference: Debian's broker, started on a free port
 * with a generated config — a TLS listener on 127.0.0.1 with the same server
 * certificate as Ferry's and `require_certificate true` against Ferry's CA,
 * so the same devices connect with the same certificates.
 */
import { openSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, type Child } from '../children.js';
import { HOST, freePort, waitForPort } from '../net.js';
import { findExecutable } from './find.js';
import type { ReferenceTls } from './tls.js';

export interface RunningReference {
  url: string;
  child: Child;
  version?: string;
}

export function mosquittoPath(): string | undefined {
  return process.env.FERRY_BENCH_MOSQUITTO ?? findExecutable('mosquitto');
}

export async function startMosquitto(binary: string, dir: string, tls: ReferenceTls): Promise<RunningReference> {
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(
    config,
    [
      'per_listener_settings false',
      'persistence false',
      'allow_anonymous true',
      'max_connections -1',
      // Running as root (the project machines): keep root, so the key files stay readable.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      `log_dest file ${join(dir, 'mosquitto.log')}`,
      'log_type error',
      'log_type warning',
      'log_type notice',
      `listener ${port} ${HOST}`,
      `cafile ${tls.deviceCaFile}`,
      `certfile ${tls.certFile}`,
      `keyfile ${tls.keyFile}`,
      'require_certificate true',
      'use_identity_as_username false',
      '',
    ].join('\n'),
  );
  const out = openSync(join(dir, 'mosquitto.stderr'), 'a');
  const child = startProcess('mosquitto', binary, ['-c', config], { stdio: ['ignore', out, out] });
  closeSync(out);
  await waitForPort(port, { timeoutMs: 15_000, gone: child.exited, what: 'mosquitto' });
  return { url: `mqtts://${HOST}:${port}`, child };
}
