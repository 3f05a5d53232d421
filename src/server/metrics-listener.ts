/**
 * `--metrics-address HOST:PORT`: plain HTTP, as Prometheus scrapes, serving
 * GET /metrics (the text exposition format) and the balancer's /healthz and
 * /readyz. Unauthenticated, so bind it to an internal address: it tells no
 * secrets, but it does tell how busy the node is.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { AppContext } from './context.js';
import { registerHealthRoutes } from './health.js';

export interface MetricsListener {
  /** host:port it bound (the port is the OS's choice when given 0). */
  address: string;
  close(): Promise<void>;
}

/** "HOST:PORT" or "[IPv6]:PORT" (the configuration schema checked the shape). */
export function splitHostPort(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host: host || '0.0.0.0', port: Number(address.slice(at + 1)) };
}

export async function startMetricsListener(ctx: AppContext, address: string, listenersUp: () => boolean): Promise<MetricsListener> {
  const app: FastifyInstance = Fastify({ logger: false });
  app.get('/metrics', async (_request, reply) => reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()));
  registerHealthRoutes(app, ctx, listenersUp);
  ctx.metrics.collectRuntime();
  const { host, port } = splitHostPort(address);
  await app.listen({ host, port });
  const bound = app.server.address() as AddressInfo;
  return { address: `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`, close: () => app.close() };
}
