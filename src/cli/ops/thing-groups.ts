import {
  AddThingToThingGroupCommand,
  CreateDynamicThingGroupCommand,
  CreateThingGroupCommand,
  DeleteThingGroupCommand,
  DescribeThingGroupCommand,
  ListThingGroupsCommand,
  ListThingsInThingGroupCommand,
  RemoveThingFromThingGroupCommand,
  type GroupNameAndArn,
} from '@aws-sdk/client-iot';
import type { Connection } from '../client-config.js';
import { allPages } from './pages.js';

export interface CreateThingGroupInput {
  name: string;
  parent?: string | undefined;
  description?: string | undefined;
  attributes?: Record<string, string> | undefined;
  /** A fleet-indexing query: a dynamic group (CreateDynamicThingGroup), its members the things it matches. */
  query?: string | undefined;
}

/** CreateThingGroup (a static group, optionally below a parent), or CreateDynamicThingGroup when a query is given. */
export async function createThingGroup(conn: Connection, input: CreateThingGroupInput) {
  const properties = {
    ...(input.description !== undefined ? { thingGroupDescription: input.description } : {}),
    ...(input.attributes ? { attributePayload: { attributes: input.attributes } } : {}),
  };
  if (input.query !== undefined) {
    const dynamic = await conn.iot().send(
      new CreateDynamicThingGroupCommand({ thingGroupName: input.name, queryString: input.query, ...(Object.keys(properties).length ? { thingGroupProperties: properties } : {}) }),
    );
    return { thingGroupName: dynamic.thingGroupName!, thingGroupArn: dynamic.thingGroupArn!, thingGroupId: dynamic.thingGroupId!, queryString: dynamic.queryString };
  }
  const out = await conn.iot().send(
    new CreateThingGroupCommand({
      thingGroupName: input.name,
      ...(input.parent ? { parentGroupName: input.parent } : {}),
      ...(Object.keys(properties).length ? { thingGroupProperties: properties } : {}),
    }),
  );
  return { thingGroupName: out.thingGroupName!, thingGroupArn: out.thingGroupArn!, thingGroupId: out.thingGroupId! };
}

/** AddThingToThingGroup or RemoveThingFromThingGroup, for each thing in turn. */
export async function changeMembers(conn: Connection, group: string, things: string[], change: 'add' | 'remove') {
  for (const thingName of things) {
    const input = { thingGroupName: group, thingName };
    await conn.iot().send(change === 'add' ? new AddThingToThingGroupCommand(input) : new RemoveThingFromThingGroupCommand(input));
  }
  return { thingGroupName: group, [change === 'add' ? 'added' : 'removed']: things };
}

/** ListThingGroups: all of them, or the children of `parent` (`recursive`: all its descendants). */
export function listThingGroups(conn: Connection, options: { parent?: string | undefined; recursive?: boolean | undefined } = {}): Promise<GroupNameAndArn[]> {
  return allPages(async (nextToken) => {
    const out = await conn.iot().send(
      new ListThingGroupsCommand({
        maxResults: 250,
        ...(nextToken ? { nextToken } : {}),
        ...(options.parent ? { parentGroup: options.parent } : {}),
        ...(options.recursive ? { recursive: true } : {}),
      }),
    );
    return { items: out.thingGroups ?? [], nextToken: out.nextToken };
  });
}

/** DescribeThingGroup and ListThingsInThingGroup (its direct members). */
export async function describeThingGroup(conn: Connection, name: string) {
  const { $metadata: _, ...group } = await conn.iot().send(new DescribeThingGroupCommand({ thingGroupName: name }));
  return { ...group, things: await groupMembers(conn, name, false) };
}

/** ListThingsInThingGroup, every page (dynamic members included; `recursive`: its child groups' too). */
export function groupMembers(conn: Connection, name: string, recursive: boolean): Promise<string[]> {
  return allPages(async (nextToken) => {
    const out = await conn.iot().send(new ListThingsInThingGroupCommand({ thingGroupName: name, maxResults: 250, ...(recursive ? { recursive } : {}), ...(nextToken ? { nextToken } : {}) }));
    return { items: out.things ?? [], nextToken: out.nextToken };
  });
}

/** DeleteThingGroup (its things stay; they only leave the group). */
export async function deleteThingGroup(conn: Connection, name: string) {
  await conn.iot().send(new DeleteThingGroupCommand({ thingGroupName: name }));
  return { thingGroupName: name };
}
