import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateCertificateFromCsrCommand,
  CreateThingCommand,
  DeleteCertificateCommand,
  DeleteThingCommand,
  DescribeEndpointCommand,
  DescribeThingCommand,
  DetachThingPrincipalCommand,
  ListPrincipalThingsCommand,
  ListThingPrincipalsCommand,
  ListThingsCommand,
  UpdateCertificateCommand,
  type ThingAttribute,
} from '@aws-sdk/client-iot';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PendingRetirement, RotateCertificateResponse } from '../../api/ferry/rotations.js';
import { KIT_CONFIG_FILE } from '../../agent/kit.js';
import { createCertificateSigningRequest, generateKeyPair } from '../../pki/index.js';
import type { Connection } from '../client-config.js';
import { ferryRequest } from '../ferry-api.js';
import { UsageError } from '../io.js';
import { agentBundle, writeKit } from '../kit.js';
import { arnName } from '../arns.js';

export interface CreatedThing {
  thingName: string;
  thingArn: string;
  certificateId: string;
  certificateArn: string;
  policy?: string | undefined;
  kitDir?: string | undefined;
  /** With --rotate: the old certificates the server retires once the new one is used (or their grace ends). */
  retiring?: PendingRetirement[] | undefined;
  /** The PEMs, when no kit was asked for (the caller decides where they go). */
  certificatePem: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

export interface CreateThingInput {
  name: string;
  attributes?: Record<string, string> | undefined;
  /** An IoT policy to attach to the new certificate. */
  policy?: string | undefined;
  /** Write a connection kit here. */
  kitDir?: string | undefined;
  /** The role alias the kit's agent uses with the credentials provider (default: the kit's, when rewriting one). */
  roleAlias?: string | undefined;
  /** Replace the thing's certificate and its kit (refused without it when either exists). */
  rotate?: boolean | undefined;
  /** With rotate: how long the old certificate stays ACTIVE if the new one never connects. */
  graceSeconds?: number | undefined;
}

/** What a kit folder already holds, if anything. */
interface ExistingKit {
  dir: string;
  thingName?: string | undefined;
  roleAlias?: string | undefined;
}

function existingKit(dir: string): ExistingKit | undefined {
  const file = join(resolve(dir), KIT_CONFIG_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as { thingName?: unknown; roleAlias?: unknown };
    return { dir, thingName: typeof c.thingName === 'string' ? c.thingName : undefined, roleAlias: typeof c.roleAlias === 'string' ? c.roleAlias : undefined };
  } catch {
    return { dir };
  }
}

/** The thing's ARN and certificate ARNs, or undefined when there is no such thing. */
async function existingThing(conn: Connection, thingName: string): Promise<{ thingArn: string; certificates: string[] } | undefined> {
  let thingArn: string;
  try {
    thingArn = (await conn.iot().send(new DescribeThingCommand({ thingName }))).thingArn!;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
  return { thingArn, certificates: (await thingPrincipals(conn, thingName)).filter((p) => p.includes(':cert/')) };
}

/**
 * Over an existing certificate or kit, `thing create` would leave a second
 * ACTIVE certificate and overwrite the kit a running agent uses: refused,
 * naming both, unless --rotate. A kit of another thing is never overwritten.
 */
function refuseOverwrite(input: CreateThingInput, certificates: string[], kit: ExistingKit | undefined): void {
  if (kit?.thingName !== undefined && kit.thingName !== input.name) {
    throw new UsageError(`${kit.dir} holds the connection kit of thing ${kit.thingName}, not ${input.name}: nothing was changed; give another --kit folder`);
  }
  if (input.rotate || (certificates.length === 0 && !kit)) return;
  const has = certificates.length === 0 ? 'has no certificate' : `already has certificate ${certificates.map(arnName).join(', ')}`;
  const holds = kit ? `${kit.dir} already holds its connection kit` : `${input.kitDir ?? 'the kit folder'} holds no kit`;
  throw new UsageError(
    `thing ${input.name} ${has} and ${holds}: nothing was changed. Pass --rotate to issue a new certificate and rewrite the kit for you to deliver; ` +
      'the server keeps the old certificate ACTIVE until the new one first connects (or --grace runs out), then deactivates and detaches it.',
  );
}

/** A key made here (it never reaches the server) and its CSR, named for the thing: policies may use ${iot:Certificate.Subject.CommonName}. */
async function deviceKey(thingName: string) {
  const pair = await generateKeyPair('rsa-2048');
  const csr = await createCertificateSigningRequest({ ...pair, commonName: thingName });
  return { ...pair, csr };
}

/**
 * The story's step 1 and 2 for one device: the thing, a key made here and an
 * active certificate for it (its subject's common name the thing's name),
 * the certificate attached to the thing and, when named, the policy to the
 * certificate; then the connection kit. With `rotate` over a thing that has
 * a certificate, the server issues the new one and retires the old one once
 * the new one is used (src/registry/rotations.ts).
 */
export async function createThing(conn: Connection, input: CreateThingInput): Promise<CreatedThing> {
  // A kit needs the agent bundle: without it, fail before anything is created.
  if (input.kitDir) agentBundle();
  const iot = conn.iot();
  const existing = await existingThing(conn, input.name);
  const kit = input.kitDir ? existingKit(input.kitDir) : undefined;
  refuseOverwrite(input, existing?.certificates ?? [], kit);
  const key = await deviceKey(input.name);
  const thingArn =
    existing?.thingArn ??
    (await iot.send(new CreateThingCommand({ thingName: input.name, ...(input.attributes ? { attributePayload: { attributes: input.attributes } } : {}) }))).thingArn!;
  let issued: { certificateId: string; certificateArn: string; certificatePem: string; retiring?: PendingRetirement[] };
  if (input.rotate && existing && existing.certificates.length > 0) {
    issued = await ferryRequest<RotateCertificateResponse>(conn, 'POST', `/ferry/things/${encodeURIComponent(input.name)}/certificate-rotations`, {
      certificateSigningRequest: key.csr,
      ...(input.graceSeconds !== undefined ? { graceSeconds: input.graceSeconds } : {}),
      ...(input.policy ? { policyNames: [input.policy] } : {}),
    });
  } else {
    const cert = await iot.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: key.csr, setAsActive: true }));
    issued = { certificateId: cert.certificateId!, certificateArn: cert.certificateArn!, certificatePem: cert.certificatePem! };
    await iot.send(new AttachThingPrincipalCommand({ thingName: input.name, principal: issued.certificateArn }));
    if (input.policy) await iot.send(new AttachPolicyCommand({ policyName: input.policy, target: issued.certificateArn }));
  }
  const created: CreatedThing = {
    thingName: input.name,
    thingArn,
    certificateId: issued.certificateId,
    certificateArn: issued.certificateArn,
    policy: input.policy,
    ...(issued.retiring ? { retiring: issued.retiring } : {}),
    certificatePem: issued.certificatePem,
    privateKeyPem: key.privateKeyPem,
    publicKeyPem: key.publicKeyPem,
  };
  if (input.kitDir) {
    const written = writeKit(input.kitDir, {
      thingName: created.thingName,
      certificateId: created.certificateId,
      region: conn.region,
      endpoints: await deviceEndpoints(conn),
      roleAlias: input.roleAlias ?? kit?.roleAlias,
      certificatePem: created.certificatePem,
      privateKeyPem: created.privateKeyPem,
      publicKeyPem: created.publicKeyPem,
      rootCaPem: conn.info.ca ?? '',
    });
    created.kitDir = written.dir;
  }
  return created;
}

/**
 * The endpoints a device uses. endpoints.json has them all; a bare AWS
 * profile only knows the control plane, so ask DescribeEndpoint for the host
 * and assume Ferry's default ports (DESIGN.md: 8883 and 8443).
 */
export async function deviceEndpoints(conn: Connection) {
  const e = conn.info.endpoints;
  if (e.mqtt && e.credentialProvider) return { mqtt: e.mqtt, credentialProvider: e.credentialProvider, iotJobsData: e.iotJobsData, s3: e.s3 };
  const host = (await conn.iot().send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }))).endpointAddress;
  return {
    mqtt: e.mqtt ?? `mqtts://${host}:8883`,
    credentialProvider: e.credentialProvider ?? `https://${host}:8443`,
    iotJobsData: e.iotJobsData ?? `https://${host}:8443`,
    s3: e.s3,
  };
}

export async function listThings(conn: Connection): Promise<ThingAttribute[]> {
  const things: ThingAttribute[] = [];
  let nextToken: string | undefined;
  do {
    const page = await conn.iot().send(new ListThingsCommand({ maxResults: 250, ...(nextToken ? { nextToken } : {}) }));
    things.push(...(page.things ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return things;
}

export async function thingPrincipals(conn: Connection, thingName: string): Promise<string[]> {
  const principals: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await conn.iot().send(new ListThingPrincipalsCommand({ thingName, ...(nextToken ? { nextToken } : {}) }));
    principals.push(...(page.principals ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return principals;
}

export async function describeThing(conn: Connection, thingName: string) {
  const thing = await conn.iot().send(new DescribeThingCommand({ thingName }));
  const { $metadata: _, ...rest } = thing;
  const { retiring } = await ferryRequest<{ retiring: PendingRetirement[] }>(conn, 'GET', `/ferry/things/${encodeURIComponent(thingName)}/certificate-rotations`);
  return { ...rest, principals: await thingPrincipals(conn, thingName), retiring };
}

/**
 * Deletes a thing. Its certificates are detached; each one no other thing
 * uses is deactivated and deleted too (its policies detached by forceDelete),
 * unless `keepCertificates`.
 */
export async function deleteThing(conn: Connection, thingName: string, keepCertificates = false) {
  const iot = conn.iot();
  const principals = await thingPrincipals(conn, thingName);
  const deletedCertificates: string[] = [];
  for (const principal of principals) {
    await iot.send(new DetachThingPrincipalCommand({ thingName, principal }));
    if (keepCertificates || !principal.includes(':cert/')) continue;
    const others = await iot.send(new ListPrincipalThingsCommand({ principal }));
    if ((others.things ?? []).length > 0) continue;
    const certificateId = arnName(principal);
    await iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' }));
    await iot.send(new DeleteCertificateCommand({ certificateId, forceDelete: true }));
    deletedCertificates.push(certificateId);
  }
  await iot.send(new DeleteThingCommand({ thingName }));
  return { thingName, detached: principals, deletedCertificates };
}
