/**
 * The device agent, put together: the way to the Jobs service (the MQTT
 * connection and Jobs MQTT client, the HTTPS data plane and its poller, or
 * both with fallback), the job loop, and the tools handlers use (downloads,
 * uploads with role credentials, hooks). `startAgent` is what `ferry agent`
 * runs; a device maker calls it with their own operations.
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
import { FallbackJobs } from './fallback-jobs.js';
import { HttpsJobsClient } from './https-jobs-client.js';
import type { JobsApi } from './jobs-api.js';
import { JobLoop } from './job-loop.js';
import { JobsClient } from './jobs-client.js';
import { OutcomeJournal } from './journal.js';
import { mqttUrlOf, type Kit } from './kit.js';
import { watchKit, type KitCredentials } from './kit-watch.js';
import { realDir } from './paths.js';
import { Poller, type Timer } from './poller.js';
import type { ProgressRate } from './reporter.js';
import type { AgentTools, Operation } from './types.js';
import { Uploader } from './upload.js';

/**
 * How the agent reaches the Jobs service: 'mqtt' (the Jobs MQTT API, told of
 * work by notify-next), 'https' (the Jobs HTTPS data plane, polling: for a
 * device with no MQTT), 'auto' (MQTT, and HTTPS while the broker cannot be reached).
 */
export const TRANSPORTS = ['mqtt', 'https', 'auto'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export interface AgentOptions {
  thingName: string;
  /** Default: the thing name. */
  clientId?: string;
  /** Default 'mqtt'. */
  transport?: Transport;
  /** `mqtts://host:port`, or `host[:port]`. Required unless the transport is 'https'. */
  mqttEndpoint?: string;
  /** The Jobs HTTPS data plane's `https://host:port`. Required for 'https' and 'auto'. */
  jobsEndpoint?: string;
  /** How often to ask for work over HTTPS. Default 60 s; never under 5 s. */
  pollIntervalMs?: number;
  /** The poller's timer (tests drive it). */
  pollTimer?: Timer;
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
  /** Allow-listed post-download hooks and handlers (none by default). */
  hooks?: HookSpec[];
  /** A folder whose executables are allow-listed handlers, by file name (the Device Client's handler directory). */
  handlerDir?: string;
  /** Users a Device Client step's runAsUser may name (none by default). */
  runAsUsers?: string[];
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
  /**
   * The kit folder the credentials came from: watched, and when its
   * certificate, key or root CA change the agent re-reads them and reconnects.
   */
  kitDir?: string;
  clock?: Clock;
  logger?: Logger;
}

export interface RunningAgent {
  loop: JobLoop;
  /** The MQTT connection ('mqtt' and 'auto'). */
  connection?: Connection;
  /** What the job loop talks to. */
  jobs: JobsApi;
  /** The HTTPS data plane client and its poller ('https' and 'auto'). */
  https?: { client: HttpsJobsClient; poller: Poller };
  /** Uses a new certificate and key from now on: MQTT reconnects with them, HTTPS requests present them. */
  renew(credentials: KitCredentials): Promise<void>;
  /** Stops: the running job is interrupted (its partial download kept), the connection closed. */
  stop(): Promise<void>;
}

/** Agent options from a connection kit; `overrides` win. */
export function agentOptionsFromKit(kit: Kit, overrides: Partial<AgentOptions> & { dir: string }): AgentOptions {
  const c = kit.config;
  return {
    thingName: c.thingName,
    ...(c.clientId ? { clientId: c.clientId } : {}),
    ...(c.endpoints.mqtt ? { mqttEndpoint: c.endpoints.mqtt } : {}),
    ...(c.endpoints.iotJobsData ? { jobsEndpoint: c.endpoints.iotJobsData } : {}),
    ...(c.transport ? { transport: c.transport } : {}),
    ...(c.pollIntervalSec !== undefined ? { pollIntervalMs: c.pollIntervalSec * 1000 } : {}),
    certPem: kit.certPem,
    keyPem: kit.keyPem,
    caPem: kit.caPem,
    kitDir: kit.dir,
    ...(c.region ? { region: c.region } : {}),
    ...(c.roleAlias ? { roleAlias: c.roleAlias } : {}),
    ...(c.endpoints.credentialProvider ? { credentialsEndpoint: c.endpoints.credentialProvider } : {}),
    ...(c.endpoints.s3 ? { s3Endpoint: c.endpoints.s3 } : {}),
    ...overrides,
  };
}

export function createTools(options: AgentOptions, dir: string, log: Logger): { tools: AgentTools; credentials?: CertificateCredentials; close(): void } {
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
  const hooks = new Hooks(options.hooks ?? [], {
    env: { FERRY_THING_NAME: options.thingName, FERRY_DIR: dir },
    ...(options.handlerDir !== undefined ? { handlerDir: options.handlerDir } : {}),
    ...(options.runAsUsers ? { runAsUsers: options.runAsUsers } : {}),
  });
  return {
    tools: { download, upload, hooks },
    ...(credentials ? { credentials } : {}),
    close: () => {
      upload.close();
      httpsAgent.destroy();
    },
  };
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const transport = options.transport ?? 'mqtt';
  if (!TRANSPORTS.includes(transport)) throw new Error(`the transport must be mqtt, https or auto, not ${String(transport)}`);
  if (transport !== 'https' && !options.mqttEndpoint) throw new Error(`the ${transport} transport needs the MQTT endpoint`);
  if (transport !== 'mqtt' && !options.jobsEndpoint) throw new Error(`the ${transport} transport needs the Jobs HTTPS endpoint (iotJobsData)`);
  const log = options.logger ?? pino({ level: 'silent' });
  mkdirSync(options.dir, { recursive: true });
  const dir = realDir(options.dir);
  const { tools, credentials, close } = createTools(options, dir, log);
  const connection = transport === 'https' ? undefined : mqttConnection(options, log);
  const mqttJobs = connection && new JobsClient(connection, options.thingName, options.requestTimeoutMs);
  const httpsJobs =
    transport === 'mqtt'
      ? undefined
      : new HttpsJobsClient({
          endpoint: options.jobsEndpoint!,
          thingName: options.thingName,
          certPem: options.certPem,
          keyPem: options.keyPem,
          ca: [...rootCertificates, options.caPem],
          ...(options.requestTimeoutMs ? { timeoutMs: options.requestTimeoutMs } : {}),
        });
  const jobs: JobsApi = mqttJobs && httpsJobs ? new FallbackJobs(mqttJobs, httpsJobs, () => connection!.online) : (mqttJobs ?? httpsJobs)!;
  const stepTimeoutMinutes = options.stepTimeoutMinutes ?? 10;
  const loop = new JobLoop({
    jobs,
    operations: options.operations ?? defaultOperations(),
    dir,
    tools,
    journal: new OutcomeJournal(dir),
    // Over MQTT the loop asks again itself; over HTTPS the poller paces every retry.
    isOnline: () => connection?.online ?? false,
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
  const poller =
    httpsJobs &&
    new Poller({
      ...(options.pollIntervalMs !== undefined ? { intervalMs: options.pollIntervalMs } : {}),
      ...(options.pollTimer ? { timer: options.pollTimer } : {}),
      poll: () => pollOnce(loop, jobs, httpsJobs),
      onWait: (ms, afterFailure) => log.debug({ waitMs: ms, afterFailure }, 'next Jobs poll over HTTPS'),
    });
  if (connection) {
    connection.on('online', () => {
      void poller?.stop();
      mqttJobs!
        .subscribe()
        .then((refused) => {
          if (refused.length) log.warn({ refused }, 'the broker refused some Jobs subscriptions; answers still arrive, notifications may not');
        })
        .catch((e: Error) => log.warn({ err: e.message }, 'subscribing to the Jobs topics failed'))
        // Ask for work after every connect: jobs never depend on broker state.
        .finally(() => void loop.wake());
    });
    if (poller) {
      connection.on('down', () => {
        if (connection.online) return;
        log.info('the broker cannot be reached: asking for jobs over HTTPS until it can');
        poller.start();
      });
    }
    connection.start();
  } else {
    poller!.start();
  }
  const renew = async (c: KitCredentials) => {
    credentials?.renew(c);
    httpsJobs?.renew({ certPem: c.certPem, keyPem: c.keyPem, ca: [...rootCertificates, c.caPem] });
    await connection?.renew(c);
  };
  const kitWatch = options.kitDir === undefined ? undefined : watchKit({ dir: options.kitDir, current: options, onChange: renew, log: log.child({ part: 'kit' }) });
  return {
    loop,
    ...(connection ? { connection } : {}),
    jobs,
    ...(httpsJobs && poller ? { https: { client: httpsJobs, poller } } : {}),
    renew,
    stop: async () => {
      kitWatch?.close();
      await poller?.stop();
      await loop.stop();
      await connection?.stop();
      httpsJobs?.close();
      close();
    },
  };
}

function mqttConnection(options: AgentOptions, log: Logger): Connection {
  return new Connection({
    url: mqttUrlOf(options.mqttEndpoint!),
    clientId: options.clientId ?? options.thingName,
    certPem: options.certPem,
    keyPem: options.keyPem,
    caPem: options.caPem,
    ...(options.keepaliveSec ? { keepaliveSec: options.keepaliveSec } : {}),
    ...(options.reconnect ? { backoff: options.reconnect } : {}),
    log: log.child({ part: 'mqtt' }),
  });
}

/**
 * One poll over HTTPS. Idle: ask for work (start-next). Busy: there is no
 * notify-next over HTTPS, so look at `$next` and let the loop judge it as it
 * would a notify-next (a canceled job is noticed between progress reports).
 * True when the service was reached.
 */
async function pollOnce(loop: JobLoop, jobs: JobsApi, https: HttpsJobsClient): Promise<boolean> {
  if (loop.busy) {
    try {
      jobs.emit('notify-next', await https.describe('$next', { includeJobDocument: false }));
    } catch {
      // Judged by lastRequestFailed below; a refusal leaves the running job alone.
    }
  } else {
    await loop.wake();
  }
  return !https.lastRequestFailed;
}
