/**
 * What the operator sets up before the fleet arrives, with the real SDKs:
 * the device policy, the thing group, the bucket and firmware, the role the
 * presigned links are signed as, and the publisher used for the fan-out test.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AttachPolicyCommand, CreateCertificateFromCsrCommand, CreatePolicyCommand, CreateThingGroupCommand } from '@aws-sdk/client-iot';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { createCertificateSigningRequest, generateKeyPair } from '../../src/pki/index.js';
import type { Clients } from './clients.js';
import type { FerryTarget } from './server.js';

/** Names of everything one run creates (a run id keeps runs against one server apart). */
export function benchNames(runId: string) {
  return {
    runId,
    thing: (i: number) => `bench-${runId}-${i}`,
    clientPrefix: `bench-${runId}-`,
    publisherClientId: `benchpub-${runId}`,
    devicePolicy: `bench-${runId}-device`,
    publisherPolicy: `bench-${runId}-publisher`,
    group: `bench-${runId}-fleet`,
    bucket: `bench-${runId}`,
    firmwareKey: 'firmware/bench.bin',
    role: `bench-${runId}-presign`,
    jobId: `bench-${runId}-firmware`,
    fanoutTopic: (thing: string) => `bench/${thing}`,
  };
}
export type BenchNames = ReturnType<typeof benchNames>;

export interface Firmware {
  bytes: Buffer;
  sha256: string;
}

export function makeFirmware(size: number): Firmware {
  const bytes = randomBytes(size);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

const arnOf = (t: FerryTarget) => (rest: string) => `arn:aws:iot:${t.endpoints.region}:${t.endpoints.accountId}:${rest}`;

/**
 * Each thing may connect under its bench client id and use its own Jobs
 * topics (DESIGN.md's story policy), plus receive on its own `bench/THING`
 * topic for the broker fan-out comparison.
 */
export function devicePolicy(t: FerryTarget, names: BenchNames): string {
  const arn = arnOf(t);
  const own = '${iot:Connection.Thing.ThingName}';
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: arn(`client/${names.clientPrefix}*`) },
      { Effect: 'Allow', Action: 'iot:Publish', Resource: arn(`topic/$aws/things/${own}/jobs/*`) },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [arn(`topicfilter/$aws/things/${own}/jobs/*`), arn(`topicfilter/bench/${own}`)] },
      { Effect: 'Allow', Action: 'iot:Receive', Resource: [arn(`topic/$aws/things/${own}/jobs/*`), arn(`topic/bench/${own}`)] },
    ],
  });
}

function publisherPolicy(t: FerryTarget, names: BenchNames): string {
  const arn = arnOf(t);
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: arn(`client/${names.publisherClientId}`) },
      { Effect: 'Allow', Action: 'iot:Publish', Resource: arn('topic/bench/*') },
    ],
  });
}

export interface Identity {
  certificatePem: string;
  privateKeyPem: string;
}

export interface Setup {
  groupArn: string;
  roleArn: string;
  publisher: Identity;
}

export async function setUp(t: FerryTarget, c: Clients, names: BenchNames, firmware: Firmware): Promise<Setup> {
  await c.iot.send(new CreatePolicyCommand({ policyName: names.devicePolicy, policyDocument: devicePolicy(t, names) }));
  await c.iot.send(new CreatePolicyCommand({ policyName: names.publisherPolicy, policyDocument: publisherPolicy(t, names) }));
  const group = await c.iot.send(new CreateThingGroupCommand({ thingGroupName: names.group }));
  await c.s3.send(new CreateBucketCommand({ Bucket: names.bucket }));
  await c.s3.send(new PutObjectCommand({ Bucket: names.bucket, Key: names.firmwareKey, Body: firmware.bytes }));
  const role = await c.iam.send(
    new CreateRoleCommand({
      RoleName: names.role,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    }),
  );
  await c.iam.send(
    new PutRolePolicyCommand({
      RoleName: names.role,
      PolicyName: 'read-firmware',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${names.bucket}/*` }],
      }),
    }),
  );
  const publisher = await certificateFor(c, 'bench publisher');
  await c.iot.send(new AttachPolicyCommand({ policyName: names.publisherPolicy, target: publisher.certificateArn }));
  return { groupArn: group.thingGroupArn!, roleArn: role.Role!.Arn!, publisher };
}

/** An EC key made here and its CSR signed by CreateCertificateFromCsr, active. */
async function certificateFor(c: Clients, commonName: string): Promise<Identity & { certificateArn: string }> {
  const pair = await generateKeyPair('ec');
  const csr = await createCertificateSigningRequest({ ...pair, commonName });
  const out = await c.iot.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: csr, setAsActive: true }));
  return { certificatePem: out.certificatePem!, privateKeyPem: pair.privateKeyPem, certificateArn: out.certificateArn! };
}
