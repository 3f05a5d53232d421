/**
 * The device agent, put together: MQTT connection, Jobs client, job loop,
 * and the tools handlers use (downloads, uploads with role credentials,
 * hooks). `startAgent` is what `ferry agent` runs; a device maker calls it
 * with their own operations.
 */
import { mkdirSync } from 'node:fs';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import pino, { type Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { BackoffOptions } from './backoff.js';
import { Connection } from './connection.js';
import { CertificateCredentials } from './credentials.js';
import { Downloader, type DownloadSettings } from './download.js';
import { defaultOperations } from './handlers/index.js';
import { Hooks, type HookSpec } from './hooks.js';
import { JobLoop } from './job-loop.js';
import { JobsClient } from './jobs-client.js';
import { OutcomeJournal } from './journal.js';
import { mqttUrlOf, type Kit } from './kit.js';
import { realDir } from './paths.js';
import type { ProgressRate } from './reporter.js';
import type { AgentTools, Operation } from './types.js';
import { Uploader } from './upload.js';

export interface AgentOptions {
  thingName: string;
  /** Default: the thing name. */
  clientId?: string;
  /** `mqtts://host:port`, or `host[:port]`. */
  mqttEndpoint: string;
  certPem: string;
  keyPem: string;
  /** The CA the endpoints chain to; downloads also trust the system roots. */
  caPem: string;
  /** The only folder the agent writes to (created if missing). */
  dir: string;
  region?: string;
  /** Uploads: the role alias and the credentials provider's `https://host:port`. */
  roleAlias?: string;
  credentialsEndpoint?: string;
  /** Uploads: S3's `https://host:port` (omitted: AWS's regional endpoint). */
  s3Endpoint?: string;
  /** Allow-listed post-download hooks (none by default). */
  hooks?: HookSpec[];
  /** The operations, in the order tried. Default defaultOperations(); put yours first. */
  operations?: Operation[];
  /** Sent with start-next and every progress update; 0 sends none. Default 10. */
  stepTimeoutMinutes?: number;
  /** Heartbeat period; default a third of the step timeout. */
  heartbeatMs?: number;
  progress?: ProgressRate;
  /** MQTT reconnection back-off (default 1 s doubling to 2 min, full jitter). */
  reconnect?: BackoffOptions;
  /** Back-off for Jobs requests and the final status. */
  retry?: BackoffOptions;
  download?: Omit<DownloadSettings, 'agent' | 'log'>;
  /** Time to wait for a Jobs answer. Default 30 s. */
  requestTimeoutMs?: number;
  keepaliveSec?: number;
  clock?: Clock;
  logger?: Logger;
}

export interface RunningAgent {
  loop: JobLoop;
  connection: Connection;
  jobs: JobsClient;
  /** Stops: the running job is interrupted (its partial download kept), the connection closed. */
  stop(): Promise<void>;
}

/** Agent options from a connection kit; `overrides` win. */
export function agentOptionsFromKit(kit: Kit, overrides: Partial<AgentOptions> & { dir: string }): AgentOptions {
  const c = kit.config;
  return {
    thingName: c.thingName,
    ...(c.clientId ? { clientId: c.clientId } : {}),
    mqttEndpoint: c.endpoints.mqtt,
    certPem: kit.certPem,
    keyPem: kit.keyPem,
    caPem: kit.caPem,
    ...(c.region ? { region: c.region } : {}),
    ...(c.roleAlias ? { roleAlias: c.roleAlias } : {}),
    ...(c.endpoints.credentialProvider ? { credentialsEndpoint: c.endpoints.credentialProvider } : {}),
    ...(c.endpoints.s3 ? { s3Endpoint: c.endpoints.s3 } : {}),
    ...overrides,
  };
}

export function createTools(options: AgentOptions, dir: string, log: Logger): { tools: AgentTools; close(): void } {
  const httpsAgent = new https.Agent({ ca: [...rootCertificates, options.caPem], keepAlive: true });
  const credentials =
    options.roleAlias && options.credentialsEndpoint
      ? new CertificateCredentials({
          endpoint: options.credentialsEndpoint,
          roleAlias: options.roleAlias,
          thingName: options.thingName,
          certPem: options.certPem,
          keyPem: options.keyPem,
          ca: [...rootCertificates, options.caPem],
          ...(options.clock ? { clock: options.clock } : {}),
        })
      : undefined;
  const upload = new Uploader({
    region: options.region ?? 'us-east-1',
    agent: httpsAgent,
    ...(options.s3Endpoint ? { s3Endpoint: options.s3Endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  });
  const download = new Downloader({ ...options.download, agent: httpsAgent, log: log.child({ part: 'download' }) });
  const hooks = new Hooks(options.hooks ?? [], { env: { FERRY_THING_NAME: options.thingName, FERRY_DIR: dir } });
  return {
    tools: { download, upload, hooks },
    close: () => {
      upload.close();
      httpsAgent.destroy();
    },
  };
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const log = options.logger ?? pino({ level: 'silent' });
  mkdirSync(options.dir, { recursive: true });
  const dir = realDir(options.dir);
  const { tools, close } = createTools(options, dir, log);
  const connection = new Connection({
    url: mqttUrlOf(options.mqttEndpoint),
    clientId: options.clientId ?? options.thingName,
    certPem: options.certPem,
    keyPem: options.keyPem,
    caPem: options.caPem,
    ...(options.keepaliveSec ? { keepaliveSec: options.keepaliveSec } : {}),
    ...(options.reconnect ? { backoff: options.reconnect } : {}),
    log: log.child({ part: 'mqtt' }),
  });
  const jobs = new JobsClient(connection, options.thingName, options.requestTimeoutMs);
  const stepTimeoutMinutes = options.stepTimeoutMinutes ?? 10;
  const loop = new JobLoop({
    jobs,
    operations: options.operations ?? defaultOperations(),
    dir,
    tools,
    journal: new OutcomeJournal(dir),
    isOnline: () => connection.online,
    reporter: {
      stepTimeoutMinutes,
      ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
      ...(options.progress ? { rate: options.progress } : {}),
      ...(options.retry ? { backoff: options.retry } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    },
    ...(options.retry ? { backoff: options.retry } : {}),
    log: log.child({ part: 'jobs' }),
  });
  connection.on('online', () => {
    jobs
      .subscribe()
      .then((refused) => {
        if (refused.length) log.warn({ refused }, 'the broker refused some Jobs subscriptions; answers still arrive, notifications may not');
      })
      .catch((e: Error) => log.warn({ err: e.message }, 'subscribing to the Jobs topics failed'))
      // Ask for work after every connect: jobs never depend on broker state.
      .finally(() => loop.wake());
  });
  connection.start();
  return {
    loop,
    connection,
    jobs,
    stop: async () => {
      await loop.stop();
      await connection.stop();
      close();
    },
  };
}
