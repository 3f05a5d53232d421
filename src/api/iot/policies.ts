import type { FastifyInstance, FastifyRequest } from 'fastify';
import { epochSeconds, jsonBody, pathLabel, queryBoolean, queryInteger, queryString } from '../../protocols/rest-json.js';
import { policyName, requiredString } from '../../registry/validate.js';
import type { AppContext } from '../../server/context.js';
import { headerValue } from './principals.js';
import { iotOperation } from './route.js';
import { tagsIn } from './tags.js';

const DOCUMENT_MAX = 65536;

const markerPaging = (request: FastifyRequest) => ({
  token: queryString(request, 'marker'),
  limit: queryInteger(request, 'pageSize', 1, 250),
});

const policyRef = (p: { name: string; arn: string }) => ({ policyName: p.name, policyArn: p.arn });

/** IoT policies, their versions, and their attachments to certificates and thing groups. */
export function registerPolicyRoutes(app: FastifyInstance, ctx: AppContext): void {
  const policies = () => ctx.services.registry.policies;
  const targets = () => ctx.services.registry.policyTargets;
  const name = (request: FastifyRequest) => policyName(pathLabel(request, 'policyName'));

  iotOperation(app, ctx, 'POST', '/policies/:policyName', async (request) => {
    const body = jsonBody(request);
    const policy = await policies().create(name(request), requiredString(body.policyDocument, 'policyDocument', DOCUMENT_MAX), tagsIn(body.tags));
    return { policyName: policy.name, policyArn: policy.arn, policyDocument: policy.document, policyVersionId: policy.defaultVersionId };
  });

  iotOperation(app, ctx, 'GET', '/policies/:policyName', async (request) => {
    const p = await policies().get(name(request));
    return {
      policyName: p.name,
      policyArn: p.arn,
      policyDocument: p.document,
      defaultVersionId: p.defaultVersionId,
      creationDate: epochSeconds(p.createdAt),
      lastModifiedDate: epochSeconds(p.modifiedAt),
      generationId: p.generationId,
    };
  });

  iotOperation(app, ctx, 'GET', '/policies', async (request) => {
    const page = await policies().list({ ...markerPaging(request), ascending: queryBoolean(request, 'isAscendingOrder') });
    return { policies: page.items.map(policyRef), ...(page.next ? { nextMarker: page.next } : {}) };
  });

  iotOperation(app, ctx, 'DELETE', '/policies/:policyName', async (request) => {
    await policies().delete(name(request));
    return {};
  });

  iotOperation(app, ctx, 'POST', '/policies/:policyName/version', async (request) => {
    const body = jsonBody(request);
    const v = await policies().createVersion(name(request), requiredString(body.policyDocument, 'policyDocument', DOCUMENT_MAX), queryBoolean(request, 'setAsDefault') ?? false);
    return { policyArn: v.arn, policyDocument: v.document, policyVersionId: v.versionId, isDefaultVersion: v.isDefault };
  });

  iotOperation(app, ctx, 'GET', '/policies/:policyName/version/:policyVersionId', async (request) => {
    const v = await policies().getVersion(name(request), pathLabel(request, 'policyVersionId'));
    return {
      policyArn: v.arn,
      policyName: v.policyName,
      policyDocument: v.document,
      policyVersionId: v.versionId,
      isDefaultVersion: v.isDefault,
      creationDate: epochSeconds(v.createdAt),
      lastModifiedDate: epochSeconds(v.createdAt),
      generationId: `${v.policyName}-${v.versionId}`,
    };
  });

  iotOperation(app, ctx, 'GET', '/policies/:policyName/version', async (request) => {
    const versions = await policies().listVersions(name(request));
    return { policyVersions: versions.map((v) => ({ versionId: v.versionId, isDefaultVersion: v.isDefault, createDate: epochSeconds(v.createdAt) })) };
  });

  iotOperation(app, ctx, 'PATCH', '/policies/:policyName/version/:policyVersionId', async (request) => {
    await policies().setDefaultVersion(name(request), pathLabel(request, 'policyVersionId'));
    return {};
  });

  iotOperation(app, ctx, 'DELETE', '/policies/:policyName/version/:policyVersionId', async (request) => {
    await policies().deleteVersion(name(request), pathLabel(request, 'policyVersionId'));
    return {};
  });

  iotOperation(app, ctx, 'PUT', '/target-policies/:policyName', async (request) => {
    await targets().attach(name(request), requiredString(jsonBody(request).target, 'target', 2048));
    return {};
  });

  iotOperation(app, ctx, 'POST', '/target-policies/:policyName', async (request) => {
    await targets().detach(name(request), requiredString(jsonBody(request).target, 'target', 2048));
    return {};
  });

  // aws-wire-protocols.md §3.1: the target ARN arrives as one label with `/` sent as %2F.
  iotOperation(app, ctx, 'POST', '/attached-policies/:target', async (request) => {
    const page = await targets().listForTarget(pathLabel(request, 'target'), { ...markerPaging(request), recursive: queryBoolean(request, 'recursive') });
    return { policies: page.items.map(policyRef), ...(page.next ? { nextMarker: page.next } : {}) };
  });

  iotOperation(app, ctx, 'POST', '/policy-targets/:policyName', async (request) => {
    const page = await targets().targetsOf(name(request), markerPaging(request));
    return { targets: page.items, ...(page.next ? { nextMarker: page.next } : {}) };
  });

  // The deprecated principal-policy operations, still used by older scripts (principal in x-amzn-iot-principal).
  iotOperation(app, ctx, 'PUT', '/principal-policies/:policyName', async (request) => {
    await targets().attach(name(request), headerValue(request, 'x-amzn-iot-principal'));
    return {};
  });

  iotOperation(app, ctx, 'DELETE', '/principal-policies/:policyName', async (request) => {
    await targets().detach(name(request), headerValue(request, 'x-amzn-iot-principal'));
    return {};
  });

  iotOperation(app, ctx, 'GET', '/principal-policies', async (request) => {
    const page = await targets().listForTarget(headerValue(request, 'x-amzn-iot-principal'), markerPaging(request));
    return { policies: page.items.map(policyRef), ...(page.next ? { nextMarker: page.next } : {}) };
  });

  iotOperation(app, ctx, 'GET', '/policy-principals', async (request) => {
    const page = await targets().targetsOf(policyName(headerValue(request, 'x-amzn-iot-policy')), markerPaging(request));
    return { principals: page.items, ...(page.next ? { nextMarker: page.next } : {}) };
  });
}
