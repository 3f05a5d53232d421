import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createHttpsApp } from '../protocols/http/app.js';
import { installAuthentication } from '../api/authenticate.js';
import { registerIotApi } from '../api/iot/index.js';
import { registerQueryApi } from '../api/query/dispatch.js';
import { registerS3Api } from '../api/s3/index.js';
import { registerDeviceApi } from '../api/device/index.js';
import { registerClusterRoutes } from '../api/ferry/cluster.js';
import { registerRotationRoutes } from '../api/ferry/rotations.js';
import { registerAuditRoutes } from '../api/ferry/audit.js';
import { registerRootKeyRoutes } from '../api/ferry/root-key.js';
import { registerHealthRoutes } from './health.js';
import { startMqttListener, type MqttListener } from '../mqtt/listener.js';
import { startMetricsListener, type MetricsListener } from './metrics-listener.js';
import type { AppContext } from './context.js';
import { acceptProxyProtocol } from '../protocols/proxy/accept.js';
import { routeByTicketKey } from './ticket-routing.js';
import { SHARED_TLS } from '../protocols/http/app.js';
import type { Server as TlsServer } from 'node:tls';
import { installAuditHooks } from './audit-hooks.js';

const auditDeps = (ctx: AppContext) => ({ audit: ctx.services.audit, clock: ctx.clock, logger: ctx.logger });

export interface Listeners {
  ports: { api: number; device: number; s3: number; mqtt: number };
  /** Where each listener bound (host:port), as the cluster's node list shows it. */
  addresses: Record<string, string>;
  close(): Promise<void>;
}

const KiB = 1024;

function tlsFor(ctx: AppContext, requestCert: boolean) {
  return { key: ctx.pki.serverKeyPem, cert: ctx.pki.serverCertPem, ca: [ctx.pki.caCertPem], requestCert };
}

/** Each answered request into the node's metrics. */
const countRequests = (ctx: AppContext) => (listener: string, operation: string, status: number) => ctx.metrics.httpRequests.inc({ listener, operation, status: String(status) });

/** The operator's side: IoT control plane, IAM and STS. No client certificate asked. */
function apiApp(ctx: AppContext): FastifyInstance {
  const app = createHttpsApp({ name: 'api', tls: tlsFor(ctx, false), logger: ctx.logger, clock: ctx.clock, bodyLimit: 256 * KiB, protocol: 'rest-json', service: 'iot', countRequest: countRequests(ctx) });
  installAuditHooks(app, 'api', auditDeps(ctx));
  installAuthentication(app, { credentials: ctx.accessKeys, clock: ctx.clock });
  registerIotApi(app, ctx);
  registerQueryApi(app, ctx);
  registerClusterRoutes(app, ctx);
  registerRotationRoutes(app, ctx);
  registerAuditRoutes(app, ctx);
  registerRootKeyRoutes(app, ctx);
  return app;
}

/** The devices' HTTPS side: Jobs data plane and credentials provider. Asks for a client certificate. */
function deviceApp(ctx: AppContext): FastifyInstance {
  const app = createHttpsApp({ name: 'device', tls: tlsFor(ctx, true), logger: ctx.logger, clock: ctx.clock, bodyLimit: 64 * KiB, protocol: 'rest-json', service: 'iot-jobs-data', countRequest: countRequests(ctx) });
  installAuditHooks(app, 'device', auditDeps(ctx));
  installAuthentication(app, { credentials: ctx.accessKeys, clock: ctx.clock });
  registerDeviceApi(app, ctx);
  return app;
}

/** The object store devices download from. Bodies stream; only XML bodies are buffered. */
function s3App(ctx: AppContext): FastifyInstance {
  const app = createHttpsApp({ name: 's3', tls: tlsFor(ctx, false), logger: ctx.logger, clock: ctx.clock, bodyLimit: 1024 * KiB, protocol: 'rest-xml', service: 's3', streamBodies: true, countRequest: countRequests(ctx) });
  installAuditHooks(app, 's3', auditDeps(ctx));
  registerS3Api(app, ctx);
  return app;
}

/** Every answer says which node gave it, so a balancer's spread can be seen (and tests can prove a request crossed nodes). */
function nameTheNode(app: FastifyInstance, ctx: AppContext): FastifyInstance {
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('x-ferry-node', ctx.cluster.nodeName);
  });
  return app;
}

async function listen(app: FastifyInstance, ctx: AppContext, port: number, requestCert: boolean): Promise<number> {
  const server = app.server as unknown as TlsServer;
  if (ctx.ticketKeys) routeByTicketKey(server, { ...tlsFor(ctx, requestCert), ...SHARED_TLS }, ctx.ticketKeys, ctx.logger);
  acceptProxyProtocol(server, ctx.options.trustedProxies, ctx.logger);
  await app.listen({ host: ctx.options.host, port });
  return (app.server.address() as AddressInfo).port;
}

/** Binds the four listeners; on any failure, closes what was opened. */
export async function startListeners(ctx: AppContext): Promise<Listeners> {
  const { host } = ctx.options;
  const apps: FastifyInstance[] = [];
  let up = false;
  const listenersUp = () => up;
  let mqtt: MqttListener | undefined;
  let metrics: MetricsListener | undefined;
  const closeAll = async () => {
    up = false;
    await Promise.all([...apps.map((a) => a.close()), mqtt?.close(), metrics?.close()]);
  };
  try {
    const api = nameTheNode(apiApp(ctx), ctx);
    registerHealthRoutes(api, ctx, listenersUp);
    apps.push(api);
    const device = nameTheNode(deviceApp(ctx), ctx);
    registerHealthRoutes(device, ctx, listenersUp);
    apps.push(device);
    const s3 = nameTheNode(s3App(ctx), ctx);
    apps.push(s3);
    const ports = {
      api: await listen(api, ctx, ctx.options.apiPort, false),
      device: await listen(device, ctx, ctx.options.devicePort, true),
      s3: await listen(s3, ctx, ctx.options.s3Port, false),
      mqtt: 0,
    };
    mqtt = await startMqttListener({ host, port: ctx.options.mqttPort, tls: tlsFor(ctx, true), logger: ctx.logger, ctx });
    ports.mqtt = mqtt.port;
    if (ctx.options.metricsAddress) metrics = await startMetricsListener(ctx, ctx.options.metricsAddress, listenersUp);
    up = true;
    const addresses: Record<string, string> = Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, `${host}:${port}`]));
    if (metrics) addresses.metrics = metrics.address;
    return { ports, addresses, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
