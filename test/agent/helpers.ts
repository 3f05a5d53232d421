import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AttachPolicyCommand, AttachThingPrincipalCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, CreateRoleAliasCommand, CreateThingCommand } from '@aws-sdk/client-iot';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { startAgent, type AgentOptions, type RunningAgent } from '../../src/agent/agent.js';
import { KIT_DEFAULT_FILES, writeKit, type KitConfig } from '../../src/agent/kit.js';
import { testLogger, tempDir, type TestServer } from '../helpers/server.js';

export interface Device {
  thingName: string;
  kitDir: string;
  certPem: string;
  keyPem: string;
  /** A fresh folder for the agent's --dir. */
  dir: string;
}

/**
 * The story's device policy (DESIGN.md) for client ids starting with
 * `prefix`, plus AssumeRoleWithCertificate on `roleAlias`.
 */
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

/**
 * The fleet's shared setup: the device policy and a role (behind `device-alias`)
 * that may write `bucket/logs/*` and nothing else.
 */
export async function setupFleet(s: TestServer, bucket: string): Promise<void> {
  const iot = s.iot();
  const iam = s.iam();
  await iot.send(new CreatePolicyCommand({ policyName: 'device-policy', policyDocument: devicePolicy(s) }));
  const role = await iam.send(new CreateRoleCommand({ RoleName: 'device-role', AssumeRolePolicyDocument: trust('credentials.iot.amazonaws.com') }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'device-role', PolicyName: 'logs', PolicyDocument: allow(['s3:PutObject'], [`arn:aws:s3:::${bucket}/logs/*`]) }));
  await iot.send(new CreateRoleAliasCommand({ roleAlias: 'device-alias', roleArn: role.Role!.Arn!, credentialDurationSeconds: 900 }));
}

/** A thing with its certificate, the device policy, and a connection kit on disk. */
export async function createDevice(s: TestServer, thingName: string): Promise<Device> {
  const iot = s.iot();
  await iot.send(new CreateThingCommand({ thingName }));
  const made = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await iot.send(new AttachPolicyCommand({ policyName: 'device-policy', target: made.certificateArn! }));
  await iot.send(new AttachThingPrincipalCommand({ thingName, principal: made.certificateArn! }));
  const root = tempDir('ferry-agent-');
  const kitDir = join(root, 'kit');
  const config: KitConfig = {
    kitVersion: 1,
    thingName,
    region: s.endpoints.region,
    roleAlias: 'device-alias',
    endpoints: { mqtt: s.endpoints.endpoints.mqtt, credentialProvider: s.endpoints.endpoints.credentialProvider, s3: s.endpoints.endpoints.s3 },
    ...KIT_DEFAULT_FILES,
  };
  writeKit(kitDir, { config, certPem: made.certificatePem!, keyPem: made.keyPair!.PrivateKey!, caPem: s.ca });
  const dir = join(root, 'files');
  mkdirSync(dir);
  return { thingName, kitDir, certPem: made.certificatePem!, keyPem: made.keyPair!.PrivateKey!, dir };
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

export const s3Url = (bucket: string, key: string) => `\${aws:iot:s3-presigned-url:https://s3.amazonaws.com/${bucket}/${key}}`;
