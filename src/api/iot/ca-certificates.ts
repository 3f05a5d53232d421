import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidInput } from '../../errors.js';
import { epochSeconds, jsonBody, pathLabel, queryBoolean, queryString } from '../../protocols/rest-json.js';
import type { CaCertificate, RegistrationConfig } from '../../registry/index.js';
import { certificateId, optionalBoolean, optionalString, requiredString } from '../../registry/validate.js';
import type { AppContext } from '../../server/context.js';
import { certificatePaging } from './certificates.js';
import { iotOperation } from './route.js';
import { tagsIn } from './tags.js';

const PEM_MAX = 65536;

function registrationConfigIn(value: unknown): RegistrationConfig | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidInput('registrationConfig must be an object.');
  const v = value as Record<string, unknown>;
  const config: RegistrationConfig = {};
  const templateBody = optionalString(v.templateBody, 'templateBody', 10240);
  const roleArn = optionalString(v.roleArn, 'roleArn', 2048);
  const templateName = optionalString(v.templateName, 'templateName', 36);
  if (templateBody !== undefined) config.templateBody = templateBody;
  if (roleArn !== undefined) config.roleArn = roleArn;
  if (templateName !== undefined) config.templateName = templateName;
  return config;
}

function description(c: CaCertificate, accountId: string) {
  return {
    certificateArn: c.arn,
    certificateId: c.id,
    status: c.status,
    certificatePem: c.pem,
    ownedBy: accountId,
    creationDate: epochSeconds(c.createdAt),
    autoRegistrationStatus: c.autoRegistration,
    lastModifiedDate: epochSeconds(c.modifiedAt),
    customerVersion: c.customerVersion,
    generationId: c.generationId,
    validity: { notBefore: epochSeconds(c.notBefore), notAfter: epochSeconds(c.notAfter) },
    certificateMode: c.mode,
  };
}

/** CA certificates and the registration code. */
export function registerCaCertificateRoutes(app: FastifyInstance, ctx: AppContext): void {
  const cas = () => ctx.services.registry.caCertificates;
  const id = (request: FastifyRequest) => certificateId(pathLabel(request, 'certificateId'));

  iotOperation(app, ctx, 'GET', '/registrationcode', async () => ({ registrationCode: await cas().registrationCode() }));

  iotOperation(app, ctx, 'POST', '/cacertificate', async (request) => {
    const body = jsonBody(request);
    const ca = await cas().register({
      caCertificatePem: requiredString(body.caCertificate, 'caCertificate', PEM_MAX),
      verificationCertificatePem: optionalString(body.verificationCertificate, 'verificationCertificate', PEM_MAX),
      setAsActive: queryBoolean(request, 'setAsActive'),
      allowAutoRegistration: queryBoolean(request, 'allowAutoRegistration'),
      registrationConfig: registrationConfigIn(body.registrationConfig),
      mode: optionalString(body.certificateMode, 'certificateMode', 16),
      tags: tagsIn(body.tags),
    });
    return { certificateArn: ca.arn, certificateId: ca.id };
  });

  iotOperation(app, ctx, 'PUT', '/cacertificate/:certificateId', async (request) => {
    const body = jsonBody(request);
    await cas().update(id(request), {
      newStatus: queryString(request, 'newStatus'),
      newAutoRegistrationStatus: queryString(request, 'newAutoRegistrationStatus'),
      registrationConfig: registrationConfigIn(body.registrationConfig),
      removeAutoRegistration: optionalBoolean(body.removeAutoRegistration, 'removeAutoRegistration'),
    });
    return {};
  });

  iotOperation(app, ctx, 'GET', '/cacertificate/:certificateId', async (request) => {
    const ca = await cas().describe(id(request));
    return { certificateDescription: description(ca, ctx.accountId), ...(ca.registrationConfig ? { registrationConfig: ca.registrationConfig } : {}) };
  });

  iotOperation(app, ctx, 'GET', '/cacertificates', async (request) => {
    const page = await cas().list(certificatePaging(request));
    return {
      certificates: page.items.map((c) => ({ certificateArn: c.arn, certificateId: c.id, status: c.status, creationDate: epochSeconds(c.createdAt) })),
      ...(page.next ? { nextMarker: page.next } : {}),
    };
  });

  iotOperation(app, ctx, 'DELETE', '/cacertificate/:certificateId', async (request) => {
    await cas().delete(id(request));
    return {};
  });
}
