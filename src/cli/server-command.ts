import { Command, InvalidArgumentError } from 'commander';
import { startServer } from '../server/server.js';
import { DEFAULT_OPTIONS, type ServerOptions } from '../server/config.js';
import { readConfigFile } from '../config/load.js';
import { optionsFromConfig } from '../config/options.js';

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('a port is an integer from 0 (any free port) to 65535');
  return n;
}

function onOff(value: string): boolean {
  if (value !== 'on' && value !== 'off') throw new InvalidArgumentError("'on' or 'off'");
  return value === 'on';
}

function days(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 36_500) throw new InvalidArgumentError('a number of days from 1 to 36500');
  return n;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** The flags as `ferry server` takes them; each overrides the configuration file's setting. */
interface ServerFlags {
  config?: string;
  dataDir?: string;
  host?: string;
  publicHost?: string[];
  apiPort?: number;
  devicePort?: number;
  s3Port?: number;
  mqttPort?: number;
  region?: string;
  databaseUrl?: string;
  redisUrl?: string;
  nodeName?: string;
  blobDir?: string;
  kekFile?: string;
  metricsAddress?: string;
  trustedProxy?: string[];
  tlsCert?: string;
  tlsKey?: string;
  sigv2?: boolean;
  auditFile?: string;
  auditRetentionDays?: number;
}

/** Flags over the file over the defaults. */
export function serverOptionsFrom(flags: ServerFlags): Partial<ServerOptions> {
  const fromFile = flags.config ? optionsFromConfig(readConfigFile(flags.config)) : {};
  const fromFlags: Partial<ServerOptions> = {
    dataDir: flags.dataDir,
    host: flags.host,
    publicHosts: flags.publicHost,
    apiPort: flags.apiPort,
    devicePort: flags.devicePort,
    s3Port: flags.s3Port,
    mqttPort: flags.mqttPort,
    region: flags.region,
    databaseUrl: flags.databaseUrl,
    redisUrl: flags.redisUrl,
    nodeName: flags.nodeName,
    blobDir: flags.blobDir,
    kekFile: flags.kekFile,
    metricsAddress: flags.metricsAddress,
    trustedProxies: flags.trustedProxy,
    tlsCertFile: flags.tlsCert,
    tlsKeyFile: flags.tlsKey,
    sigv2: flags.sigv2,
    auditFile: flags.auditFile,
    auditRetentionMs: flags.auditRetentionDays === undefined ? undefined : flags.auditRetentionDays * 24 * 3600_000,
  };
  const given = Object.fromEntries(Object.entries(fromFlags).filter(([, v]) => v !== undefined));
  return { ...fromFile, ...given };
}

const d = DEFAULT_OPTIONS;

/** `ferry server`: the flags of DESIGN.md's server contract. SIGTERM/SIGINT stop it cleanly with exit 0. */
export function serverCommand(): Command {
  return new Command('server')
    .description('run the Ferry server (api, device, s3 and mqtt listeners); flags override the --config file')
    .option('--config <file>', 'configuration file (.toml or .json; `ferry config defaults` prints every setting)')
    .option('--data-dir <dir>', `data directory (default ${d.dataDir})`)
    .option('--host <addr>', `address to listen on (default ${d.host})`)
    .option('--public-host <name>', 'host name clients use (repeatable; the first is advertised)', collect)
    .option('--api-port <n>', `IoT control plane, IAM, STS (HTTPS; default ${d.apiPort})`, port)
    .option('--device-port <n>', `Jobs data plane and credentials provider (HTTPS, client certificates; default ${d.devicePort})`, port)
    .option('--s3-port <n>', `S3 (HTTPS; default ${d.s3Port})`, port)
    .option('--mqtt-port <n>', `MQTT over TLS (client certificates; default ${d.mqttPort})`, port)
    .option('--region <r>', `AWS region to speak as (default ${d.region})`)
    .option('--database-url <url>', 'postgres://… (default: SQLite in the data dir)')
    .option('--sigv2 <on|off>', `accept S3 Signature Version 2 (AWSAccessKeyId/Signature/Expires URLs, Authorization: AWS; default ${d.sigv2 ? 'on' : 'off'})`, onOff)
    .option('--redis-url <url>', 'redis[s]://[user:password@]HOST:PORT[/DB]: run as a node of a cluster (needs --database-url)')
    .option('--node-name <name>', 'this node\'s name (default: host name and process id)')
    .option('--blob-dir <dir>', 'object store directory every node reaches (default DIR/objects)')
    .option('--kek-file <file>', 'key-encryption key for the CA key kept in the database (default DIR/pki/kek)')
    .option('--metrics-address <host:port>', 'serve /metrics, /healthz and /readyz over plain HTTP here (default off)')
    .option('--audit-file <file>', 'also append each audit event as a JSON line to this file (for a log shipper)')
    .option('--audit-retention-days <n>', `keep audit events this many days (default ${d.auditRetentionMs / 86_400_000})`, days)
    .option('--trusted-proxy <addr|cidr>', 'a balancer allowed to send PROXY protocol headers (repeatable)', collect)
    .option('--tls-cert <file>', 'PEM certificate chain the api and s3 listeners serve (e.g. one browsers trust); device and MQTT keep Ferry\'s CA; re-read on SIGHUP')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .action(async (flags: ServerFlags) => {
      const server = await startServer(serverOptionsFrom(flags));
      // SIGHUP: re-read --tls-cert/--tls-key (a renewal); a bad file keeps the served certificate.
      process.on('SIGHUP', () => void server.reloadTlsCertificate());
      const stop = (signal: string) => {
        server.ctx.logger.info({ signal }, 'stopping');
        server.close().then(
          () => process.exit(0),
          (error: unknown) => {
            server.ctx.logger.error({ err: error }, 'stop failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}
