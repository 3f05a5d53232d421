import https from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { AttachPolicyCommand, AttachThingPrincipalCommand, CreateCertificateFromCsrCommand, CreateThingCommand, type IoTClient } from '@aws-sdk/client-iot';
import { IoTJobsDataPlaneClient } from '@aws-sdk/client-iot-jobs-data-plane';
import { createCertificateSigningRequest, generateKeyPair } from '../../../src/pki/index.js';
import type { TestServer } from '../../helpers/server.js';
import type { DeviceCredentials } from '../../mqtt/helpers.js';

export const JOBS_ACTIONS = ['GetPendingJobExecutions', 'StartNextPendingJobExecution', 'DescribeJobExecution', 'UpdateJobExecution'];

const arn = (ts: TestServer, rest: string) => `arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:${rest}`;

/**
 * A device policy for both device protocols: DESIGN.md's MQTT statements (thing
 * variables, which resolve on MQTT) and the Jobs HTTPS actions on the thing
 * named by the certificate's common name (certificate variables resolve over HTTPS).
 */
export function bothProtocolsPolicy(ts: TestServer, httpsResource = 'thing/${iot:Certificate.Subject.CommonName}'): string {
  const thingTopics = '$aws/things/${iot:Connection.Thing.ThingName}/jobs/*';
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:AssumeRoleWithCertificate', Resource: arn(ts, 'rolealias/miso-role-alias') },
      { Effect: 'Allow', Action: 'iot:Connect', Resource: arn(ts, 'client/miso*') },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: arn(ts, `topic/${thingTopics}`) },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: arn(ts, `topicfilter/${thingTopics}`) },
      { Effect: 'Allow', Action: JOBS_ACTIONS.map((a) => `iot:${a}`), Resource: arn(ts, httpsResource) },
    ],
  });
}

/** A thing whose certificate (an EC key made "on the device", CN = the thing name) has `policy` and is attached to it. */
export async function provisionNamedDevice(iot: IoTClient, thingName: string, policy: string): Promise<DeviceCredentials> {
  await iot.send(new CreateThingCommand({ thingName }));
  const pair = await generateKeyPair('ec');
  const csr = await createCertificateSigningRequest({ ...pair, commonName: thingName });
  const out = await iot.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: csr, setAsActive: true }));
  await iot.send(new AttachPolicyCommand({ policyName: policy, target: out.certificateArn! }));
  await iot.send(new AttachThingPrincipalCommand({ thingName, principal: out.certificateArn! }));
  return { certificateId: out.certificateId!, certificateArn: out.certificateArn!, certificatePem: out.certificatePem!, privateKeyPem: pair.privateKeyPem };
}

/**
 * @aws-sdk/client-iot-jobs-data-plane over mutual TLS with a device
 * certificate and no signature: the SDK signs every request, so a step after
 * signing takes the signature off again (a device's certificate is its credential).
 */
export function certificateClient(ts: TestServer, creds: { certificatePem: string; privateKeyPem: string }): IoTJobsDataPlaneClient {
  const agent = new https.Agent({ ca: ts.ca, cert: creds.certificatePem, key: creds.privateKeyPem, keepAlive: false });
  const client = new IoTJobsDataPlaneClient({
    region: ts.endpoints.region,
    endpoint: ts.endpoints.endpoints.iotJobsData,
    credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
    requestHandler: new NodeHttpHandler({ httpsAgent: agent }),
    maxAttempts: 1,
  });
  const unsign = (next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
    const headers = (args.request as { headers: Record<string, string> }).headers;
    for (const name of Object.keys(headers)) if (/^(authorization|x-amz-date|x-amz-security-token|x-amz-content-sha256)$/i.test(name)) delete headers[name];
    return next(args);
  };
  client.middlewareStack.addRelativeTo(unsign as never, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'unsignForCertificate' });
  return client;
}

/** The same client signing with SigV4 (service iot-jobs-data) as `credentials`. */
export function signedClient(ts: TestServer, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): IoTJobsDataPlaneClient {
  return new IoTJobsDataPlaneClient({
    region: ts.endpoints.region,
    endpoint: ts.endpoints.endpoints.iotJobsData,
    credentials: { ...credentials },
    requestHandler: new NodeHttpHandler({ httpsAgent: ts.agent }),
    maxAttempts: 1,
  });
}

/** The error a call is refused with: name, HTTP status, message (and the raw error). */
export async function refusal(call: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string; error: any }> {
  try {
    await call;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message, error: e };
  }
  throw new Error('the call was accepted');
}
