import type { FastifyInstance } from 'fastify';
import { invalidInput } from '../../errors.js';
import { jsonBody, pathLabel } from '../../protocols/rest-json.js';
import type { Retirement } from '../../registry/rotations.js';
import { optionalInteger, requiredString, stringList, thingName } from '../../registry/validate.js';
import type { AppContext } from '../../server/context.js';
import { iotOperation } from '../iot/route.js';

/** POST /ferry/things/{thingName}/certificate-rotations: the request. */
export interface RotateCertificateRequest {
  /** The CSR of the device's new key (PEM); Ferry's CA signs it, as CreateCertificateFromCsr does. */
  certificateSigningRequest: string;
  /** How long the old certificates stay ACTIVE if the new one is never used. Default 7 days. */
  graceSeconds?: number;
  /** Policies for the new certificate; default: the old certificates'. */
  policyNames?: string[];
}

/** A certificate waiting to be retired; `retireAt` in epoch seconds, as the IoT API gives times. */
export interface PendingRetirement {
  certificateId: string;
  certificateArn: string;
  retireAt: number;
  newCertificateId?: string;
}

export interface RotateCertificateResponse {
  thingName: string;
  certificateId: string;
  certificateArn: string;
  certificatePem: string;
  policyNames: string[];
  retiring: PendingRetirement[];
}

export const DEFAULT_GRACE_SECONDS = 7 * 24 * 3600;
const PEM_MAX = 65536;

const retirement = (r: Retirement & { newCertificateId?: string }): PendingRetirement => ({ ...r, retireAt: r.retireAt / 1000 });

/**
 * Ferry's own operations (no AWS equivalent): rotate a thing's certificate,
 * the server retiring the old one once the new one is used or the grace runs
 * out (src/registry/rotations.ts); and list the retirements pending. Signed
 * as the IoT control plane is; users and role sessions need `ferry:RotateThingCertificate` / `ferry:ListCertificateRotations` on the thing.
 */
export function registerRotationRoutes(app: FastifyInstance, ctx: AppContext): void {
  const rotations = () => ctx.services.registry.rotations;
  iotOperation(app, ctx, 'POST', '/ferry/things/:thingName/certificate-rotations', async (request): Promise<RotateCertificateResponse> => {
    const body = jsonBody(request);
    const grace = optionalInteger(body.graceSeconds, 'graceSeconds') ?? DEFAULT_GRACE_SECONDS;
    if (body.policyNames !== undefined && !Array.isArray(body.policyNames)) throw invalidInput('policyNames must be a list of policy names.');
    const rotated = await rotations().rotate({
      thingName: thingName(pathLabel(request, 'thingName')),
      csrPem: requiredString(body.certificateSigningRequest, 'certificateSigningRequest', PEM_MAX),
      graceMs: grace * 1000,
      policyNames: body.policyNames === undefined ? undefined : stringList(body.policyNames, 'policyNames'),
    });
    return {
      thingName: rotated.thingName,
      certificateId: rotated.certificate.id,
      certificateArn: rotated.certificate.arn,
      certificatePem: rotated.certificate.pem,
      policyNames: rotated.policyNames,
      retiring: rotated.retiring.map(retirement),
    };
  });
  iotOperation(app, ctx, 'GET', '/ferry/things/:thingName/certificate-rotations', async (request): Promise<{ retiring: PendingRetirement[] }> => {
    const name = thingName(pathLabel(request, 'thingName'));
    await ctx.services.registry.things.describe(name);
    return { retiring: (await rotations().pendingFor(name)).map(retirement) };
  });
}
