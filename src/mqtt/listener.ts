import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { AppContext } from '../server/context.js';
import { createFerryBroker, type FerryBroker } from './broker.js';
import { registryAuthority } from './device-authority.js';
import { iamAuthority } from './iam-authority.js';
import { MqttArns } from './topics.js';
import { SessionRecords } from './session-records.js';
import { acceptProxyProtocol } from '../protocols/proxy/accept.js';
import { SHARED_TLS } from '../protocols/http/app.js';
import { routeByTicketKey } from '../server/ticket-routing.js';
import { inheritedSocketFailed } from '../server/socket-activation.js';
import { mqttRefusalEvent } from '../server/audit-hooks.js';
import { newRequestId } from '../ids.js';

export interface MqttListener {
  port: number;
  broker: FerryBroker;
  close(): Promise<void>;
}

/**
 * MQTT 3.1.1 over TLS, client certificate required. The handshake asks for a
 * certificate but does not judge it (`rejectUnauthorized: false`): a device
 * certificate may be registered without a CA, so whether it is acceptable is
 * the registry's decision at CONNECT (see authenticate.ts). TLS still proves the
 * device holds the certificate's private key.
 */
export async function startMqttListener(opts: {
  host: string;
  port: number;
  /** A listening socket systemd passed, used instead of binding host and port. */
  fd?: number | undefined;
  tls: { key: string; cert: string; ca: string[] };
  logger: Logger;
  ctx: AppContext;
}): Promise<MqttListener> {
  const { ctx } = opts;
  const broker = await createFerryBroker({
    authority: registryAuthority(ctx.services.registry),
    iamAuthority: iamAuthority({ decisions: ctx.services.iam.authorizer, keys: ctx.accessKeys, nowMs: () => ctx.clock.now() }),
    feed: ctx.services.registry.feed,
    messaging: ctx.services.deviceMessaging,
    connectivity: ctx.services.connectivity,
    deviceEvents: ctx.services.deviceEvents,
    arns: new MqttArns(ctx.region, ctx.accountId),
    clock: ctx.clock,
    logger: opts.logger,
    forgetStaleConnectivity: ctx.store.dialect === 'sqlite',
    nodeId: ctx.cluster.nodeId,
    onMessage: (direction) => ctx.metrics.mqttMessages.inc({ direction }),
    limits: ctx.options.mqtt,
    sessions: new SessionRecords(ctx.store.db),
    history: ctx.services.history,
    operatorRefused: (refusal) => {
      void ctx.services.audit
        .record(mqttRefusalEvent(refusal, newRequestId()))
        .catch((error: unknown) => opts.logger.error({ err: error }, 'recording the audit event failed'));
    },
    ...(ctx.cluster.broker ? { cluster: ctx.cluster.broker } : {}),
  });
  ctx.cluster.hooks.connections = () => broker.connections.size;
  ctx.cluster.hooks.nodeLost = async (nodeId) => {
    await broker.nodeLost(nodeId);
  };
  ctx.cluster.hooks.rejoined = async () => {
    opts.logger.warn({ connections: broker.rejoined() }, 'this node\'s open connections recorded connected again');
  };
  const stopResync = ctx.cluster.bus.onResync(() => broker.resync());
  const tlsOptions: tls.TlsOptions = { key: opts.tls.key, cert: opts.tls.cert, ca: opts.tls.ca, requestCert: true, ...SHARED_TLS, minVersion: 'TLSv1.2' };
  const server = tls.createServer(tlsOptions, (socket) => broker.handle(socket));
  const router = ctx.ticketKeys ? routeByTicketKey(server, tlsOptions, ctx.ticketKeys, opts.logger) : undefined;
  ctx.tls.add(server, tlsOptions, router?.reload);
  acceptProxyProtocol(server, ctx.options.trustedProxies, opts.logger);
  server.on('tlsClientError', (error) => opts.logger.debug({ err: error.message }, 'mqtt tls handshake failed'));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.fd === undefined ? { host: opts.host, port: opts.port } : { fd: opts.fd }, () => resolve());
    });
  } catch (error) {
    await broker.close();
    throw opts.fd === undefined ? error : inheritedSocketFailed('mqtt', opts.fd, error);
  }
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    broker,
    close: async () => {
      stopResync();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await broker.close();
      await closed;
    },
  };
}
