import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyListenOptions } from 'fastify';
import { createHttpsApp } from '../protocols/http/app.js';
import { installAuthentication } from '../api/authenticate.js';
import { registerIotApi } from '../api/iot/index.js';
import { registerQueryApi } from '../api/query/dispatch.js';
import { registerS3Api } from '../api/s3/index.js';
import { registerDeviceApi } from '../api/device/index.js';
import { registerClusterRoutes } from '../api/ferry/cluster.js';
import { registerRotationRoutes } from '../api/ferry/rotations.js';
import { registerAuditRoutes } from '../api/ferry/audit.js';
import { registerHistoryRoutes } from '../api/ferry/history.js';
import { registerRootKeyRoutes } from '../api/ferry/root-key.js';
import { registerConsole } from '../api/console/index.js';
import type { S3Address } from '../api/console/sdk.js';
import { registerHealthRoutes } from './health.js';
import { startMqttListener, type MqttListener } from '../mqtt/listener.js';
import { startMetricsListener, type MetricsListener } from './metrics-listener.js';
import type { AppContext } from './context.js';
import { acceptProxyProtocol } from '../protocols/proxy/accept.js';
import { routeByTicketKey } from './ticket-routing.js';
import { SHARED_TLS } from '../protocols/http/app.js';
import type { Server as TlsServer } from 'node:tls';
import { HTTPS_AND_MQTT_ALPN, routeMqttByAlpn } from '../mqtt/alpn.js';
import { serveMqttWebSocket } from '../mqtt/websocket.js';
import { installAuditHooks } from './audit-hooks.js';
import { inheritedSocketFailed, inheritedSockets, type InheritedSockets, type ListenerName } from './socket-activation.js';

const auditDeps = (ctx: AppContext) => ({ audit: ctx.services.audit, clock: ctx.clock, logger: ctx.logger });

export interface Listeners {
  ports: { api: number; device: number; s3: number; mqtt: number };
  /** Where each listener bound (host:port), as the cluster's node list shows it. */
  addresses: Record<string, string>;
  close(): Promise<void>;
}

const KiB = 1024;

function tlsFor(ctx: AppContext, requestCert: boolean, ALPNProtocols?: string[]) {
  return { key: ctx.pki.serverKeyPem, cert: ctx.pki.serverCertPem, ca: [ctx.pki.caCertPem], requestCert, ...(ALPNProtocols ? { ALPNProtocols } : {}) };
}

/** The api and s3 listeners: the operator's --tls-cert when given (browsers trust it), else Ferry's. */
function browserTlsFor(ctx: AppContext) {
  const own = ctx.browserCertificate?.current;
  return own ? { ...tlsFor(ctx, false), key: own.key, cert: own.cert } : tlsFor(ctx, false);
}

/** Each answered request into the node's metrics. */
const countRequests = (ctx: AppContext) => (listener: string, operation: string, status: number) => ctx.metrics.httpRequests.inc({ listener, operation, status: String(status) });

/** The operator's side: IoT control plane, IAM, STS and the web console. No client certificate asked. */
function apiApp(ctx: AppContext, s3Address: S3Address): FastifyInstance {
  const app = createHttpsApp({ name: 'api', tls: browserTlsFor(ctx), logger: ctx.logger, clock: ctx.clock, bodyLimit: 256 * KiB, protocol: 'rest-json', service: 'iot', countRequest: countRequests(ctx) });
  installAuditHooks(app, 'api', auditDeps(ctx));
  installAuthentication(app, { credentials: ctx.accessKeys, clock: ctx.clock });
  registerIotApi(app, ctx);
  registerQueryApi(app, ctx);
  registerClusterRoutes(app, ctx);
  registerRotationRoutes(app, ctx);
  registerAuditRoutes(app, ctx);
  registerHistoryRoutes(app, ctx);
  registerRootKeyRoutes(app, ctx);
  registerConsole(app, ctx, { s3Address });
  return app;
}

/**
 * The devices' HTTPS side: Jobs data plane and credentials provider. Asks for
 * a client certificate. Also MQTT, for clients offering ALPN `x-amzn-mqtt-ca`
 * (AWS's port 443), and MQTT over WebSocket at /mqtt.
 */
function deviceApp(ctx: AppContext): FastifyInstance {
  const app = createHttpsApp({ name: 'device', tls: tlsFor(ctx, true, HTTPS_AND_MQTT_ALPN), logger: ctx.logger, clock: ctx.clock, bodyLimit: 64 * KiB, protocol: 'rest-json', service: 'iot-jobs-data', countRequest: countRequests(ctx) });
  installAuditHooks(app, 'device', auditDeps(ctx));
  installAuthentication(app, { credentials: ctx.accessKeys, clock: ctx.clock });
  registerDeviceApi(app, ctx);
  return app;
}

/** The object store devices download from. Bodies stream; only XML bodies are buffered. */
function s3App(ctx: AppContext): FastifyInstance {
  const app = createHttpsApp({ name: 's3', tls: browserTlsFor(ctx), logger: ctx.logger, clock: ctx.clock, bodyLimit: 1024 * KiB, protocol: 'rest-xml', service: 's3', streamBodies: true, countRequest: countRequests(ctx) });
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

/** `fd`: a listening socket systemd passed (socket activation), used instead of binding `port`. */
async function listen(app: FastifyInstance, ctx: AppContext, at: { name: ListenerName; port: number; fd: number | undefined }, requestCert: boolean, mqtt?: () => MqttListener | undefined): Promise<number> {
  const server = app.server as unknown as TlsServer;
  // First: the other secureConnection listeners (PROXY protocol's) must run for MQTT sockets too.
  if (mqtt) routeMqttByAlpn(server, () => mqtt()?.broker);
  const alpn = mqtt ? HTTPS_AND_MQTT_ALPN : undefined;
  const browser = BROWSER_LISTENERS.has(at.name) && ctx.browserCertificate !== undefined;
  const options = { ...(browser ? browserTlsFor(ctx) : tlsFor(ctx, requestCert, alpn)), ...SHARED_TLS };
  const router = ctx.ticketKeys ? routeByTicketKey(server, options, ctx.ticketKeys, ctx.logger) : undefined;
  ctx.tls.add(server, options, router?.reload, browser ? 'browser' : 'ferry');
  acceptProxyProtocol(server, ctx.options.trustedProxies, ctx.logger);
  // fastify hands its options to server.listen, which takes an fd (its types do not say so). With an fd, node
  // ignores the host; any host but 'localhost' keeps fastify from binding ::1 besides.
  if (at.fd === undefined) await app.listen({ host: ctx.options.host, port: at.port });
  else {
    const inherited: FastifyListenOptions & { fd: number } = { fd: at.fd, host: INHERITED };
    await app.listen(inherited).catch((error: unknown) => {
      throw inheritedSocketFailed(at.name, at.fd!, error);
    });
  }
  return (app.server.address() as AddressInfo).port;
}

const INHERITED = 'inherited';
/** The listeners browsers and download clients reach; the device and MQTT ones keep Ferry's CA, which kits pin. */
const BROWSER_LISTENERS = new Set<ListenerName>(['api', 's3']);

/**
 * Binds the four listeners — or listens on the sockets systemd passed for them
 * (socket-activation.ts) — and on any failure closes what was opened.
 */
export async function startListeners(ctx: AppContext, sockets: InheritedSockets = inheritedSockets(process.env, process.pid)): Promise<Listeners> {
  const { host } = ctx.options;
  if (Object.keys(sockets).length > 0) ctx.logger.info({ sockets }, 'listening on the sockets systemd passed');
  const apps: FastifyInstance[] = [];
  let up = false;
  const listenersUp = () => up;
  let mqtt: MqttListener | undefined;
  let metrics: MetricsListener | undefined;
  const stops: Array<() => void> = [];
  const closeAll = async () => {
    up = false;
    stops.forEach((stop) => stop());
    await Promise.all([...apps.map((a) => a.close()), mqtt?.close(), metrics?.close()]);
  };
  try {
    // The console reaches this node's s3 listener over loopback, once it is bound.
    // (Where it is bound, not where it was asked to be: a socket passed by systemd says its own address.)
    let s3Bound = false;
    const s3Address: S3Address = () => {
      const at = s3Bound ? (s3.server.address() as AddressInfo | null) : null;
      return at ? { host: at.address, port: at.port } : undefined;
    };
    const api = nameTheNode(apiApp(ctx, s3Address), ctx);
    registerHealthRoutes(api, ctx, listenersUp);
    apps.push(api);
    const device = nameTheNode(deviceApp(ctx), ctx);
    registerHealthRoutes(device, ctx, listenersUp);
    apps.push(device);
    const s3 = nameTheNode(s3App(ctx), ctx);
    apps.push(s3);
    const ports = {
      api: await listen(api, ctx, { name: 'api', port: ctx.options.apiPort, fd: sockets.api }, false),
      device: await listen(device, ctx, { name: 'device', port: ctx.options.devicePort, fd: sockets.device }, true, () => mqtt),
      s3: await listen(s3, ctx, { name: 's3', port: ctx.options.s3Port, fd: sockets.s3 }, false),
      mqtt: 0,
    };
    s3Bound = true;
    mqtt = await startMqttListener({ host, port: ctx.options.mqttPort, fd: sockets.mqtt, tls: tlsFor(ctx, true), logger: ctx.logger, ctx });
    ports.mqtt = mqtt.port;
    // The console (api) and devices and apps (device, as AWS's data endpoint) reach the same broker at /mqtt.
    const broker = mqtt.broker;
    for (const [name, app] of [['api', api], ['device', device]] as const) {
      stops.push(serveMqttWebSocket(app.server, { broker, credentials: ctx.accessKeys, clock: ctx.clock, region: ctx.region, logger: ctx.logger, listener: name }));
    }
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
