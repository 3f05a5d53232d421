import type { FastifyInstance } from 'fastify';
import { invalidInput } from '../../errors.js';
import { epochSeconds, jsonBody, pathLabel, queryInteger, queryString } from '../../protocols/rest-json.js';
import type { ThingType } from '../../registry/index.js';
import { optionalBoolean, optionalString, stringList } from '../../registry/validate.js';
import type { AppContext } from '../../server/context.js';
import { iotOperation } from './route.js';
import { tagsIn } from './tags.js';

function propertiesIn(value: unknown): { description?: string | undefined; searchableAttributes?: string[] } {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidInput('thingTypeProperties must be an object.');
  const p = value as { thingTypeDescription?: unknown; searchableAttributes?: unknown };
  return { description: optionalString(p.thingTypeDescription, 'thingTypeDescription', 2028), searchableAttributes: stringList(p.searchableAttributes, 'searchableAttributes') };
}

const definition = (t: ThingType) => ({
  thingTypeName: t.name,
  thingTypeArn: t.arn,
  thingTypeProperties: { ...(t.description !== undefined ? { thingTypeDescription: t.description } : {}), searchableAttributes: t.searchableAttributes },
  thingTypeMetadata: {
    deprecated: t.deprecated,
    creationDate: epochSeconds(t.createdAt),
    ...(t.deprecatedAt !== undefined ? { deprecationDate: epochSeconds(t.deprecatedAt) } : {}),
  },
});

/** Thing types: Create/Describe/List/Deprecate/Delete. */
export function registerThingTypeRoutes(app: FastifyInstance, ctx: AppContext): void {
  const types = () => ctx.services.registry.thingTypes;

  iotOperation(app, ctx, 'POST', '/thing-types/:thingTypeName', async (request) => {
    const body = jsonBody(request);
    const type = await types().create(pathLabel(request, 'thingTypeName'), propertiesIn(body.thingTypeProperties), tagsIn(body.tags));
    return { thingTypeName: type.name, thingTypeArn: type.arn, thingTypeId: type.id };
  });

  iotOperation(app, ctx, 'GET', '/thing-types/:thingTypeName', async (request) => {
    const type = await types().describe(pathLabel(request, 'thingTypeName'));
    return { thingTypeId: type.id, ...definition(type) };
  });

  iotOperation(app, ctx, 'GET', '/thing-types', async (request) => {
    const page = await types().list({
      token: queryString(request, 'nextToken'),
      limit: queryInteger(request, 'maxResults', 1, 250),
      namePrefix: queryString(request, 'thingTypeName'),
    });
    return { thingTypes: page.items.map(definition), ...(page.next ? { nextToken: page.next } : {}) };
  });

  iotOperation(app, ctx, 'POST', '/thing-types/:thingTypeName/deprecate', async (request) => {
    const body = jsonBody(request);
    await types().deprecate(pathLabel(request, 'thingTypeName'), optionalBoolean(body.undoDeprecate, 'undoDeprecate') ?? false);
    return {};
  });

  iotOperation(app, ctx, 'DELETE', '/thing-types/:thingTypeName', async (request) => {
    await types().delete(pathLabel(request, 'thingTypeName'));
    return {};
  });
}
