/**
 * Dynamic thing groups (CreateDynamicThingGroup, UpdateDynamicThingGroup,
 * DeleteDynamicThingGroup): a thing group defined by a fleet-indexing query.
 * This part keeps the group's row; the fleet index (src/fleet) evaluates the
 * query and moves members in and out through ThingGroups.setDynamicMember.
 * AWS's rules: no parent and no children, no policies, no members by hand.
 */
import { alreadyExists, invalidInput, notFound, versionConflict } from '../errors.js';
import { newUuid } from '../ids.js';
import { parseQuery } from '../fleet/query/index.js';
import type { IotThingGroupsTable } from '../store/tables/registry.js';
import { applyPayload, sameAttributes, validAttributes, withoutEmpty } from './attributes.js';
import type { RegistryDeps } from './deps.js';
import type { Tags } from './tags.js';
import { checkGroupAttributes, type ThingGroupProperties, type ThingGroups } from './thing-groups.js';
import type { DynamicGroupStatus, Tag, ThingGroup } from './types.js';
import { optionalString, thingGroupName } from './validate.js';

export const THINGS_INDEX = 'AWS_Things';
export const QUERY_VERSION = '2017-09-30';

export interface DynamicQuery {
  queryString: string;
  queryVersion?: string | undefined;
  indexName?: string | undefined;
}

export class DynamicThingGroups {
  constructor(
    private readonly deps: RegistryDeps,
    private readonly groups: ThingGroups,
    private readonly tags: Tags,
  ) {}

  /** An identical re-creation answers the existing group; the fleet is evaluated in the background (BUILDING). */
  async create(name: string, input: DynamicQuery & { properties?: ThingGroupProperties | undefined; tags?: Tag[] | undefined }): Promise<ThingGroup> {
    thingGroupName(name);
    const query = checkQuery(input);
    const description = optionalString(input.properties?.description, 'thingGroupDescription', 2028);
    const attributes = withoutEmpty(validAttributes(input.properties?.attributePayload?.attributes));
    checkGroupAttributes(attributes);
    const existing = await this.groups.get(this.deps.db, name);
    if (existing) {
      const same = existing.dynamic?.queryString === query.queryString && existing.description === description && sameAttributes(existing.attributes, attributes);
      if (same) return existing;
      throw alreadyExists('thing-group', `Thing Group ${name} already exists in current account with different properties`);
    }
    const now = this.deps.clock.now();
    const row: IotThingGroupsTable = {
      group_name: name,
      group_id: newUuid(),
      parent_name: null,
      root_name: name,
      depth: 1,
      description: description ?? null,
      attributes: JSON.stringify(attributes),
      version: 1,
      created_at: now,
      modified_at: now,
      query_string: query.queryString,
      query_version: query.queryVersion,
      index_name: query.indexName,
      dynamic_status: 'BUILDING',
      build_due: now,
      build_owner: null,
      build_lease_until: null,
      build_after: null,
    };
    if (!(await this.groups.insert(row, input.tags))) return this.create(name, input);
    await this.deps.feed.emit('dynamic-group-query', { groupName: name, queryString: query.queryString });
    return this.groups.toGroup(row, []);
  }

  /** New properties and, optionally, a new query (the group is REBUILDING until the fleet is evaluated again). */
  async update(name: string, input: Partial<DynamicQuery> & { properties: ThingGroupProperties; expectedVersion?: number | undefined }): Promise<number> {
    const group = await this.require(name);
    if (input.expectedVersion !== undefined && input.expectedVersion !== group.version) {
      throw versionConflict('thing-group', `The version for thing group ${name} does not match the expected version.`);
    }
    const query = input.queryString === undefined ? undefined : checkQuery({ ...input, queryString: input.queryString });
    const description = input.properties.description === undefined ? group.description : optionalString(input.properties.description, 'thingGroupDescription', 2028);
    const attributes = input.properties.attributePayload ? applyPayload(group.attributes, input.properties.attributePayload) : group.attributes;
    checkGroupAttributes(attributes);
    const requery = query !== undefined && query.queryString !== group.dynamic!.queryString;
    const set: Partial<IotThingGroupsTable> = { description: description ?? null, attributes: JSON.stringify(attributes), version: group.version + 1, modified_at: this.deps.clock.now() };
    if (requery) Object.assign(set, { query_string: query.queryString, query_version: query.queryVersion, index_name: query.indexName, dynamic_status: 'REBUILDING', ...restartBuild(this.deps.clock.now()) });
    const result = await this.deps.db.updateTable('iot_thing_groups').set(set).where('group_name', '=', name).where('version', '=', group.version).executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw versionConflict('thing-group', `The version for thing group ${name} does not match the expected version.`);
    if (requery) await this.deps.feed.emit('dynamic-group-query', { groupName: name, queryString: query.queryString });
    return group.version + 1;
  }

  /** Deleting a group that does not exist succeeds; a static group is refused (DeleteThingGroup deletes those). */
  async delete(name: string, expectedVersion?: number): Promise<void> {
    thingGroupName(name);
    const group = await this.groups.get(this.deps.db, name);
    if (!group) return;
    if (!group.dynamic) throw invalidInput(`Thing group ${name} is a static thing group: delete it with DeleteThingGroup.`);
    await this.groups.delete(name, expectedVersion);
  }

  /** The dynamic groups and their queries (what the fleet index evaluates). */
  async all(): Promise<Array<{ name: string; queryString: string; status: DynamicGroupStatus }>> {
    const rows = await this.deps.db.selectFrom('iot_thing_groups').select(['group_name', 'query_string', 'dynamic_status']).where('query_string', 'is not', null).execute();
    return rows.map((r) => ({ name: r.group_name, queryString: r.query_string!, status: (r.dynamic_status ?? 'ACTIVE') as DynamicGroupStatus }));
  }

  /** The things currently in a dynamic group. */
  async members(name: string): Promise<string[]> {
    const rows = await this.deps.db.selectFrom('iot_thing_group_members').select('thing_name').where('group_name', '=', name).execute();
    return rows.map((r) => r.thing_name);
  }

  private async require(name: string): Promise<ThingGroup> {
    const group = await this.groups.get(this.deps.db, name);
    if (!group) throw notFound('thing-group', `Thing group ${name} does not exist.`);
    if (!group.dynamic) throw invalidInput(`Thing group ${name} is a static thing group: update it with UpdateThingGroup.`);
    return group;
  }
}

/** A new query's evaluation is due now, from the first thing; a lease held on the old one's is void. */
const restartBuild = (nowMs: number) => ({ build_due: nowMs, build_owner: null, build_lease_until: null, build_after: null });

/** The query must parse (InvalidQueryException otherwise); only the AWS_Things index and query version 2017-09-30 exist. */
function checkQuery(input: DynamicQuery): Required<DynamicQuery> {
  const indexName = input.indexName ?? THINGS_INDEX;
  if (indexName !== THINGS_INDEX) throw invalidInput(`A dynamic thing group's index must be ${THINGS_INDEX} (got ${JSON.stringify(indexName)}).`);
  const queryVersion = input.queryVersion ?? QUERY_VERSION;
  if (queryVersion !== QUERY_VERSION) throw invalidInput(`queryVersion must be ${QUERY_VERSION} (got ${JSON.stringify(queryVersion)}).`);
  parseQuery(input.queryString);
  return { queryString: input.queryString, queryVersion, indexName };
}
