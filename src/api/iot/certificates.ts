import type { FastifyInstance, FastifyRequest } from 'fastify';
import { epochSeconds, jsonBody, pathLabel, queryBoolean, queryInteger, queryString } from '../../protocols/rest-json.js';
import type { Certificate } from '../../registry/index.js';
import { certificateId, optionalString, requiredString } from '../../registry/validate.js';
import type { AppContext } from '../../server/context.js';
import { iotOperation } from './route.js';

const PEM_MAX = 65536;

export const certificateSummary = (c: Certificate) => ({
  certificateArn: c.arn,
  certificateId: c.id,
  status: c.status,
  certificateMode: c.mode,
  creationDate: epochSeconds(c.createdAt),
});

function description(c: Certificate, accountId: string) {
  return {
    certificateArn: c.arn,
    certificateId: c.id,
    ...(c.caCertificateId ? { caCertificateId: c.caCertificateId } : {}),
    status: c.status,
    certificatePem: c.pem,
    ownedBy: accountId,
    creationDate: epochSeconds(c.createdAt),
    lastModifiedDate: epochSeconds(c.modifiedAt),
    customerVersion: c.customerVersion,
    transferData: {},
    generationId: c.generationId,
    validity: { notBefore: epochSeconds(c.notBefore), notAfter: epochSeconds(c.notAfter) },
    certificateMode: c.mode,
  };
}

/** ListCertificates' and ListCertificatesByCA's paging (pageSize, marker, isAscendingOrder). */
export function certificatePaging(request: FastifyRequest) {
  return {
    limit: queryInteger(request, 'pageSize', 1, 250),
    token: queryString(request, 'marker'),
    ascending: queryBoolean(request, 'isAscendingOrder'),
  };
}

/** Device certificates (aws-wire-protocols.md §3.3). */
export function registerCertificateRoutes(app: FastifyInstance, ctx: AppContext): void {
  const certificates = () => ctx.services.registry.certificates;
  const id = (request: FastifyRequest) => certificateId(pathLabel(request, 'certificateId'));

  iotOperation(app, ctx, 'POST', '/keys-and-certificate', async (request) => {
    const { certificate, keyPair } = await certificates().createKeysAndCertificate(queryBoolean(request, 'setAsActive') ?? false);
    return {
      certificateArn: certificate.arn,
      certificateId: certificate.id,
      certificatePem: certificate.pem,
      keyPair: { PublicKey: keyPair.publicKeyPem, PrivateKey: keyPair.privateKeyPem },
    };
  });

  iotOperation(app, ctx, 'POST', '/certificates', async (request) => {
    const csr = requiredString(jsonBody(request).certificateSigningRequest, 'certificateSigningRequest', PEM_MAX);
    const certificate = await certificates().createFromCsr(csr, queryBoolean(request, 'setAsActive') ?? false);
    return { certificateArn: certificate.arn, certificateId: certificate.id, certificatePem: certificate.pem };
  });

  iotOperation(app, ctx, 'POST', '/certificate/register', async (request) => {
    const body = jsonBody(request);
    const certificate = await certificates().register({
      certificatePem: requiredString(body.certificatePem, 'certificatePem', PEM_MAX),
      caCertificatePem: optionalString(body.caCertificatePem, 'caCertificatePem', PEM_MAX),
      status: optionalString(body.status, 'status', 32),
      setAsActive: queryBoolean(request, 'setAsActive'),
    });
    return { certificateArn: certificate.arn, certificateId: certificate.id };
  });

  iotOperation(app, ctx, 'POST', '/certificate/register-no-ca', async (request) => {
    const body = jsonBody(request);
    const certificate = await certificates().registerWithoutCa({
      certificatePem: requiredString(body.certificatePem, 'certificatePem', PEM_MAX),
      status: optionalString(body.status, 'status', 32),
    });
    return { certificateArn: certificate.arn, certificateId: certificate.id };
  });

  iotOperation(app, ctx, 'PUT', '/certificates/:certificateId', async (request) => {
    await certificates().update(id(request), requiredString(queryString(request, 'newStatus'), 'newStatus', 32));
    return {};
  });

  iotOperation(app, ctx, 'GET', '/certificates/:certificateId', async (request) => ({
    certificateDescription: description(await certificates().describe(id(request)), ctx.accountId),
  }));

  iotOperation(app, ctx, 'GET', '/certificates', async (request) => {
    const page = await certificates().list(certificatePaging(request));
    return { certificates: page.items.map(certificateSummary), ...(page.next ? { nextMarker: page.next } : {}) };
  });

  iotOperation(app, ctx, 'DELETE', '/certificates/:certificateId', async (request) => {
    await certificates().delete(id(request), queryBoolean(request, 'forceDelete') ?? false);
    return {};
  });

  iotOperation(app, ctx, 'GET', '/certificates-by-ca/:caCertificateId', async (request) => {
    const caId = certificateId(pathLabel(request, 'caCertificateId'));
    const page = await certificates().listByCa(caId, certificatePaging(request));
    return { certificates: page.items.map(certificateSummary), ...(page.next ? { nextMarker: page.next } : {}) };
  });
}
