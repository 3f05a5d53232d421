import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { dirname, join, resolve } from 'node:path';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { IoTClient } from '@aws-sdk/client-iot';
import { S3Client } from '@aws-sdk/client-s3';
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AdvertisedEndpoints, EndpointsFile } from '../server/contract-files.js';
import { checkJson } from './files.js';
import { parseIni } from './ini.js';
import { UsageError, type CliIo } from './io.js';
import type { ConnectionFlags } from './command.js';

/** What the CLI needs to know about a server, from endpoints.json or an AWS profile. */
export interface ServerInfo {
  region: string;
  /** Known from endpoints.json; otherwise asked from STS. */
  accountId?: string | undefined;
  /** PEM of the CA to trust; absent = the system's roots. */
  ca?: string | undefined;
  caFile?: string | undefined;
  endpoints: Partial<AdvertisedEndpoints> & { iot: string; iam: string; s3: string };
  credentials: AwsCredentialIdentityProvider;
  /** Where this came from, for messages. */
  source: string;
}

export const DEFAULT_DATA_DIR = './ferry-data';

/**
 * Which server to talk to: `--data-dir` wins; then `--profile`, AWS_PROFILE
 * or AWS_CONFIG_FILE (the files Ferry writes, or any profile with a
 * `services` section); then ./ferry-data.
 */
export function resolveServer(flags: ConnectionFlags, io: CliIo): ServerInfo {
  if (flags.dataDir) return fromDataDir(resolve(io.cwd, flags.dataDir));
  const profile = flags.profile ?? io.env.AWS_PROFILE;
  if (profile || io.env.AWS_CONFIG_FILE) return fromProfile(profile ?? 'default', io);
  return fromDataDir(resolve(io.cwd, DEFAULT_DATA_DIR));
}

export function readEndpointsFile(dataDir: string): EndpointsFile {
  const file = join(dataDir, 'endpoints.json');
  if (!existsSync(file)) {
    throw new UsageError(`no server found: ${file} does not exist (start one with \`ferry server --data-dir ${dataDir}\`, or pass --data-dir / --profile)`);
  }
  return checkJson(readFileSync(file, 'utf8'), file) as EndpointsFile;
}

export function fromDataDir(dataDir: string): ServerInfo {
  const file = readEndpointsFile(dataDir);
  return {
    region: file.region,
    accountId: file.accountId,
    ca: readFileSync(file.caFile, 'utf8'),
    caFile: file.caFile,
    endpoints: file.endpoints,
    credentials: fromIni({ profile: file.profile, filepath: file.credentialsFile, configFilepath: file.configFile }),
    source: join(dataDir, 'endpoints.json'),
  };
}

function fromProfile(profile: string, io: CliIo): ServerInfo {
  const home = io.env.HOME ?? '';
  const configFile = resolve(io.cwd, io.env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config'));
  const credentialsFile = resolve(io.cwd, io.env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials'));
  if (!existsSync(configFile)) throw new UsageError(`AWS config file ${configFile} does not exist`);
  const ini = parseIni(readFileSync(configFile, 'utf8'));
  const section = ini.get(profile === 'default' ? 'default' : `profile ${profile}`) ?? ini.get(profile);
  if (!section) throw new UsageError(`profile ${profile} is not in ${configFile} (Ferry writes profile "ferry": set AWS_PROFILE=ferry)`);
  const services = ini.get(`services ${section.get('services') ?? ''}`);
  const endpoint = (id: string) => services?.get(`${id}.endpoint_url`) ?? section.get('endpoint_url');
  const iot = endpoint('iot');
  const s3 = endpoint('s3');
  if (!iot || !s3) throw new UsageError(`profile ${profile} in ${configFile} names no endpoint for iot and s3 (a services section, as Ferry writes)`);
  const caFile = section.get('ca_bundle') ?? io.env.AWS_CA_BUNDLE;
  // Ferry keeps endpoints.json two levels above its config file: it adds the MQTT and device endpoints.
  const beside = join(dirname(dirname(configFile)), 'endpoints.json');
  const file = existsSync(beside) ? (JSON.parse(readFileSync(beside, 'utf8')) as EndpointsFile) : undefined;
  const same = file && resolve(file.configFile) === configFile;
  return {
    region: section.get('region') ?? io.env.AWS_REGION ?? 'us-east-1',
    accountId: same ? file.accountId : undefined,
    ca: caFile ? readFileSync(resolve(io.cwd, caFile), 'utf8') : undefined,
    caFile: caFile ? resolve(io.cwd, caFile) : undefined,
    endpoints: {
      ...(same ? file.endpoints : {}),
      iot,
      iam: endpoint('iam') ?? iot,
      s3,
      ...(endpoint('iot_jobs_data_plane') ? { iotJobsData: endpoint('iot_jobs_data_plane') } : {}),
    },
    credentials: fromIni({ profile, filepath: credentialsFile, configFilepath: configFile }),
    source: `profile ${profile} (${configFile})`,
  };
}

/**
 * The SDK clients for one run, made on first use and closed together. Every
 * client trusts the server's CA through one https.Agent; S3 is path-style
 * (Ferry's host names have no per-bucket DNS).
 */
export class Connection {
  readonly agent: https.Agent;
  private readonly clients: Array<{ destroy(): void }> = [];
  private cached: { iot?: IoTClient; s3?: S3Client; iam?: IAMClient; sts?: STSClient } = {};
  private account: string | undefined;

  constructor(readonly info: ServerInfo) {
    // The SDK warns on every run that its 2027 releases need Node 22: noise in a
    // CLI's output. Ferry's own engines field decides which Node it supports.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.agent = new https.Agent({ keepAlive: true, ...(info.ca ? { ca: info.ca } : {}) });
    this.account = info.accountId;
  }

  get region(): string {
    return this.info.region;
  }

  private common() {
    return { region: this.info.region, credentials: this.info.credentials, requestHandler: new NodeHttpHandler({ httpsAgent: this.agent }) };
  }

  private keep<T extends { destroy(): void }>(client: T): T {
    this.clients.push(client);
    return client;
  }

  iot(): IoTClient {
    return (this.cached.iot ??= this.keep(new IoTClient({ ...this.common(), endpoint: this.info.endpoints.iot })));
  }

  s3(): S3Client {
    return (this.cached.s3 ??= this.keep(new S3Client({ ...this.common(), endpoint: this.info.endpoints.s3, forcePathStyle: true })));
  }

  iam(): IAMClient {
    // IAM is global: its signing scope is us-east-1 whatever the server's region.
    return (this.cached.iam ??= this.keep(new IAMClient({ ...this.common(), region: 'us-east-1', endpoint: this.info.endpoints.iam })));
  }

  sts(): STSClient {
    return (this.cached.sts ??= this.keep(new STSClient({ ...this.common(), endpoint: this.info.endpoints.iam })));
  }

  async accountId(): Promise<string> {
    if (!this.account) {
      const me = await this.sts().send(new GetCallerIdentityCommand({}));
      if (!me.Account) throw new Error('STS GetCallerIdentity answered no account id');
      this.account = me.Account;
    }
    return this.account;
  }

  close(): void {
    for (const client of this.clients) client.destroy();
    this.agent.destroy();
  }
}

/** Opens a connection for a verb, runs `body`, and closes it whatever happens. */
export async function withServer<T>(flags: ConnectionFlags, io: CliIo, body: (conn: Connection) => Promise<T>): Promise<T> {
  const conn = new Connection(resolveServer(flags, io));
  try {
    return await body(conn);
  } finally {
    conn.close();
  }
}
