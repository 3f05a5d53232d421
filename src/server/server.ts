import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import { createLogger } from '../log.js';
import { newAccountId } from '../ids.js';
import { openStore, type Store } from '../store/db.js';
import { getOrCreateSetting } from '../store/settings.js';
import { AccessKeys } from '../iam/access-keys.js';
import { advertisedHost, serverCertificateNames, urlHost, withDefaults, type ServerOptions } from './config.js';
import { dataDirPaths, loadOrCreatePki } from './data-dir.js';
import { endpointsFor, writeContractFiles, type EndpointsFile } from './contract-files.js';
import { createDomainServices, stopDomainServices } from './services.js';
import { startListeners } from './listeners.js';
import type { AppContext } from './context.js';

export interface RunningServer {
  ctx: AppContext;
  endpointsFile: EndpointsFile;
  rootKey: { accessKeyId: string; secretAccessKey: string };
  /** Stop accepting, finish what is in flight, stop background work, close the database. */
  close(): Promise<void>;
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
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger();
  const paths = dataDirPaths(options.dataDir);
  mkdirSync(paths.root, { recursive: true, mode: 0o700 });

  const store: Store = await openStore({ databaseUrl: options.databaseUrl, sqlitePath: paths.sqlite, ...(deps.pgSchema ? { pgSchema: deps.pgSchema } : {}) });
  try {
    const accountId = await getOrCreateSetting(store.db, 'account-id', newAccountId);
    const accessKeys = new AccessKeys(store.db, accountId);
    const rootKey = await accessKeys.rootKey(clock.now());
    const pki = await loadOrCreatePki(paths, serverCertificateNames(options), clock.now());
    const host = advertisedHost(options);
    const services = await createDomainServices({ store, clock, logger, accountId, region: options.region, paths, pki });
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
    };
    const listeners = await startListeners(ctx);
    ctx.endpoints = endpointsFor(urlHost(host), listeners.ports);
    const endpointsFile = writeContractFiles(paths, { region: options.region, accountId, endpoints: ctx.endpoints, ...rootKey });
    logger.info({ endpoints: ctx.endpoints, dataDir: paths.root }, 'ferry server ready');
    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        await listeners.close();
        await stopDomainServices(services);
        await store.close();
      })());
    return { ctx, endpointsFile, rootKey, close };
  } catch (error) {
    await store.close();
    throw error;
  }
}
