import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { Aedes, type AedesOptions } from 'aedes';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { ChangeFeed } from '../registry/index.js';
import { authenticate, preConnect } from './authenticate.js';
import { authorizeForward } from './authorize-forward.js';
import { authorizePublish } from './authorize-publish.js';
import { authorizeSubscribe, type AuthorizeSubscribeDeps } from './authorize-subscribe.js';
import { Connections, DeviceConnection } from './connections.js';
import { LocalEmitter } from './local-emitter.js';
import type { ConnectivityStore } from './connectivity.js';
import type { DeviceAuthority } from './device-authority.js';
import type { IamAuthority, SignedPrincipal } from './iam-authority.js';
import { encodePayload, type BrokerPort, type DeviceConnectionInfo, type DeviceMessagingHub, type OutboundMessage } from './device-messaging.js';
import { DEFAULT_MQTT_LIMITS, DRAIN_TIMEOUT_MS, MAX_CLIENT_ID_BYTES, MAX_QUEUED_PER_SESSION, maxPacketBytes, type MqttLimits } from './limits.js';
import { ConnectRate } from './connect-rate.js';
import { throttleInbound } from './inbound-throttle.js';
import { SubscriptionEvents } from './subscription-events.js';
import { durableSessions, restoreSessions } from './durable-sessions.js';
import { SessionExpiry } from './session-expiry.js';
import type { SessionRecords } from './session-records.js';
import { followRegistryChanges, recompileAll } from './live-changes.js';
import { closeGracefullyOnDestroy } from './graceful-close.js';
import { KeyedQueue } from './keyed-queue.js';
import { guardPackets } from './packet-guard.js';
import { Presence } from './presence.js';
import type { DeviceEvents } from './device-events.js';
import { NO_HISTORY, type HistorySink } from '../history/events.js';
import { sessionStore } from './session-store.js';
import { expireSignedConnections } from './websocket-ttl.js';
import type { MqttArns } from './topics.js';
import type { ClusterBroker } from '../cluster/index.js';

export interface FerryBrokerDeps {
  authority: DeviceAuthority;
  /** Judges SigV4-signed WebSocket connections by IAM policies; without it they are refused. */
  iamAuthority?: IamAuthority;
  /** The registry's change feed; without it, changes take effect at the next CONNECT only. */
  feed?: Pick<ChangeFeed, 'on'>;
  messaging: DeviceMessagingHub;
  connectivity: ConnectivityStore;
  arns: MqttArns;
  clock: Clock;
  logger: Logger;
  /**
   * Mark every connection recorded as open as lost at start: right for one
   * node (the embedded mode), where nothing survives a restart.
   */
  forgetStaleConnectivity?: boolean;
  /** This node's id: the broker's, and the one its connections are recorded under. */
  nodeId?: string;
  /** A cluster's emitter and session store (aedes' in-memory ones without). */
  cluster?: ClusterBroker;
  /**
   * Persistent sessions' records: their expiry always, and without a cluster
   * their subscriptions and queues (durable across restarts). Absent: sessions
   * live in memory and never expire (unit tests).
   */
  sessions?: SessionRecords;
  /** AWS's per-connection limits (defaults: AWS IoT Core's). */
  limits?: MqttLimits;
  /** Told of each PUBLISH from a client (in) and to one (out), for metrics. */
  onMessage?: (direction: 'in' | 'out') => void;
  /** Told what the broker sees of each connection (the console's checklist watches it). */
  deviceEvents?: DeviceEvents;
  /** The event history: connections, their ends, refused CONNECTs and subscriptions. */
  history?: HistorySink;
  /** An operator's (SigV4) subscription its IAM policies refused: the audit log records it. */
  operatorRefused?: AuthorizeSubscribeDeps['operatorRefused'];
}

export interface FerryBroker {
  /**
   * Takes a socket that finished its TLS handshake: MQTT on the socket itself,
   * or on `over.stream` (a WebSocket on it), signed by `over.signer` if SigV4 was verified.
   */
  handle(socket: TLSSocket, over?: { stream: Duplex; signer?: SignedPrincipal }): void;
  readonly connections: Connections;
  /** Closes every connection (SERVER_INITIATED_DISCONNECT) and waits for their records. */
  close(): Promise<void>;
  /** Resolves every connection's identity again (after a gap in the cluster bus). */
  resync(): Promise<void>;
  /** Another node died: its devices' connections are recorded lost and announced (disconnected events). */
  nodeLost(nodeId: string): Promise<number>;
  /**
   * This node had been declared dead while alive, and a survivor recorded its connections lost:
   * each one still open is recorded and announced connected again. Returns how many.
   */
  rejoined(): number;
}

/** aedes with Ferry's authentication, authorization, limits, presence and messaging seam. */
export async function createFerryBroker(deps: FerryBrokerDeps): Promise<FerryBroker> {
  const connections = new Connections();
  const logger = deps.logger.child({ component: 'mqtt' });
  const limits = deps.limits ?? DEFAULT_MQTT_LIMITS;
  const publishAsService = (topic: string, payload: Buffer) => {
    if (broker.closed) return;
    deps.deviceEvents?.lifecycle(topic, payload, deps.clock.now());
    broker.publish({ cmd: 'publish', topic, payload, qos: 1, retain: false, dup: false }, () => {});
  };
  const events = new SubscriptionEvents({ publish: publishAsService, clock: deps.clock, history: deps.history ?? NO_HISTORY });
  const hookDeps = {
    ...deps,
    logger,
    connections,
    limits,
    refused: new WeakSet<object>(),
    overLimit: new WeakSet<object>(),
    connectRate: new ConnectRate(deps.clock, limits.connectsPerSecondPerClientId),
    connectFailed: (connection: DeviceConnection, reason: Parameters<SubscriptionEvents['connectFailed']>[1], message: string) => {
      deps.deviceEvents?.emit({ type: 'connect-refused', at: deps.clock.now(), clientId: connection.clientId, certificateId: connection.certificateId, reason: message });
      events.connectFailed(connection, reason);
    },
    isConsumed: (topic: string) => deps.messaging.isConsumed(topic),
  };
  if (deps.cluster) noteTakeoversElsewhere(deps.cluster.mq, connections, () => broker.id);
  const broker = await Aedes.createBroker({
    ...(deps.nodeId ? { id: deps.nodeId } : {}),
    // One node: the in-process emitter (aedes' stock mqemitter could overflow the stack draining a long queue).
    ...(deps.cluster ? { mq: deps.cluster.mq as never, persistence: deps.cluster.persistence as never, heartbeatInterval: deps.cluster.heartbeatMs } : { mq: new LocalEmitter() as never }),
    drainTimeout: DRAIN_TIMEOUT_MS,
    maxClientsIdLength: MAX_CLIENT_ID_BYTES,
    preConnect: expiringSessions(preConnect(hookDeps), connections, () => expiry),
    authenticate: authenticate(hookDeps),
    authorizePublish: authorizePublish(hookDeps),
    authorizeSubscribe: authorizeSubscribe(hookDeps),
    authorizeForward: countedForward(authorizeForward(hookDeps), deps.onMessage),
    published: consumeRequests(connections, deps.messaging, deps.deviceEvents && watchJobsRequests(deps.deviceEvents, deps.clock)),
  });
  // aedes makes its persistence in listen(); Ferry's session rules wrap it (see session-store.ts).
  const internals = broker as unknown as { persistence: object };
  if (deps.sessions && !deps.cluster) {
    const inMemory = internals.persistence;
    if (deps.forgetStaleConnectivity) await deps.sessions.allDisconnected(deps.clock.now());
    const restored = await restoreSessions(inMemory, deps.sessions);
    if (restored.sessions > 0) logger.info(restored, 'mqtt persistent sessions restored');
    internals.persistence = durableSessions(inMemory, deps.sessions, logger);
  }
  const expiry = deps.sessions
    ? new SessionExpiry({ records: deps.sessions, persistence: () => internals.persistence, clock: deps.clock, expirySeconds: limits.sessionExpirySeconds, logger })
    : undefined;
  internals.persistence = sessionStore(internals.persistence, {
    isOnline: (clientId) => connections.isOnline(clientId),
    isConsumed: hookDeps.isConsumed,
    refused: hookDeps.refused,
    maxQueued: MAX_QUEUED_PER_SESSION,
    logger,
  });
  const nodeId = broker.id;
  if (deps.forgetStaleConnectivity) await deps.connectivity.nodeStopped(undefined, 'CONNECTION_LOST', deps.clock.now());
  const presence = new Presence({
    publish: publishAsService,
    connectivity: deps.connectivity,
    clock: deps.clock,
    logger,
    nodeId,
    history: deps.history ?? NO_HISTORY,
  });
  const announced = new WeakSet<DeviceConnection>();
  const sessionWrites = new KeyedQueue(logger, 'mqtt session record failed');
  const ended = (connection: DeviceConnection | undefined) => {
    if (!connection || connection.closed) return;
    connections.remove(connection);
    if (!announced.has(connection)) return;
    presence.disconnected(connection);
    // A takeover's newer connection holds the session now: its expiry has not begun.
    if (expiry && !connections.latest(connection.clientId)) {
      const at = deps.clock.now();
      sessionWrites.run(connection.clientId, () => expiry.disconnected(connection.clientId, connection.clean, at));
    }
  };
  expiry?.start();
  broker.on('clientReady', (client) => {
    const connection = connections.of(client);
    if (!connection?.device) return;
    announced.add(connection);
    presence.connected(connection);
    if (expiry) sessionWrites.run(connection.clientId, () => expiry.connected(connection.clientId, connection.clean));
    if (connection.signer) return;
    const certificateId = connection.device.certificateId;
    deps.authority.connected?.(certificateId).catch((error: unknown) => logger.error({ err: error, certificateId }, 'noting the certificate\'s use failed'));
  });
  broker.on('clientDisconnect', (client) => ended(connections.of(client)));
  broker.on('subscribe', (subscriptions, client) => {
    const connection = connections.of(client);
    if (connection?.device) events.subscribed(connection, subscriptions);
  });
  broker.on('unsubscribe', (topics, client) => {
    const connection = connections.of(client);
    if (!connection?.device) return;
    for (const topic of topics) connection.subscriptions.delete(topic);
    events.unsubscribed(connection, topics);
  });
  if (deps.onMessage) {
    const onMessage = deps.onMessage;
    broker.on('publish', (_packet, client) => client && onMessage('in'));
  }
  broker.on('keepaliveTimeout', (client) => connections.of(client)?.noteDisconnect('MQTT_KEEP_ALIVE_TIMEOUT'));
  broker.on('clientError', (client, error) => connections.of(client)?.noteDisconnect(isNetworkError(error) ? 'CONNECTION_LOST' : 'CLIENT_ERROR'));
  broker.on('connectionError', (_client, error) => logger.debug({ err: error.message }, 'mqtt connection error before CONNECT'));

  const judges = { connections, authority: deps.authority, arns: deps.arns, ...(deps.iamAuthority ? { iamAuthority: deps.iamAuthority } : {}), logger };
  const stopFollowing = deps.feed ? followRegistryChanges({ feed: deps.feed, ...judges }) : () => {};
  const stopExpiring = expireSignedConnections({ connections, clock: deps.clock, logger });
  const detach = deps.messaging.attach(brokerPort(broker, connections, deps.onMessage));

  return {
    connections,
    nodeLost: (lostNodeId) => presence.nodeLost(lostNodeId),
    rejoined: () => {
      const open = connections.all().filter((connection) => announced.has(connection));
      for (const connection of open) presence.connected(connection);
      return open.length;
    },
    resync: () => recompileAll(judges),
    handle(socket, over) {
      // MQTT packets are small and often answer one another: send each at once, as Mosquitto does.
      socket.setNoDelay(true);
      const stream = over?.stream ?? socket;
      const client = broker.handle(stream);
      const connection = new DeviceConnection(client, sourceIp(socket), socket);
      if (deps.deviceEvents && !over?.signer) {
        const certificate = socket.getPeerX509Certificate?.();
        if (certificate) deps.deviceEvents.emit({ type: 'tls', at: deps.clock.now(), certificateId: certificate.fingerprint256.replaceAll(':', '').toLowerCase(), sourceIp: connection.sourceIp });
      }
      if (over?.signer) connection.signer = over.signer;
      connections.add(connection);
      guardPackets(
        client,
        {
          oversized: () => connection.noteDisconnect('CLIENT_ERROR'),
          disconnect: () => {
            connection.noteDisconnect('CLIENT_INITIATED_DISCONNECT');
            closeGracefullyOnDestroy(socket);
          },
        },
        maxPacketBytes(limits.maxPayloadBytes),
      );
      throttleInbound(client, limits, deps.clock, hookDeps.overLimit, {
        connected: () => connection.device !== undefined,
        discarded: (why, topic) => logger.info({ clientId: connection.clientId, topic, limit: why }, 'mqtt publish discarded: over the connection\'s rate'),
      });
      // A connection aedes never registered (closed during CONNECT) ends here.
      stream.once('close', () => setImmediate(() => ended(connection)));
    },
    async close() {
      expiry?.stop();
      stopFollowing();
      stopExpiring();
      detach();
      for (const connection of connections.all()) connection.noteDisconnect('SERVER_INITIATED_DISCONNECT');
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      for (const connection of connections.all()) ended(connection);
      await presence.settle();
      await sessionWrites.settle();
      await deps.connectivity.nodeStopped(nodeId, 'SERVER_INITIATED_DISCONNECT', deps.clock.now());
    },
  };
}

/**
 * The preConnect hook, first ending the client id's persistent session if it
 * expired, so aedes finds none (session present 0), and noting the CONNECT's
 * clean-session flag.
 */
function expiringSessions(inner: NonNullable<AedesOptions['preConnect']>, connections: Connections, expiry: () => SessionExpiry | undefined): NonNullable<AedesOptions['preConnect']> {
  return (client, packet, done) => {
    const connection = connections.of(client);
    if (connection) connection.clean = packet.clean !== false;
    const sessions = expiry();
    if (!sessions || packet.clean !== false || !packet.clientId) return inner(client, packet, done);
    sessions.beforeConnect(packet.clientId).then(
      () => inner(client, packet, done),
      (error: unknown) => done(error as Error, false),
    );
  };
}

/**
 * The `published` hook: hands authorized device requests on consumed topics to
 * the seam. aedes handles the packets of one socket read concurrently, so each
 * connection's requests are chained here: one at a time, in the order published.
 */
function consumeRequests(connections: Connections, messaging: DeviceMessagingHub, seen?: (request: { topic: string; connection: DeviceConnectionInfo }) => void): NonNullable<AedesOptions['published']> {
  const queues = new WeakMap<DeviceConnection, Promise<void>>();
  return (packet, client, done) => {
    const connection = connections.of(client);
    const device = connection?.device;
    if (!connection || !device || !messaging.isConsumed(packet.topic)) return done(null);
    const info = { clientId: connection.clientId, certificateId: device.certificateId, sessionId: connection.sessionId, ...(device.thingName ? { thingName: device.thingName } : {}) };
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const request = { topic: packet.topic, payload, qos: packet.qos > 0 ? (1 as const) : (0 as const), connection: info };
    // Told once handled, so a watcher that reads the request's effect finds it committed.
    const next = (queues.get(connection) ?? Promise.resolve()).then(() => messaging.dispatch(request)).finally(() => seen?.({ topic: packet.topic, connection: info }));
    queues.set(connection, next);
    next.then(
      () => done(null),
      () => done(null),
    );
  };
}

/** Jobs requests (`$aws/things/{thing}/jobs/…`) told to the device-event watchers. */
function watchJobsRequests(events: DeviceEvents, clock: Clock) {
  return (request: { topic: string; connection: DeviceConnectionInfo }) => {
    if (!/^\$aws\/things\/[^/]+\/jobs\//.test(request.topic)) return;
    const c = request.connection;
    events.emit({ type: 'jobs-request', at: clock.now(), clientId: c.clientId, thingName: c.thingName, certificateId: c.certificateId, topic: request.topic });
  };
}

/**
 * A CONNECT on another node with a client id connected here: aedes closes
 * this node's connection ([MQTT-3.1.4-2]); the lifecycle event must say why.
 * Registered on the emitter before aedes registers its own listener, so the
 * reason is noted before the connection closes.
 */
function noteTakeoversElsewhere(mq: ClusterBroker['mq'], connections: Connections, brokerId: () => string): void {
  mq.on('$SYS/+/new/clients', (packet, done) => {
    const from = packet.topic.split('/')[1];
    const clientId = String(packet.payload ?? '');
    if (from !== brokerId()) connections.latest(clientId)?.noteDisconnect('DUPLICATE_CLIENTID');
    done();
  });
}

/** The forward hook, counting what it lets through. */
function countedForward(forward: NonNullable<AedesOptions['authorizeForward']>, onMessage: FerryBrokerDeps['onMessage']): NonNullable<AedesOptions['authorizeForward']> {
  if (!onMessage) return forward;
  return (client, packet) => {
    const out = forward(client, packet);
    if (out) onMessage('out');
    return out;
  };
}

function brokerPort(broker: Aedes, connections: Connections, onMessage: FerryBrokerDeps['onMessage']): BrokerPort {
  const packetOf = (message: OutboundMessage) => ({
    cmd: 'publish' as const,
    topic: message.topic,
    payload: encodePayload(message.payload),
    qos: message.qos ?? 0,
    retain: false,
    dup: false,
  });
  return {
    publish: (message) =>
      new Promise((resolve, reject) => {
        if (broker.closed) return resolve();
        broker.publish(packetOf(message), (error) => (error ? reject(error) : resolve()));
      }),
    sendTo: (sessionId, message) =>
      new Promise((resolve) => {
        const connection = connections.bySessionId(sessionId);
        if (!connection || connection.closed || connection.client.closed) return resolve(false);
        connection.client.publish(packetOf(message), (error) => {
          if (!error) onMessage?.('out');
          resolve(!error);
        });
      }),
    isConnected: (clientId) => connections.isOnline(clientId),
  };
}

function sourceIp(socket: TLSSocket): string | undefined {
  const address = socket.remoteAddress;
  return address?.startsWith('::ffff:') ? address.slice(7) : address;
}

const isNetworkError = (error: Error): boolean => ['ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes((error as NodeJS.ErrnoException).code ?? '');
