import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { isIP } from 'node:net';
import { defaultOptions } from '../config/options.js';
import type { MqttLimits } from '../mqtt/limits.js';

/**
 * What `ferry server` runs with: flags over the configuration file over the
 * defaults (src/config/schema.ts documents each).
 */
export interface ServerOptions {
  dataDir: string;
  host: string;
  publicHosts: string[];
  apiPort: number;
  devicePort: number;
  s3Port: number;
  mqttPort: number;
  region: string;
  databaseUrl?: string | undefined;
  /** Set: this node is one of a cluster sharing the database and Redis. */
  redisUrl?: string | undefined;
  nodeName?: string | undefined;
  /** The object store's directory (every node of a cluster reaches it); default DIR/objects. */
  blobDir?: string | undefined;
  /** The key-encryption key protecting the CA key in the database; default DIR/pki/kek. */
  kekFile?: string | undefined;
  /** HOST:PORT of the plain-HTTP metrics and health listener; unset = off. */
  metricsAddress?: string | undefined;
  /** Balancers allowed to send a PROXY protocol header (addresses or CIDR blocks). */
  trustedProxies: string[];
  /** Ports clients are told, when a balancer's differ from the node's; 0 = the listening port. */
  advertisedPorts: { api: number; device: number; s3: number; mqtt: number };
  cluster: { heartbeatMs: number; nodeTimeoutMs: number; changeWaitMs: number; leaseMs: number };
  ticketKeyRotationMs: number;
  /** A certificate chain and key the api and s3 listeners serve instead of Ferry's (browser-certificate.ts); both or neither. */
  tlsCertFile?: string | undefined;
  tlsKeyFile?: string | undefined;
  abandonedUploadMs: number;
  jobsTickMs: number;
  /** The broker's per-connection limits and session expiry (`[mqtt]` in the configuration file). */
  mqtt: MqttLimits;
  /** The account's job concurrency quota: jobs rolling out at once (src/jobs/concurrency.ts). */
  maxConcurrentJobs: number;
  /** Audit events older than this are purged (default 90 days, as CloudTrail's event history). */
  auditRetentionMs: number;
  /** Also append each audit event as a JSON line to this file (for a log shipper); unset = off. */
  auditFile?: string | undefined;
  /** History events older than this are purged (default 30 days). */
  historyRetentionMs: number;
  /** Accept S3 Signature Version 2 (`--sigv2 on|off`), as S3 and MinIO still do. */
  sigv2: boolean;
}

export const DEFAULT_OPTIONS: ServerOptions = defaultOptions();

export function withDefaults(partial: Partial<ServerOptions>): ServerOptions {
  const given = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<ServerOptions>;
  const merged: ServerOptions = {
    ...DEFAULT_OPTIONS,
    ...given,
    advertisedPorts: { ...DEFAULT_OPTIONS.advertisedPorts, ...given.advertisedPorts },
    cluster: { ...DEFAULT_OPTIONS.cluster, ...given.cluster },
    mqtt: { ...DEFAULT_OPTIONS.mqtt, ...given.mqtt },
  };
  return { ...merged, dataDir: resolve(merged.dataDir) };
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

/**
 * The host in endpoints.json, DescribeEndpoint, connection kits and presigned
 * URLs: the first --public-host, else --host unless it is a wildcard, else localhost.
 */
export function advertisedHost(options: ServerOptions): string {
  if (options.publicHosts[0]) return options.publicHosts[0];
  if (!WILDCARDS.has(options.host)) return options.host;
  return 'localhost';
}

/** The server certificate's subject alternative names. `*.` of each name serves virtual-hosted S3. */
export function serverCertificateNames(options: ServerOptions): { dnsNames: string[]; ipAddresses: string[] } {
  const names = new Set(['localhost', '127.0.0.1', '::1', hostname(), ...options.publicHosts]);
  if (!WILDCARDS.has(options.host)) names.add(options.host);
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const name of names) {
    if (isIP(name)) ipAddresses.push(name);
    else dnsNames.push(name, `*.${name}`);
  }
  return { dnsNames: [...new Set(dnsNames)].sort(), ipAddresses: ipAddresses.sort() };
}

/** How a URL names a host: IPv6 addresses go in brackets. */
export const urlHost = (host: string): string => (isIP(host) === 6 ? `[${host}]` : host);
