/**
 * What the nodes of one Ferry share beyond the database: the bus, presence,
 * the broker's emitter and session store, and singletons. In the embedded
 * mode (no Redis) the same interfaces are served in process.
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { newUuid } from '../ids.js';
import type { Store } from '../store/db.js';
import { InProcessBus, type ClusterBus } from './bus.js';
import { ClusterNodes } from './nodes.js';
import { connectRedis } from './redis.js';
import { RedisBus } from './redis-bus.js';
import { RedisEmitter } from './redis-emitter.js';
import { alwaysHeld, PgSingleton, type Singleton } from './singleton.js';
import { sessionPersistence } from './session-persistence.js';

export type { ClusterBus } from './bus.js';
export type { ClusterNode } from './nodes.js';
export type { Singleton } from './singleton.js';

export interface ClusterSettings {
  redisUrl?: string | undefined;
  databaseUrl?: string | undefined;
  pgSchema?: string | undefined;
  nodeName?: string | undefined;
  heartbeatMs: number;
  nodeTimeoutMs: number;
  changeWaitMs: number;
  leaseMs: number;
}

/** What the broker plugs into: aedes' `mq` and `persistence` for a cluster. */
export interface ClusterBroker {
  mq: RedisEmitter;
  persistence: object;
  /** aedes' heartbeatInterval: wills of a dead node fire within 3–7 of these. */
  heartbeatMs: number;
}

export interface Cluster {
  readonly nodeId: string;
  readonly nodeName: string;
  readonly clustered: boolean;
  readonly settings: ClusterSettings;
  readonly bus: ClusterBus;
  readonly nodes: ClusterNodes;
  /** Undefined in the embedded mode (aedes' in-memory emitter and persistence). */
  readonly broker: ClusterBroker | undefined;
  /** Set by the broker: its connection count and what to do when a node dies. */
  hooks: { connections: () => number; nodeLost: (nodeId: string) => Promise<void>; rejoined: () => Promise<void> };
  singleton(name: string): Singleton;
  /** Redis answers (true without Redis). */
  redisReachable(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

let started = 0;

export async function startCluster(deps: {
  settings: ClusterSettings;
  store: Store;
  clock: Clock;
  logger: Logger;
  accountId: string;
  /** Told how long each bus publish took (metrics). */
  onBusLatency?: (kind: 'publish' | 'publish-and-wait', seconds: number) => void;
}): Promise<Cluster> {
  const { settings, store, clock } = deps;
  const logger = deps.logger.child({ component: 'cluster' });
  const nodeId = newUuid();
  started++;
  const nodeName = settings.nodeName ?? `${hostname()}:${process.pid}${started > 1 ? `#${started}` : ''}`;
  const hooks: Cluster['hooks'] = { connections: () => 0, nodeLost: async () => {}, rejoined: async () => {} };
  const nodes = new ClusterNodes({
    db: store.db,
    urgent: (query) => store.urgent(query),
    clock,
    logger,
    nodeId,
    nodeName,
    heartbeatMs: settings.heartbeatMs,
    nodeTimeoutMs: settings.nodeTimeoutMs,
    connections: () => hooks.connections(),
    onDead: (id) => hooks.nodeLost(id),
    onRejoined: () => hooks.rejoined(),
  });
  const singletons: Singleton[] = [];
  const singleton = (name: string): Singleton => {
    if (store.dialect !== 'postgres' || !settings.databaseUrl) return alwaysHeld;
    const s = new PgSingleton(settings.databaseUrl, settings.pgSchema, name, logger);
    singletons.push(s);
    return s;
  };
  if (!settings.redisUrl) {
    return {
      nodeId,
      nodeName,
      clustered: false,
      settings,
      bus: new InProcessBus(nodeId),
      nodes,
      broker: undefined,
      hooks,
      singleton,
      redisReachable: async () => true,
      close: async () => {
        await Promise.all(singletons.map((s) => s.close()));
      },
    };
  }
  // Several Ferrys may share one Redis: each keeps to the keys and channels of its account.
  const prefix = `ferry:${deps.accountId}:`;
  const pub = connectRedis(settings.redisUrl, { name: `ferry-${nodeName}-pub`, logger, offlineQueue: false });
  const sub = connectRedis(settings.redisUrl, { name: `ferry-${nodeName}-sub`, logger });
  const sessions = connectRedis(settings.redisUrl, { name: `ferry-${nodeName}-sessions`, logger, keyPrefix: prefix });
  const connections: Redis[] = [pub, sub, sessions];
  try {
    await Promise.all(connections.map((c) => c.connect()));
  } catch (error) {
    connections.forEach((c) => c.disconnect());
    throw new Error(`cannot reach Redis (${(error as Error).message}): a cluster node needs it at start`, { cause: error });
  }
  const bus = new RedisBus(nodeId, pub, sub, prefix, logger, () => clock.now(), deps.onBusLatency);
  await bus.start();
  const mq = new RedisEmitter({ nodeId, pub, sub, prefix, logger });
  return {
    nodeId,
    nodeName,
    clustered: true,
    settings,
    bus,
    nodes,
    broker: { mq, persistence: sessionPersistence(sessions), heartbeatMs: settings.heartbeatMs },
    hooks,
    singleton,
    redisReachable: async (timeoutMs) => {
      if (pub.status !== 'ready') return false;
      const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
      return Promise.race([pub.ping().then(() => true, () => false), timeout]);
    },
    close: async () => {
      await bus.close();
      await Promise.all(singletons.map((s) => s.close()));
      for (const c of connections) c.disconnect();
    },
  };
}
