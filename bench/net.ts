import { createServer, connect } from 'node:net';
import { performance } from 'node:perf_hooks';

export const HOST = '127.0.0.1';

/**
 * Wall-clock milliseconds with sub-millisecond resolution. Comparable across
 * the bench's processes on one machine (each process's timeOrigin is taken
 * from the same system clock), which is what cross-process latencies need.
 */
export const now = (): number => performance.timeOrigin + performance.now();

/** A port free on 127.0.0.1 right now (the system picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once something accepts TCP connections on the port; rejects after `timeoutMs` or when `gone` settles. */
export async function waitForPort(port: number, opts: { timeoutMs: number; gone?: Promise<string>; what: string }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let exited: string | undefined;
  void opts.gone?.then((code) => {
    exited = code;
  });
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`${opts.what} exited (${exited}) before listening on ${port}`);
    if (await accepts(port)) return;
    await sleep(100);
  }
  throw new Error(`${opts.what} did not listen on ${port} within ${opts.timeoutMs} ms`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export { sleep };
