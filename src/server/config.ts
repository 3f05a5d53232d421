import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { isIP } from 'node:net';

/** `ferry server` flags (DESIGN.md "The server contract"). */
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
  /** Accept S3 Signature Version 2 (`--sigv2 on|off`), as S3 and MinIO still do. */
  sigv2: boolean;
}

export const DEFAULT_OPTIONS: ServerOptions = {
  dataDir: './ferry-data',
  host: '0.0.0.0',
  publicHosts: [],
  apiPort: 9443,
  devicePort: 8443,
  s3Port: 9000,
  mqttPort: 8883,
  region: 'us-east-1',
  sigv2: true,
};

export function withDefaults(partial: Partial<ServerOptions>): ServerOptions {
  const merged = { ...DEFAULT_OPTIONS, ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) } as ServerOptions;
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
