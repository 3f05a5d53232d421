import type { FastifyInstance } from 'fastify';
import { invalidInput } from '../../errors.js';
import { jsonBody, pathLabel, queryBoolean, queryInteger, queryString } from '../../protocols/rest-json.js';
import type { AttributePayload, Thing } from '../../registry/index.js';
import { optionalBoolean, optionalInteger, optionalString } from '../../registry/validate.js';
import type { AppContext } from '../../server/context.js';
import { iotOperation } from './route.js';

/** An attributePayload from a request body: `{attributes: {k: v}, merge}`. */
export function attributePayloadIn(value: unknown): AttributePayload | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidInput('attributePayload must be an object.');
  const payload = value as { attributes?: unknown; merge?: unknown };
  return { attributes: payload.attributes as Record<string, string> | undefined, merge: optionalBoolean(payload.merge, 'merge') };
}

const thingSummary = (t: Thing) => ({
  thingName: t.name,
  thingArn: t.arn,
  attributes: t.attributes,
  version: t.version,
  ...(t.typeName ? { thingTypeName: t.typeName } : {}),
});

/** Things (aws-wire-protocols.md §3.3). */
export function registerThingRoutes(app: FastifyInstance, ctx: AppContext): void {
  const things = () => ctx.services.registry.things;

  iotOperation(app, ctx, 'POST', '/things/:thingName', async (request) => {
    const body = jsonBody(request);
    const thing = await things().create({
      name: pathLabel(request, 'thingName'),
      typeName: optionalString(body.thingTypeName, 'thingTypeName', 128),
      attributes: attributePayloadIn(body.attributePayload)?.attributes,
      billingGroupName: optionalString(body.billingGroupName, 'billingGroupName', 128),
    });
    return { thingName: thing.name, thingArn: thing.arn, thingId: thing.id };
  });

  iotOperation(app, ctx, 'GET', '/things/:thingName', async (request) => {
    const thing = await things().describe(pathLabel(request, 'thingName'));
    // The SDKs use the thing name as the default MQTT client id.
    return { defaultClientId: thing.name, thingId: thing.id, ...thingSummary(thing) };
  });

  iotOperation(app, ctx, 'GET', '/things', async (request) => {
    const page = await things().list({
      token: queryString(request, 'nextToken'),
      limit: queryInteger(request, 'maxResults', 1, 250),
      attributeName: queryString(request, 'attributeName'),
      attributeValue: queryString(request, 'attributeValue'),
      usePrefixAttributeValue: queryBoolean(request, 'usePrefixAttributeValue'),
      typeName: queryString(request, 'thingTypeName'),
    });
    return { things: page.items.map(thingSummary), ...(page.next ? { nextToken: page.next } : {}) };
  });

  iotOperation(app, ctx, 'PATCH', '/things/:thingName', async (request) => {
    const body = jsonBody(request);
    await things().update(pathLabel(request, 'thingName'), {
      typeName: optionalString(body.thingTypeName, 'thingTypeName', 128),
      removeThingType: optionalBoolean(body.removeThingType, 'removeThingType'),
      attributePayload: attributePayloadIn(body.attributePayload),
      expectedVersion: optionalInteger(body.expectedVersion, 'expectedVersion'),
    });
    return {};
  });

  iotOperation(app, ctx, 'DELETE', '/things/:thingName', async (request) => {
    await things().delete(pathLabel(request, 'thingName'), queryInteger(request, 'expectedVersion', 0, Number.MAX_SAFE_INTEGER));
    return {};
  });
}
