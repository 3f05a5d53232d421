import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Store } from '../store/db.js';
import type { AccessKeys } from '../iam/access-keys.js';
import type { ServerOptions } from './config.js';
import type { DataDirPaths, PkiMaterial } from './data-dir.js';
import type { AdvertisedEndpoints } from './contract-files.js';
import type { DomainServices } from './services.js';
import type { Cluster } from '../cluster/index.js';
import type { FerryMetrics } from './metrics.js';
import type { TicketKeys } from '../cluster/ticket-keys.js';
import type { TlsContexts } from './tls-contexts.js';
import type { BrowserCertificate } from './browser-certificate.js';
import type { SharedServerCertificate } from './server-certificate.js';

/**
 * Everything a handler may reach, built once by the composition root.
 * `endpoints` is filled once every listener is bound (ports may be 0).
 */
export interface AppContext {
  options: ServerOptions;
  paths: DataDirPaths;
  clock: Clock;
  logger: Logger;
  store: Store;
  accountId: string;
  region: string;
  advertisedHost: string;
  pki: PkiMaterial;
  accessKeys: AccessKeys;
  endpoints: AdvertisedEndpoints;
  services: DomainServices;
  /** The bus, presence and singletons (served in process in the embedded mode). */
  cluster: Cluster;
  /** This node's counters, histograms and gauges (served when --metrics-address is set). */
  metrics: FerryMetrics;
  /** The session-ticket keys every node shares (PostgreSQL); absent: Node's own, per process. */
  ticketKeys?: TicketKeys;
  /** Every TLS listener, to serve a new server certificate without a restart. */
  tls: TlsContexts;
  /** PostgreSQL: the cluster's server certificate, followed and renewed (set once the listeners are up). */
  serverCertificate?: SharedServerCertificate;
  /** --tls-cert/--tls-key: what the api and s3 listeners serve instead of Ferry's certificate. */
  browserCertificate?: BrowserCertificate;
}
