import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CancelJobExecutionCommand,
  CreateJobCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateRoleAliasCommand,
  CreateThingCommand,
  DescribeJobExecutionCommand,
} from '@aws-sdk/client-iot';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { startAgent, type AgentOptions, type RunningAgent } from '../../src/agent/agent.js';
import { KIT_DEFAULT_FILES, writeKit, type KitConfig } from '../../src/agent/kit.js';
import type { JobExecution, JobOutcome } from '../../src/agent/types.js';
import { testLogger, tempDir, type TestServer } from '../helpers/server.js';

const folders: string[] = [];

/** A temporary folder removed by removeScratch() (call it in after()). */
export function scratch(prefix = 'ferry-agent-'): string {
  const dir = tempDir(prefix);
  folders.push(dir);
  return dir;
}

export function removeScratch(): void {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface Device {
  thingName: string;
  certificateArn: string;
  kitDir: string;
  certPem: string;
  keyPem: string;
  /** A fresh folder for the agent's --dir. */
  dir: string;
}

/** The story's device policy (DESIGN.md) bound to the connection's thing, plus AssumeRoleWithCertificate on the fleet's alias. */
export function devicePolicy(s: TestServer, roleAlias = 'device-alias'): string {
  const arn = (rest: string) => `arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:${rest}`;
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:AssumeRoleWithCertificate', Resource: arn(`rolealias/${roleAlias}`) },
      { Effect: 'Allow', Action: 'iot:Connect', Resource: arn('client/${iot:Connection.Thing.ThingName}') },
      { Effect: 'Allow', Action: 'iot:Publish', Resource: arn('topic/$aws/things/${iot:Connection.Thing.ThingName}/jobs/*') },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: arn('topicfilter/$aws/things/${iot:Connection.Thing.ThingName}/jobs/*') },
      { Effect: 'Allow', Action: 'iot:Receive', Resource: arn('topic/$aws/things/${iot:Connection.Thing.ThingName}/jobs/*') },
    ],
  });
}

const trust = (service: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
const allow = (actions: string[], resources: string[]) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: resources }] });

export interface Fleet {
  bucket: string;
  /** The role the jobs service signs links as (trusts iot.amazonaws.com, may read the bucket). */
  signerArn: string;
}

/**
 * The fleet's shared setup: the device policy; a role behind `device-alias`
 * (trusting the credentials provider) that may write `bucket/logs/*` and
 * nothing else; a role the jobs service signs download links as.
 */
export async function setupFleet(s: TestServer, bucket: string): Promise<Fleet> {
  const iot = s.iot();
  const iam = s.iam();
  await iot.send(new CreatePolicyCommand({ policyName: 'device-policy', policyDocument: devicePolicy(s) }));
  const role = await iam.send(new CreateRoleCommand({ RoleName: 'device-role', AssumeRolePolicyDocument: trust('credentials.iot.amazonaws.com') }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'device-role', PolicyName: 'logs', PolicyDocument: allow(['s3:PutObject'], [`arn:aws:s3:::${bucket}/logs/*`]) }));
  await iot.send(new CreateRoleAliasCommand({ roleAlias: 'device-alias', roleArn: role.Role!.Arn!, credentialDurationSeconds: 900 }));
  const signer = await iam.send(new CreateRoleCommand({ RoleName: 'jobs-signer', AssumeRolePolicyDocument: trust('iot.amazonaws.com') }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'jobs-signer', PolicyName: 'read', PolicyDocument: allow(['s3:GetObject'], [`arn:aws:s3:::${bucket}/*`]) }));
  return { bucket, signerArn: signer.Role!.Arn! };
}

/** A thing with its certificate, the device policy, and a connection kit on disk. */
export async function createDevice(s: TestServer, thingName: string): Promise<Device> {
  const iot = s.iot();
  await iot.send(new CreateThingCommand({ thingName }));
  const made = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await iot.send(new AttachPolicyCommand({ policyName: 'device-policy', target: made.certificateArn! }));
  await iot.send(new AttachThingPrincipalCommand({ thingName, principal: made.certificateArn! }));
  const root = scratch();
  const kitDir = join(root, 'kit');
  const config: KitConfig = {
    kitVersion: 1,
    thingName,
    region: s.endpoints.region,
    roleAlias: 'device-alias',
    endpoints: { mqtt: s.endpoints.endpoints.mqtt, credentialProvider: s.endpoints.endpoints.credentialProvider, s3: s.endpoints.endpoints.s3, iotJobsData: s.endpoints.endpoints.iotJobsData },
    ...KIT_DEFAULT_FILES,
  };
  writeKit(kitDir, { config, certPem: made.certificatePem!, keyPem: made.keyPair!.PrivateKey!, caPem: s.ca });
  const dir = join(root, 'files');
  mkdirSync(dir);
  return { thingName, certificateArn: made.certificateArn!, kitDir, certPem: made.certificatePem!, keyPem: made.keyPair!.PrivateKey!, dir };
}

/**
 * Lets the device use the Jobs HTTPS data plane with its certificate: the four
 * actions on its own thing, named (thing policy variables do not resolve over HTTPS).
 */
export async function allowJobsOverHttps(s: TestServer, d: Device): Promise<void> {
  const iot = s.iot();
  const actions = ['GetPendingJobExecutions', 'StartNextPendingJobExecution', 'DescribeJobExecution', 'UpdateJobExecution'].map((a) => `iot:${a}`);
  const resource = `arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:thing/${d.thingName}`;
  await iot.send(new CreatePolicyCommand({ policyName: `${d.thingName}-jobs-https`, policyDocument: allow(actions, [resource]) }));
  await iot.send(new AttachPolicyCommand({ policyName: `${d.thingName}-jobs-https`, target: d.certificateArn }));
}

/** Resolves with the execution once the jobs engine announces that it ended (any protocol, no polling). */
export function executionEnded(s: TestServer, jobId: string, thingName: string): Promise<{ status: string; statusDetails: Record<string, string> }> {
  return new Promise((resolve) => {
    const stop = s.server.ctx.services.jobs.announceTo({
      pendingChanged: async () => {},
      jobEvent: async () => {},
      executionEvent: async (_operation, e) => {
        if (e.jobId !== jobId || e.thingName !== thingName) return;
        stop();
        resolve({ status: e.status, statusDetails: e.statusDetails });
      },
    });
  });
}

/** A port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** CreateJob for one thing, with presigned links signed as the fleet's signer. */
export async function createJob(s: TestServer, fleet: Fleet, jobId: string, thingName: string, document: object, expiresInSec = 3600): Promise<void> {
  await s.iot().send(
    new CreateJobCommand({
      jobId,
      targets: [`arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:thing/${thingName}`],
      document: JSON.stringify(document),
      presignedUrlConfig: { roleArn: fleet.signerArn, expiresInSec },
    }),
  );
}

/** The execution as the server keeps it (control-plane DescribeJobExecution). */
export async function execution(s: TestServer, jobId: string, thingName: string): Promise<{ status: string; details: Record<string, string> }> {
  const out = await s.iot().send(new DescribeJobExecutionCommand({ jobId, thingName }));
  return { status: out.execution?.status ?? 'UNKNOWN', details: out.execution?.statusDetails?.detailsMap ?? {} };
}

export const cancelExecution = (s: TestServer, jobId: string, thingName: string) =>
  s.iot().send(new CancelJobExecutionCommand({ jobId, thingName, force: true }));

/**
 * Watches the devices' Jobs requests on the server's device-messaging seam,
 * after the jobs engine has handled each (consumers run in order), so tests
 * can wait for "the device sent its final status" without polling.
 */
export class JobsObserver extends EventEmitter<{ request: [] }> {
  readonly requests: Array<{ thing: string; op: string; jobId?: string; payload: Record<string, unknown> }> = [];
  private readonly stopConsuming: () => void;

  constructor(s: TestServer) {
    super();
    this.stopConsuming = s.server.ctx.services.deviceMessaging.consume('$aws/things/+/jobs/#', (r) => {
      const m = /^\$aws\/things\/([^/]+)\/jobs\/(?:(start-next|get)|([^/]+)\/(get|update))$/.exec(r.topic);
      if (!m) return;
      let payload: Record<string, unknown> = {};
      try {
        payload = JSON.parse(r.payload.toString('utf8')) as Record<string, unknown>;
      } catch {
        /* recorded empty */
      }
      this.requests.push({ thing: m[1]!, op: m[2] ?? m[4]!, ...(m[3] ? { jobId: m[3] } : {}), payload });
      this.emit('request');
    });
  }

  updates(thing: string, jobId: string): Array<Record<string, unknown>> {
    return this.requests.filter((r) => r.thing === thing && r.jobId === jobId && r.op === 'update').map((r) => r.payload);
  }

  /** Resolves once `check` holds, checked after every request. */
  until(check: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const test = () => {
        if (!check()) return;
        this.off('request', test);
        resolve();
      };
      this.on('request', test);
      test();
    });
  }

  /** Resolves once the device has sent a final status for the job (and the engine has handled it). */
  untilFinal(thing: string, jobId: string): Promise<void> {
    return this.until(() => this.updates(thing, jobId).some((u) => u.status !== 'IN_PROGRESS'));
  }

  stop(): void {
    this.stopConsuming();
  }
}

/** The outcomes an in-process agent reported (and the service took), by job id. */
export function outcomes(agent: RunningAgent): { of(jobId: string): Promise<JobOutcome> } {
  const seen = new Map<string, JobOutcome>();
  const waiting = new Map<string, (o: JobOutcome) => void>();
  agent.loop.on('finished', (e: JobExecution, outcome: JobOutcome) => {
    seen.set(e.jobId, outcome);
    waiting.get(e.jobId)?.(outcome);
  });
  return {
    of: (jobId) => {
      const known = seen.get(jobId);
      return known ? Promise.resolve(known) : new Promise((resolve) => waiting.set(jobId, resolve));
    },
  };
}

/** Fast retries and no rate limit on progress: tests never wait for time to pass. */
export const fastSettings: Partial<AgentOptions> = {
  reconnect: { initialMs: 5, maxMs: 50 },
  retry: { initialMs: 5, maxMs: 50 },
  download: { backoff: { initialMs: 5, maxMs: 20 }, idleTimeoutMs: 20_000 },
  progress: { minIntervalMs: 0 },
  requestTimeoutMs: 10_000,
};

/** Runs the agent in this process with the device's kit material. */
export function runAgent(s: TestServer, d: Device, extra: Partial<AgentOptions> = {}): Promise<RunningAgent> {
  return startAgent({
    thingName: d.thingName,
    mqttEndpoint: s.endpoints.endpoints.mqtt,
    certPem: d.certPem,
    keyPem: d.keyPem,
    caPem: s.ca,
    dir: d.dir,
    region: s.endpoints.region,
    roleAlias: 'device-alias',
    credentialsEndpoint: s.endpoints.endpoints.credentialProvider,
    s3Endpoint: s.endpoints.endpoints.s3,
    logger: testLogger(),
    ...fastSettings,
    ...extra,
  });
}

/** The placeholder AWS documents use (aws-wire-protocols.md §5). */
export const s3Url = (bucket: string, key: string) => `\${aws:iot:s3-presigned-url:https://s3.amazonaws.com/${bucket}/${key}}`;

/** Points the links the jobs engine signs at `origin` (a throttling proxy in front of S3) until the returned function is called. */
export function linksVia(s: TestServer, origin: string): () => void {
  s.server.ctx.services.iam.useS3Endpoint(() => origin);
  return () => s.server.ctx.services.iam.useS3Endpoint(() => s.server.ctx.endpoints.s3);
}

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');

/** `ferry agent …args` as its own process, logging at info; its output collected. */
export function agentProcess(args: string[]): { child: ChildProcess; exited: Promise<number | string | null>; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'agent', ...args, '--log-level', 'info'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  return { child, exited, output: () => out };
}
