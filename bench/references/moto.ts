/**
 * moto_server as the control-plane reference: the Python AWS mock, on a free
 * port, with TLS from the same server certificate so both sides pay for
 * HTTPS. (moto's development server closes the connection after each
 * response, so its clients cannot keep connections alive; that is moto as
 * users run it.)
 */
import { closeSync, openSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { startProcess } from '../children.js';
import { HOST, freePort, sleep } from '../net.js';
import { findExecutable } from './find.js';
import type { RunningReference } from './mosquitto.js';
import type { ReferenceTls } from './tls.js';

export function motoPath(): string | undefined {
  return process.env.FERRY_BENCH_MOTO ?? findExecutable('moto_server');
}

export async function startMoto(binary: string, dir: string, tls: ReferenceTls): Promise<RunningReference> {
  const port = await freePort();
  const out = openSync(join(dir, 'moto.log'), 'a');
  const child = startProcess('moto_server', binary, ['-H', HOST, '-p', String(port), '-c', tls.certFile, '-k', tls.keyFile], { stdio: ['ignore', out, out] });
  closeSync(out);
  const url = `https://${HOST}:${port}`;
  await waitForHttps(url, tls.clientCa, child.exited);
  return { url, child };
}

/** moto answers its dashboard once its routes are loaded; the TCP port alone opens earlier. */
async function waitForHttps(url: string, ca: string, gone: Promise<string>): Promise<void> {
  let exited: string | undefined;
  void gone.then((code) => {
    exited = code;
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`moto_server exited (${exited}) before answering`);
    const ok = await new Promise<boolean>((resolve) => {
      const request = https.get(`${url}/moto-api/`, { ca, agent: false, timeout: 2_000 }, (response) => {
        response.resume();
        resolve(true);
      });
      request.once('timeout', () => request.destroy());
      request.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(200);
  }
  throw new Error('moto_server did not answer within 60 s');
}
