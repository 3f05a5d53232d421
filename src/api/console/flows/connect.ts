/**
 * The connect wizard's routes:
 * - POST /console/api/flows/connect: the thing (made if new), a key made here and its
 *   certificate (a rotation when the thing already has one: the old certificate is kept until
 *   the new one connects), the device policy (made if missing) attached — each step an IoT
 *   operation run as the signed-in identity — and the connection kit answered as one zip.
 *   The private key exists only in that answer.
 * - GET /console/api/flows/connect/{thing}/events: the first-connection checklist as server-sent events.
 */
import type { FastifyRequest } from 'fastify';
import { createCertificateSigningRequest, generateKeyPair } from '../../../pki/index.js';
import { devicePolicy } from '../../../registry/device-policy.js';
import { kitFiles } from '../../../cli/kit.js';
import { kitFolderName, kitZip } from '../../../console/kit-zip.js';
import { apply, concerns, initialChecklist, stepOf, type Step } from '../../../console/connect-checklist.js';
import type { DeviceEvent } from '../../../mqtt/device-events.js';
import { ConsoleRefusal, type ConsoleRouteKit } from '../routes.js';
import type { SignedCall } from '../dispatch.js';
import { lastEventId, openEventStream } from './sse.js';
import { explainConnectRefusal } from './connect-explain.js';

export const DEFAULT_DEVICE_POLICY = 'FerryDevicePolicy';
const NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;

const seg = encodeURIComponent;

type Call = (call: Omit<SignedCall, 'service' | 'query'> & { query?: Record<string, string> }) => Promise<Record<string, unknown>>;

/** undefined when the operation answered ResourceNotFoundException. */
async function unlessMissing<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (error) {
    if (error instanceof ConsoleRefusal && error.code === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

const certificateIdOfArn = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

export function registerConnectRoutes(kit: ConsoleRouteKit): void {
  const { ctx, route } = kit;
  const callerOf =
    (request: FastifyRequest): Call =>
    async (c) =>
      (await kit.callAs(request, { service: 'iot', query: {}, ...c })) as Record<string, unknown>;

  route('POST', '/console/api/flows/connect', async (request, reply) => {
    const body = kit.jsonBody(request);
    const thingName = typeof body.thingName === 'string' ? body.thingName : '';
    const policyName = typeof body.policyName === 'string' && body.policyName !== '' ? body.policyName : DEFAULT_DEVICE_POLICY;
    if (!NAME.test(thingName)) throw new ConsoleRefusal(400, 'InvalidRequestException', 'thingName must be 1-128 letters, digits, colons, underscores or hyphens.');
    if (!POLICY_NAME.test(policyName)) throw new ConsoleRefusal(400, 'InvalidRequestException', 'policyName must be 1-128 letters, digits or +=,.@-_');
    const call = callerOf(request);
    const thing = await unlessMissing(call({ method: 'GET', path: `/things/${seg(thingName)}` }));
    if (!thing) await call({ method: 'POST', path: `/things/${seg(thingName)}`, body: {} });
    const principals = thing ? (((await call({ method: 'GET', path: `/things/${seg(thingName)}/principals` })).principals ?? []) as string[]) : [];
    const hadCertificate = principals.some((p) => p.includes(':cert/'));
    if (!(await unlessMissing(call({ method: 'GET', path: `/policies/${seg(policyName)}` })))) {
      await call({ method: 'POST', path: `/policies/${seg(policyName)}`, body: { policyDocument: devicePolicy(ctx.region, ctx.accountId) } });
    }
    const pair = await generateKeyPair('rsa-2048');
    const certificateSigningRequest = await createCertificateSigningRequest({ ...pair, commonName: thingName });
    let issued: { certificateId: string; certificateArn: string; certificatePem: string };
    if (hadCertificate) {
      issued = (await call({ method: 'POST', path: `/ferry/things/${seg(thingName)}/certificate-rotations`, body: { certificateSigningRequest, policyNames: [policyName] } })) as typeof issued;
    } else {
      issued = (await call({ method: 'POST', path: '/certificates', query: { setAsActive: 'true' }, body: { certificateSigningRequest } })) as typeof issued;
      await call({ method: 'PUT', path: `/things/${seg(thingName)}/principals`, headers: { 'x-amzn-principal': issued.certificateArn } });
      await call({ method: 'PUT', path: `/target-policies/${seg(policyName)}`, body: { target: issued.certificateArn } });
    }
    const e = ctx.endpoints;
    const files = kitFiles({
      thingName,
      certificateId: issued.certificateId,
      region: ctx.region,
      endpoints: { mqtt: e.mqtt, credentialProvider: e.credentialProvider, iotJobsData: e.iotJobsData, s3: e.s3 },
      certificatePem: issued.certificatePem,
      privateKeyPem: pair.privateKeyPem,
      publicKeyPem: pair.publicKeyPem,
      rootCaPem: ctx.pki.caCertPem,
    });
    const zip = kitZip(thingName, files, new Date(ctx.clock.now()));
    ctx.logger.child({ component: 'console' }).info({ thingName, certificateId: issued.certificateId, rotated: hadCertificate }, 'console connection kit issued');
    return reply
      .type('application/zip')
      .header('content-disposition', `attachment; filename="${kitFolderName(thingName)}.zip"`)
      .header('x-ferry-certificate-id', issued.certificateId)
      .header('x-ferry-rotated', String(hadCertificate))
      .send(Buffer.from(zip));
  });

  route('GET', '/console/api/flows/connect/:thingName/events', async (request, reply) => {
    const thingName = (request.params as { thingName: string }).thingName;
    const call = callerOf(request);
    // The session is checked, and the thing's certificates read, as the signed-in identity.
    const principals = ((await call({ method: 'GET', path: `/things/${seg(thingName)}/principals` })).principals ?? []) as string[];
    const watched = { thingName, certificateIds: new Set(principals.filter((p) => p.includes(':cert/')).map(certificateIdOfArn)) };
    const stream = openEventStream(request, reply);
    let checklist: Step[] = initialChecklist();
    let id = lastEventId(request) ?? 0;
    const sendChecklist = () => stream.send(++id, 'checklist', { thingName, steps: checklist });
    sendChecklist();
    // Events in order, one at a time: an explanation is looked up before the next event is applied.
    let chain = Promise.resolve();
    const onEvent = (event: DeviceEvent) => {
      if (!concerns(event, watched)) return;
      const step = stepOf(event);
      if (!step) return;
      chain = chain.then(async () => {
        if (event.type === 'connect-refused') {
          const explanation = await explainConnectRefusal(call, ctx, event).catch(() => undefined);
          if (explanation) step.explanation = explanation;
        }
        checklist = apply(checklist, step);
        sendChecklist();
      });
    };
    const stop = ctx.services.deviceEvents.watch(onEvent);
    await stream.closed;
    stop();
  });
}
