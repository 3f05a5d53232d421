import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
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
import type { Connection } from '../client-config.js';
import { agentBundle, writeKit } from '../kit.js';
import { arnName } from '../arns.js';

export interface CreatedThing {
  thingName: string;
  thingArn: string;
  certificateId: string;
  certificateArn: string;
  policy?: string | undefined;
  kitDir?: string | undefined;
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
  /** The role alias the kit's agent uses with the credentials provider. */
  roleAlias?: string | undefined;
}

/**
 * The story's step 1 and 2 for one device: the thing, an active certificate
 * with its keys (made by the server), the certificate attached to the thing
 * and, when named, the policy to the certificate; then the connection kit.
 */
export async function createThing(conn: Connection, input: CreateThingInput): Promise<CreatedThing> {
  // A kit needs the agent bundle: without it, fail before anything is created.
  if (input.kitDir) agentBundle();
  const iot = conn.iot();
  const thing = await iot.send(
    new CreateThingCommand({ thingName: input.name, ...(input.attributes ? { attributePayload: { attributes: input.attributes } } : {}) }),
  );
  const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  const certificateArn = cert.certificateArn!;
  await iot.send(new AttachThingPrincipalCommand({ thingName: input.name, principal: certificateArn }));
  if (input.policy) await iot.send(new AttachPolicyCommand({ policyName: input.policy, target: certificateArn }));
  const created: CreatedThing = {
    thingName: thing.thingName ?? input.name,
    thingArn: thing.thingArn!,
    certificateId: cert.certificateId!,
    certificateArn,
    policy: input.policy,
    certificatePem: cert.certificatePem!,
    privateKeyPem: cert.keyPair?.PrivateKey ?? '',
    publicKeyPem: cert.keyPair?.PublicKey ?? '',
  };
  if (input.kitDir) {
    const kit = writeKit(input.kitDir, {
      thingName: created.thingName,
      region: conn.region,
      endpoints: await deviceEndpoints(conn),
      roleAlias: input.roleAlias,
      certificatePem: created.certificatePem,
      privateKeyPem: created.privateKeyPem,
      publicKeyPem: created.publicKeyPem,
      rootCaPem: conn.info.ca ?? '',
    });
    created.kitDir = kit.dir;
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
  return { ...rest, principals: await thingPrincipals(conn, thingName) };
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
