/**
 * nginx as the file-serving reference: Debian's nginx in the foreground on a
 * free port, TLS with the same server certificate, serving the same firmware
 * file as a static file. `worker_processes auto` is Debian's default (one
 * worker per core), so this is the nginx a user would run.
 */
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess } from '../children.js';
import { HOST, freePort, waitForPort } from '../net.js';
import { findExecutable } from './find.js';
import type { RunningReference } from './mosquitto.js';
import type { ReferenceTls } from './tls.js';

export function nginxPath(): string | undefined {
  return process.env.FERRY_BENCH_NGINX ?? findExecutable('nginx');
}

export const NGINX_WORKERS = 'auto';

/** Serves `file` (bytes) at https://127.0.0.1:PORT/NAME; resolves with that URL. */
export async function startNginx(binary: string, dir: string, tls: ReferenceTls, file: { name: string; bytes: Buffer }): Promise<RunningReference> {
  const port = await freePort();
  const www = join(dir, 'www');
  const temp = join(dir, 'temp');
  mkdirSync(www, { recursive: true });
  mkdirSync(temp, { recursive: true });
  writeFileSync(join(www, file.name), file.bytes);
  const config = join(dir, 'nginx.conf');
  const errorLog = join(dir, 'nginx-error.log');
  writeFileSync(
    config,
    [
      `worker_processes ${NGINX_WORKERS};`,
      'worker_rlimit_nofile 20000;',
      'daemon off;',
      // Running as root: workers would switch to nobody and could not read the bench's private dir.
      ...(process.getuid?.() === 0 ? ['user root;'] : []),
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${errorLog} warn;`,
      'events { worker_connections 16384; }',
      'http {',
      '  access_log off;',
      '  sendfile on;',
      '  keepalive_timeout 65;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(temp, t)};`),
      '  types { application/octet-stream bin; }',
      '  default_type application/octet-stream;',
      '  server {',
      `    listen ${HOST}:${port} ssl;`,
      `    ssl_certificate ${tls.certFile};`,
      `    ssl_certificate_key ${tls.keyFile};`,
      '    ssl_protocols TLSv1.2 TLSv1.3;',
      `    root ${www};`,
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const out = openSync(join(dir, 'nginx.stderr'), 'a');
  const child = startProcess('nginx', binary, ['-p', dir, '-e', errorLog, '-c', config], { stdio: ['ignore', out, out] });
  closeSync(out);
  await waitForPort(port, { timeoutMs: 15_000, gone: child.exited, what: 'nginx' });
  return { url: `https://${HOST}:${port}/${file.name}`, child };
}
