import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import { createLogger } from '../log.js';
import { newAccountId } from '../ids.js';
import { dialectOf, openStore, type Store } from '../store/db.js';
import type { Database } from '../store/schema.js';
import { writeCertificateFile } from '../pki/index.js';
import { getOrCreateSetting } from '../store/settings.js';
import { AccessKeys } from '../iam/access-keys.js';
import { advertisedHost, serverCertificateNames, urlHost, withDefaults, type ServerOptions } from './config.js';
import { dataDirPaths, loadOrCreatePki, type DataDirPaths, type PkiMaterial } from './data-dir.js';
import { loadOrCreateSharedPki } from './shared-pki.js';
import { SharedServerCertificate } from './server-certificate.js';
import { TlsContexts } from './tls-contexts.js';
import { BrowserCertificate, browserCertificateFiles } from './browser-certificate.js';
import { lockDataDir } from './data-dir-lock.js';
import { endpointsFor, writeContractFiles, type EndpointsFile } from './contract-files.js';
import { createDomainServices, stopDomainServices, type DomainServices } from './services.js';
import { startListeners } from './listeners.js';
import { followRootKeyRotations } from './root-key.js';
import type { AppContext } from './context.js';
import { FerryMetrics } from './metrics.js';
import { TicketKeys } from '../cluster/ticket-keys.js';
import { createKek, readKek, type Kek } from '../pki/kek.js';
import { secretBox, type SecretBox } from '../iam/secrets.js';
import { KekMismatchError } from './shared-pki.js';
import { getSetting, putSetting } from '../store/settings.js';
import { startCluster, type Cluster, type ClusterSettings } from '../cluster/index.js';

export interface RunningServer {
  ctx: AppContext;
  endpointsFile: EndpointsFile;
  rootKey: { accessKeyId: string; secretAccessKey: string };
  /** Where each listener bound (host:port): api, device, s3, mqtt, and metrics when served. */
  addresses: Record<string, string>;
  /** Stop accepting, finish what is in flight, stop background work, close the database. */
  close(): Promise<void>;
  /** SIGHUP: re-read --tls-cert/--tls-key; false when unset, unchanged or unusable (the served one is kept). */
  reloadTlsCertificate(): boolean;
}

export interface StartDeps {
  clock?: Clock;
  logger?: Logger;
  /** PostgreSQL schema (tests use a fresh one per run). */
  pgSchema?: string;
}

/** The composition root: data dir, database, PKI, domain services, listeners, contract files. */
export async function startServer(partial: Partial<ServerOptions>, deps: StartDeps = {}): Promise<RunningServer> {
  const options = withDefaults(partial);
  refuseIncompleteCluster(options);
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger();
  const paths = dataDirPaths(options.dataDir);
  mkdirSync(paths.root, { recursive: true, mode: 0o700 });
  const unlockDataDir = lockDataDir(paths.root);

  let identity: Identity | undefined;
  let store: Store;
  const metrics = new FerryMetrics();
  try {
    store = await openStore({
      onQuery: (ms) => metrics.databaseSeconds.observe(ms / 1000),
      databaseUrl: options.databaseUrl,
      sqlitePath: paths.sqlite,
      ...(deps.pgSchema ? { pgSchema: deps.pgSchema } : {}),
      initialise: async (db) => {
        identity = await loadIdentity(db, options, paths, clock.now());
      },
    });
  } catch (error) {
    unlockDataDir();
    throw error;
  }
  let cluster: Cluster | undefined;
  let ticketKeys: TicketKeys | undefined;
  let serverCertificate: SharedServerCertificate | undefined;
  let domain: DomainServices | undefined;
  try {
    const { accountId, rootKey, pki, kek, secrets } = identity!;
    // Several nodes on one database share their session-ticket keys (SQLite: one process, Node's own keys).
    if (kek) {
      ticketKeys = new TicketKeys({ db: store.db, kek, clock, rotationMs: options.ticketKeyRotationMs, logger: logger.child({ component: 'tls' }) });
      await ticketKeys.refresh();
      ticketKeys.start();
    }
    const accessKeys = new AccessKeys(store.db, accountId, secrets);
    const host = advertisedHost(options);
    const running = await startCluster({
      settings: clusterSettings(options, deps.pgSchema),
      store,
      clock,
      logger,
      accountId,
      onBusLatency: (kind, seconds) => metrics.busSeconds.observe({ kind }, seconds),
    });
    metrics.nameNode(running.nodeName);
    const services = await createDomainServices({ store, clock, logger, accountId, region: options.region, paths, pki, secrets, options, cluster: running, metrics });
    domain = services;
    cluster = running;
    const ctx: AppContext = {
      options,
      paths,
      clock,
      logger,
      store,
      accountId,
      region: options.region,
      advertisedHost: host,
      pki,
      accessKeys,
      endpoints: endpointsFor(urlHost(host), { api: 0, device: 0, s3: 0, mqtt: 0 }),
      services,
      cluster: running,
      metrics,
      ...(ticketKeys ? { ticketKeys } : {}),
      tls: new TlsContexts(),
    };
    metrics.readFrom({
      connections: () => running.hooks.connections(),
      jobsByStatus: () => services.jobs.countByStatus('jobs'),
      executionsByStatus: () => services.jobs.countByStatus('executions'),
    });
    const browserFiles = browserCertificateFiles(options);
    if (browserFiles) ctx.browserCertificate = BrowserCertificate.load(browserFiles, { tls: ctx.tls, logger: logger.child({ component: 'tls' }), caCertPem: pki.caCertPem, bundleFile: paths.caBundle });
    const listeners = await startListeners(ctx);
    // PostgreSQL: the server certificate is the cluster's; a replacement made by any node is served by every node.
    if (kek) {
      serverCertificate = new SharedServerCertificate({ db: store.db, kek, bus: running.bus, clock, logger: logger.child({ component: 'tls' }), pki, tls: ctx.tls, names: serverCertificateNames(options) });
      serverCertificate.start();
      ctx.serverCertificate = serverCertificate;
      if (identity!.reissued) await serverCertificate.announce().catch((e: unknown) => logger.warn({ err: e }, 'tls: telling the other nodes of the new server certificate failed'));
    }
    await running.nodes.start(listeners.addresses);
    ctx.endpoints = endpointsFor(urlHost(host), advertisedPorts(options, listeners.ports));
    const endpointsFile = writeContractFiles(paths, { region: options.region, accountId, endpoints: ctx.endpoints, ...rootKey }, browserFiles ? paths.caBundle : paths.caCert);
    const stopFollowingRootKey = followRootKeyRotations(ctx);
    logger.info({ endpoints: ctx.endpoints, dataDir: paths.root }, 'ferry server ready');
    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        await listeners.close();
        stopFollowingRootKey();
        ticketKeys?.stop();
        serverCertificate?.stop();
        await running.nodes.stop().catch((error: unknown) => logger.warn({ err: error }, 'leaving the cluster failed'));
        await stopDomainServices(services);
        await running.close();
        await store.close();
        unlockDataDir();
      })());
    const reloadTlsCertificate = () => ctx.browserCertificate?.reload() ?? false;
    return { ctx, endpointsFile, rootKey, addresses: listeners.addresses, close, reloadTlsCertificate };
  } catch (error) {
    ticketKeys?.stop();
    serverCertificate?.stop();
    // Services may have work in flight (the event history's batched writes): stopped before the database closes.
    if (domain) await stopDomainServices(domain).catch((e: unknown) => logger.warn({ err: e }, 'stopping the services after a failed start failed'));
    await cluster?.close();
    await store.close();
    unlockDataDir();
    throw error;
  }
}

function clusterSettings(options: ServerOptions, pgSchema: string | undefined): ClusterSettings {
  return { redisUrl: options.redisUrl, databaseUrl: options.databaseUrl, pgSchema, nodeName: options.nodeName, ...options.cluster };
}

interface Identity {
  accountId: string;
  rootKey: { accessKeyId: string; secretAccessKey: string };
  pki: PkiMaterial;
  /** PostgreSQL only: the key-encryption key (the SQLite mode keeps its keys in DIR/pki). */
  kek?: Kek;
  /** Access-key secrets sealed under the KEK (both engines: SQLite's is DIR/pki/kek, mode 0600). */
  secrets: SecretBox;
  /** This start replaced the cluster's server certificate: the other nodes must be told. */
  reissued?: boolean;
}

/**
 * Who this Ferry is — account id, root key, CA, server certificate — made by
 * the first start on a database and the same for every later start and every
 * node. SQLite keeps the CA in DIR/pki; PostgreSQL keeps it in the database
 * (its private keys sealed under the key-encryption key file), so every node
 * sharing the database is one Ferry.
 */
async function loadIdentity(db: Kysely<Database>, options: ServerOptions, paths: DataDirPaths, nowMs: number): Promise<Identity> {
  const accountId = await getOrCreateSetting(db, 'account-id', newAccountId);
  const names = serverCertificateNames(options);
  const kekFile = options.kekFile ?? join(paths.pki, 'kek');
  if (dialectOf(options.databaseUrl) === 'sqlite') {
    const secrets = secretBox(await singleNodeKek(db, kekFile));
    const rootKey = await new AccessKeys(db, accountId, secrets).rootKey(nowMs);
    return { accountId, rootKey, pki: await loadOrCreatePki(paths, names, nowMs), secrets };
  }
  const { kek, reissued, ...pki } = await loadOrCreateSharedPki(db, { kekFile, names, nowMs, legacy: paths });
  const secrets = secretBox(kek);
  const rootKey = await new AccessKeys(db, accountId, secrets).rootKey(nowMs);
  // Clients read the CA from endpoints.json's caFile; the keys stay in the database.
  mkdirSync(paths.pki, { recursive: true, mode: 0o700 });
  writeCertificateFile(paths.caCert, pki.caCertPem);
  return { accountId, rootKey, pki, kek, secrets, reissued };
}

const SINGLE_NODE_KEK = 'iam.kek-fingerprint';

/**
 * A single node's KEK: a 0600 file in DIR/pki (or --kek-file), made on first
 * start; the database keeps its fingerprint so another file is named, not
 * failed on.
 */
async function singleNodeKek(db: Kysely<Database>, file: string): Promise<Kek> {
  const expected = await getSetting(db, SINGLE_NODE_KEK);
  const kek = readKek(file) ?? (expected === undefined ? createKek(file) : undefined);
  if (!kek) throw new KekMismatchError(`this database's access keys are sealed under the key-encryption key ${expected}, and the key-encryption key file ${file} does not exist`);
  if (expected === undefined) await putSetting(db, SINGLE_NODE_KEK, kek.fingerprint);
  else if (expected !== kek.fingerprint) throw new KekMismatchError(`the key-encryption key file ${file} holds the key ${kek.fingerprint}, but this database's access keys are sealed under ${expected}`);
  return kek;
}

/** The ports clients are told: a balancer's where configured, else the ones bound. */
function advertisedPorts(options: ServerOptions, bound: Record<'api' | 'device' | 's3' | 'mqtt', number>) {
  const a = options.advertisedPorts;
  return { api: a.api || bound.api, device: a.device || bound.device, s3: a.s3 || bound.s3, mqtt: a.mqtt || bound.mqtt };
}

/** A cluster shares its state in PostgreSQL: Redis alone cannot make one. */
function refuseIncompleteCluster(options: ServerOptions): void {
  if (options.redisUrl && dialectOf(options.databaseUrl) !== 'postgres') {
    throw new Error(
      '--redis-url needs --database-url postgres://…: the nodes of a cluster keep all their state in one PostgreSQL database, ' +
        'fan out over Redis, and share the object store (--blob-dir); SQLite serves a single node',
    );
  }
}
