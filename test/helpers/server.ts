import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import https from 'node:https';
import type { Logger } from 'pino';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { IoTClient } from '@aws-sdk/client-iot';
import { S3Client } from '@aws-sdk/client-s3';
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { AdjustableClock } from '../../src/clock.js';
import { DEFAULT_MQTT_LIMITS } from '../../src/mqtt/limits.js';
import { createLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import type { ServerOptions } from '../../src/server/config.js';
import type { EndpointsFile } from '../../src/server/contract-files.js';
import { pgTestSchema } from './postgres.js';
import { tempDir } from './temp.js';

export { tempDir };

/** A clock that stands still until a test moves it: for rate limits, where real time passing would refill a bucket. */
export class FrozenClock extends AdjustableClock {
  private at = Date.now();
  override now(): number {
    return this.at;
  }
  override advance(ms: number): void {
    this.at += ms;
  }
}

export interface TestServer {
  server: RunningServer;
  clock: AdjustableClock;
  dataDir: string;
  endpoints: EndpointsFile;
  ca: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** An https agent that trusts the server's CA. */
  agent: https.Agent;
  iot(): IoTClient;
  s3(): S3Client;
  iam(): IAMClient;
  sts(): STSClient;
  stop(): Promise<void>;
  /** Stops and removes the data dir (and the PostgreSQL schema). */
  close(): Promise<void>;
}

/** Test logs go nowhere unless FERRY_TEST_LOG names a level. */
export const testLogger = () => createLogger({ level: process.env.FERRY_TEST_LOG ?? 'silent' });

/** Waits until a logger has written everything to its destination (a file's writes are asynchronous). */
export const flushed = (logger: Logger): Promise<void> => new Promise((resolve, reject) => logger.flush((error) => (error ? reject(error) : resolve())));

/**
 * Starts a real server in this process on 127.0.0.1 with every port 0 and
 * an adjustable clock. `engine: 'postgres'` runs it on FERRY_TEST_PG_URL in a
 * fresh schema.
 */
export async function startTestServer(
  opts: Partial<ServerOptions> & {
    clock?: AdjustableClock;
    engine?: 'sqlite' | 'postgres';
    keepDataDir?: boolean;
    /** Reuse this PostgreSQL schema (and leave it in place) instead of making a fresh one. */
    pg?: { url: string; schema: string };
    /** The server's logger (default: silent unless FERRY_TEST_LOG). */
    logger?: Logger;
  } = {},
): Promise<TestServer> {
  const { clock = new AdjustableClock(), engine = 'sqlite', keepDataDir, pg: givenPg, logger = testLogger(), ...serverOpts } = opts;
  const dataDir = serverOpts.dataDir ?? tempDir();
  const pg = givenPg ? { ...givenPg, drop: async () => {} } : engine === 'postgres' ? await pgTestSchema() : undefined;
  // Tests reconnect one client id many times a second; AWS's 1 CONNECT a second per client id is tested on its own (test/mqtt/limits.test.ts).
  const mqtt = { ...DEFAULT_MQTT_LIMITS, connectsPerSecondPerClientId: 1000, ...serverOpts.mqtt };
  const server = await startServer(
    { host: '127.0.0.1', apiPort: 0, devicePort: 0, s3Port: 0, mqttPort: 0, ...serverOpts, mqtt, dataDir, ...(pg ? { databaseUrl: pg.url } : {}) },
    { clock, logger, ...(pg ? { pgSchema: pg.schema } : {}) },
  );
  const endpoints = JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8')) as EndpointsFile;
  const ca = readFileSync(endpoints.caFile, 'utf8');
  const agent = new https.Agent({ ca, keepAlive: true });
  const credentials = server.rootKey;
  const common = () => ({
    region: endpoints.region,
    // A copy: the SDK annotates the credentials object it is given.
    credentials: { ...credentials },
    requestHandler: new NodeHttpHandler({ httpsAgent: agent }),
    maxAttempts: 1,
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    agent.destroy();
    await server.close();
  };
  return {
    server,
    clock,
    dataDir,
    endpoints,
    ca,
    credentials,
    agent,
    iot: () => new IoTClient({ ...common(), endpoint: endpoints.endpoints.iot }),
    s3: () => new S3Client({ ...common(), endpoint: endpoints.endpoints.s3, forcePathStyle: true }),
    iam: () => new IAMClient({ ...common(), region: 'us-east-1', endpoint: endpoints.endpoints.iam }),
    sts: () => new STSClient({ ...common(), endpoint: endpoints.endpoints.iam }),
    stop,
    close: async () => {
      await stop();
      if (!keepDataDir) rmSync(dataDir, { recursive: true, force: true });
      await pg?.drop();
    },
  };
}
