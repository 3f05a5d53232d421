import type { Clock } from '../clock.js';
import type { Store } from '../store/db.js';
import type { Logger } from 'pino';
import type { DataDirPaths, PkiMaterial } from './data-dir.js';
import { createRegistry, type Registry } from '../registry/index.js';

/** What the domain services are built from. */
export interface ServiceDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  accountId: string;
  region: string;
  paths: DataDirPaths;
  pki: PkiMaterial;
}

/**
 * The protocol-free domain services, one per part of the product. Each part
 * adds its service here; adapters reach them through AppContext.services.
 */
export interface DomainServices {
  registry: Registry;
}

export async function createDomainServices(deps: ServiceDeps): Promise<DomainServices> {
  const registry = createRegistry(deps);
  return { registry };
}

/** Stops background work (timers, schedulers) before the database closes. */
export async function stopDomainServices(_services: DomainServices): Promise<void> {}
