import type { FastifyInstance } from 'fastify';
import { invalidInput } from '../../errors.js';
import { epochSeconds, jsonBody, pathLabel, queryBoolean, queryInteger, queryString } from '../../protocols/rest-json.js';
import type { GroupRef, ThingGroup } from '../../registry/index.js';
import { optionalBoolean, optionalInteger, optionalString, stringList } from '../../registry/validate.js';
import type { AppContext } from '../../server/context.js';
import { iotOperation } from './route.js';
import { tagsIn } from './tags.js';
import { attributePayloadIn } from './things.js';

export function propertiesIn(value: unknown) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidInput('thingGroupProperties must be an object.');
  const p = value as { thingGroupDescription?: unknown; attributePayload?: unknown };
  return { description: optionalString(p.thingGroupDescription, 'thingGroupDescription', 2028), attributePayload: attributePayloadIn(p.attributePayload) };
}

const groupRef = (g: GroupRef) => ({ groupName: g.name, groupArn: g.arn });

function describe(g: ThingGroup) {
  return {
    thingGroupName: g.name,
    thingGroupId: g.id,
    thingGroupArn: g.arn,
    version: g.version,
    thingGroupProperties: {
      ...(g.description !== undefined ? { thingGroupDescription: g.description } : {}),
      attributePayload: { attributes: g.attributes },
    },
    thingGroupMetadata: {
      ...(g.parentName !== undefined ? { parentGroupName: g.parentName } : {}),
      rootToParentThingGroups: g.rootToParent.map(groupRef),
      creationDate: epochSeconds(g.createdAt),
    },
    ...(g.dynamic ? { indexName: g.dynamic.indexName, queryString: g.dynamic.queryString, queryVersion: g.dynamic.queryVersion, status: g.dynamic.status } : {}),
  };
}

/** The four name-or-ARN fields of Add/RemoveThingToThingGroup. */
function membershipIn(body: Record<string, unknown>) {
  return {
    groupName: optionalString(body.thingGroupName, 'thingGroupName', 128),
    groupArn: optionalString(body.thingGroupArn, 'thingGroupArn', 2048),
    thingName: optionalString(body.thingName, 'thingName', 128),
    thingArn: optionalString(body.thingArn, 'thingArn', 2048),
  };
}

/** Static thing groups (aws-wire-protocols.md §3.3). */
export function registerThingGroupRoutes(app: FastifyInstance, ctx: AppContext): void {
  const groups = () => ctx.services.registry.thingGroups;

  iotOperation(app, ctx, 'POST', '/thing-groups/:thingGroupName', async (request) => {
    const body = jsonBody(request);
    const group = await groups().create(pathLabel(request, 'thingGroupName'), {
      parentName: optionalString(body.parentGroupName, 'parentGroupName', 128),
      properties: propertiesIn(body.thingGroupProperties),
      tags: tagsIn(body.tags),
    });
    return { thingGroupName: group.name, thingGroupArn: group.arn, thingGroupId: group.id };
  });

  iotOperation(app, ctx, 'GET', '/thing-groups/:thingGroupName', async (request) => describe(await groups().describe(pathLabel(request, 'thingGroupName'))));

  iotOperation(app, ctx, 'GET', '/thing-groups', async (request) => {
    const page = await groups().list({
      token: queryString(request, 'nextToken'),
      limit: queryInteger(request, 'maxResults', 1, 250),
      parentGroup: queryString(request, 'parentGroup'),
      namePrefix: queryString(request, 'namePrefixFilter'),
      recursive: queryBoolean(request, 'recursive'),
    });
    return { thingGroups: page.items.map(groupRef), ...(page.next ? { nextToken: page.next } : {}) };
  });

  iotOperation(app, ctx, 'PATCH', '/thing-groups/:thingGroupName', async (request) => {
    const body = jsonBody(request);
    const version = await groups().update(pathLabel(request, 'thingGroupName'), propertiesIn(body.thingGroupProperties) ?? {}, optionalInteger(body.expectedVersion, 'expectedVersion'));
    return { version };
  });

  iotOperation(app, ctx, 'DELETE', '/thing-groups/:thingGroupName', async (request) => {
    await groups().delete(pathLabel(request, 'thingGroupName'), queryInteger(request, 'expectedVersion', 0, Number.MAX_SAFE_INTEGER));
    return {};
  });

  iotOperation(app, ctx, 'PUT', '/thing-groups/addThingToThingGroup', async (request) => {
    const body = jsonBody(request);
    await groups().addThing({ ...membershipIn(body), overrideDynamicGroups: optionalBoolean(body.overrideDynamicGroups, 'overrideDynamicGroups') });
    return {};
  });

  iotOperation(app, ctx, 'PUT', '/thing-groups/removeThingFromThingGroup', async (request) => {
    await groups().removeThing(membershipIn(jsonBody(request)));
    return {};
  });

  iotOperation(app, ctx, 'PUT', '/thing-groups/updateThingGroupsForThing', async (request) => {
    const body = jsonBody(request);
    const thing = optionalString(body.thingName, 'thingName', 128);
    if (thing === undefined) throw invalidInput('thingName is required.');
    await groups().updateGroupsForThing(thing, stringList(body.thingGroupsToAdd, 'thingGroupsToAdd'), stringList(body.thingGroupsToRemove, 'thingGroupsToRemove'), optionalBoolean(body.overrideDynamicGroups, 'overrideDynamicGroups'));
    return {};
  });

  iotOperation(app, ctx, 'GET', '/thing-groups/:thingGroupName/things', async (request) => {
    const page = await groups().listThings(pathLabel(request, 'thingGroupName'), {
      token: queryString(request, 'nextToken'),
      limit: queryInteger(request, 'maxResults', 1, 250),
      recursive: queryBoolean(request, 'recursive'),
    });
    return { things: page.items, ...(page.next ? { nextToken: page.next } : {}) };
  });

  iotOperation(app, ctx, 'GET', '/things/:thingName/thing-groups', async (request) => {
    const page = await groups().groupsForThing(pathLabel(request, 'thingName'), {
      token: queryString(request, 'nextToken'),
      limit: queryInteger(request, 'maxResults', 1, 250),
    });
    return { thingGroups: page.items.map(groupRef), ...(page.next ? { nextToken: page.next } : {}) };
  });
}
