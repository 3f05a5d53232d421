import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Store } from '../store/db.js';
import { Registry } from './registry.js';

/** Builds the registry from what the composition root has (see server/services.ts). */
export function createRegistry(deps: {
  store: Store;
  clock: Clock;
  logger: Logger;
  accountId: string;
  region: string;
  pki: { caCertPem: string; caKeyPem: string };
}): Registry {
  return new Registry({
    db: deps.store.db,
    dialect: deps.store.dialect,
    clock: deps.clock,
    accountId: deps.accountId,
    region: deps.region,
    ca: { certificatePem: deps.pki.caCertPem, privateKeyPem: deps.pki.caKeyPem },
    onFeedError: (error, event) => deps.logger.error({ err: error, event }, 'a registry change listener failed'),
  });
}
