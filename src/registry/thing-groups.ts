import { alreadyExists, invalidInput, limitExceeded, notFound, versionConflict } from '../errors.js';
import { newUuid } from '../ids.js';
import type { IotThingGroupsTable } from '../store/tables/registry.js';
import { applyPayload, sameAttributes, validAttributes, withoutEmpty, type AttributePayload } from './attributes.js';
import { isUniqueViolation, parseJsonObject, type Db, type RegistryDeps } from './deps.js';
import { DEFAULT_PAGE, decodeToken, isString, pageOf, type Page, type PageRequest } from './paging.js';
import type { Tags } from './tags.js';
import type { Things } from './things.js';
import type { DynamicGroupStatus, GroupRef, Tag, ThingGroup } from './types.js';
import { optionalString, thingGroupName, thingName } from './validate.js';

export interface ThingGroupProperties {
  description?: string | undefined;
  attributePayload?: AttributePayload | undefined;
}

/** A group named by name or ARN, and a thing named by name or ARN (Add/RemoveThingToThingGroup). */
export interface MembershipRef {
  groupName?: string | undefined;
  groupArn?: string | undefined;
  thingName?: string | undefined;
  thingArn?: string | undefined;
}

// DG thing-groups.md: a thing is in at most 10 groups, at most one per hierarchy; hierarchies are at most 7 deep.
export const MAX_GROUPS_PER_THING = 10;
export const MAX_DEPTH = 7;
// Rows per statement (SQLite's variable limit is far above; PostgreSQL's 65,535 parameters too).
const CHUNK = 500;

/** A thing joining (member) or leaving a dynamic group. */
export interface DynamicMembership {
  groupName: string;
  thingName: string;
  member: boolean;
}
const MAX_GROUP_ATTRIBUTES = 50;

/** Static thing groups, their hierarchy and their members. */
export class ThingGroups {
  constructor(
    private readonly deps: RegistryDeps,
    private readonly things: Things,
    private readonly tags: Tags,
  ) {}

  /** Identical re-creation answers the existing group (aws-wire-protocols.md §3.3). */
  async create(name: string, input: { parentName?: string | undefined; properties?: ThingGroupProperties | undefined; tags?: Tag[] | undefined }): Promise<ThingGroup> {
    thingGroupName(name);
    const description = optionalString(input.properties?.description, 'thingGroupDescription', 2028);
    const attributes = withoutEmpty(validAttributes(input.properties?.attributePayload?.attributes));
    checkGroupAttributes(attributes);
    const existing = await this.get(this.deps.db, name);
    if (existing) {
      const same = existing.parentName === input.parentName && existing.description === description && sameAttributes(existing.attributes, attributes);
      if (same) return existing;
      throw alreadyExists('thing-group', `Thing Group ${name} already exists in current account with different properties`);
    }
    const parent = input.parentName === undefined ? undefined : await this.row(this.deps.db, input.parentName);
    if (input.parentName !== undefined && !parent) throw notFound('thing-group', `Parent thing group ${input.parentName} does not exist.`);
    if (parent?.query_string != null) throw invalidInput(`Thing group ${parent.group_name} is a dynamic thing group: a dynamic thing group cannot be a parent group.`);
    if (parent && parent.depth >= MAX_DEPTH) throw invalidInput(`A thing group hierarchy can be at most ${MAX_DEPTH} levels deep.`);
    const now = this.deps.clock.now();
    const row: IotThingGroupsTable = {
      group_name: name,
      group_id: newUuid(),
      parent_name: parent?.group_name ?? null,
      root_name: parent?.root_name ?? name,
      depth: parent ? parent.depth + 1 : 1,
      description: description ?? null,
      attributes: JSON.stringify(attributes),
      version: 1,
      created_at: now,
      modified_at: now,
      query_string: null,
      query_version: null,
      index_name: null,
      dynamic_status: null,
      build_due: null,
      build_owner: null,
      build_lease_until: null,
      build_after: null,
    };
    if (!(await this.insert(row, input.tags))) return this.create(name, input);
    return this.toGroup(row, await this.rootToParent(this.deps.db, row));
  }

  /** Writes a new group and its tags; false when one of that name was created meanwhile. */
  async insert(row: IotThingGroupsTable, tags: Tag[] | undefined): Promise<boolean> {
    try {
      await this.deps.db.transaction().execute(async (trx) => {
        await trx.insertInto('iot_thing_groups').values(row).execute();
        await this.tags.put(trx, this.deps.arns.thingGroup(row.group_name), tags ?? []);
      });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async describe(name: string): Promise<ThingGroup> {
    const group = await this.get(this.deps.db, name);
    if (!group) throw notFound('thing-group', `Thing group ${name} does not exist.`);
    return group;
  }

  async get(db: Db, name: string): Promise<ThingGroup | undefined> {
    const row = await this.row(db, name);
    return row && this.toGroup(row, await this.rootToParent(db, row));
  }

  async exists(name: string): Promise<boolean> {
    return (await this.row(this.deps.db, name)) !== undefined;
  }

  /** Without a parent: every group (recursive, the default) or the roots; with one: its descendants or children. */
  async list(request: PageRequest & { parentGroup?: string | undefined; namePrefix?: string | undefined; recursive?: boolean | undefined }): Promise<Page<GroupRef>> {
    const limit = request.limit ?? DEFAULT_PAGE;
    const after = decodeToken(request.token, isString);
    const recursive = request.recursive ?? true;
    const all = await this.deps.db.selectFrom('iot_thing_groups').select(['group_name', 'parent_name']).execute();
    let names: string[];
    if (request.parentGroup !== undefined) {
      if (!all.some((g) => g.group_name === request.parentGroup)) throw notFound('thing-group', `Thing group ${request.parentGroup} does not exist.`);
      names = recursive ? descendants(all, request.parentGroup) : all.filter((g) => g.parent_name === request.parentGroup).map((g) => g.group_name);
    } else {
      names = all.filter((g) => recursive || g.parent_name === null).map((g) => g.group_name);
    }
    const picked = names
      .filter((n) => (request.namePrefix === undefined || n.startsWith(request.namePrefix)) && (after === undefined || n > after))
      .sort()
      .slice(0, limit + 1);
    return pageOf(picked, limit, (n) => n, (n) => this.ref(n));
  }

  async update(name: string, properties: ThingGroupProperties, expectedVersion?: number): Promise<number> {
    const group = await this.describe(name);
    if (expectedVersion !== undefined && expectedVersion !== group.version) {
      throw versionConflict('thing-group', `The version for thing group ${name} does not match the expected version.`);
    }
    const description = properties.description === undefined ? group.description : optionalString(properties.description, 'thingGroupDescription', 2028);
    const attributes = properties.attributePayload ? applyPayload(group.attributes, properties.attributePayload) : group.attributes;
    checkGroupAttributes(attributes);
    const result = await this.deps.db
      .updateTable('iot_thing_groups')
      .set({ description: description ?? null, attributes: JSON.stringify(attributes), version: group.version + 1, modified_at: this.deps.clock.now() })
      .where('group_name', '=', name)
      .where('version', '=', group.version)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw versionConflict('thing-group', `The version for thing group ${name} does not match the expected version.`);
    return group.version + 1;
  }

  /** Deleting a group that does not exist succeeds; one with child groups is refused. Its members and policies are let go. */
  async delete(name: string, expectedVersion?: number): Promise<void> {
    thingGroupName(name);
    const group = await this.get(this.deps.db, name);
    if (!group) return;
    if (expectedVersion !== undefined && expectedVersion !== group.version) {
      throw versionConflict('thing-group', `The version for thing group ${name} does not match the expected version.`);
    }
    const child = await this.deps.db.selectFrom('iot_thing_groups').select('group_name').where('parent_name', '=', name).executeTakeFirst();
    if (child) throw invalidInput(`Cannot delete thing group ${name} when there are still child groups attached to it`);
    const { members, policies } = await this.deps.db.transaction().execute(async (trx) => {
      const members = await trx.selectFrom('iot_thing_group_members').select('thing_name').where('group_name', '=', name).execute();
      const policies = await trx.selectFrom('iot_policy_targets').select('policy_name').where('target', '=', group.arn).execute();
      await trx.deleteFrom('iot_thing_group_members').where('group_name', '=', name).execute();
      await trx.deleteFrom('iot_policy_targets').where('target', '=', group.arn).execute();
      await trx.deleteFrom('iot_thing_groups').where('group_name', '=', name).execute();
      await this.tags.removeAll(trx, group.arn);
      return { members, policies };
    });
    await this.deps.feed.emit('thing-group-deleted', { groupName: name, dynamic: group.dynamic !== undefined });
    for (const p of policies) await this.deps.feed.emit('policy-attachment', { policyName: p.policy_name, target: group.arn, attached: false });
    for (const m of members) await this.deps.feed.emit('thing-group-membership', { thingName: m.thing_name, groupName: name, member: false });
  }

  /**
   * Adding twice is a no-op; an eleventh group or a second group of one hierarchy is
   * refused, unless `overrideDynamicGroups` and the thing is in a dynamic group: then it
   * leaves the dynamic group it joined last (AWS's rule). Dynamic groups are refused.
   */
  async addThing(ref: MembershipRef & { overrideDynamicGroups?: boolean | undefined }): Promise<void> {
    const group = await this.identifyGroup(ref);
    refuseDynamic(group, 'add things to');
    const thing = await this.identifyThing(ref);
    let overridden: string | undefined;
    const added = await this.deps.db.transaction().execute(async (trx) => {
      // Membership changes of one thing take turns (the 10-group and one-per-hierarchy rules), on both engines.
      await this.lockThings(trx, [thing]);
      const current = await trx
        .selectFrom('iot_thing_group_members as m')
        .innerJoin('iot_thing_groups as g', 'g.group_name', 'm.group_name')
        .select(['g.group_name', 'g.root_name', 'g.query_string', 'm.added_at'])
        .where('m.thing_name', '=', thing)
        .execute();
      if (current.some((g) => g.group_name === group.group_name)) return false;
      const sameHierarchy = current.find((g) => g.root_name === group.root_name);
      if (sameHierarchy) {
        throw invalidInput(`Thing ${thing} is already in thing group ${sameHierarchy.group_name} of the same hierarchy; a thing can be in only one group of a hierarchy.`);
      }
      if (current.length >= MAX_GROUPS_PER_THING) {
        const lastDynamic = current.filter((g) => g.query_string !== null).sort((a, b) => b.added_at - a.added_at || (a.group_name < b.group_name ? 1 : -1))[0];
        if (!ref.overrideDynamicGroups || !lastDynamic) {
          throw limitExceeded('thing-group', `Thing ${thing} is already in ${MAX_GROUPS_PER_THING} thing groups, the most a thing can belong to.`);
        }
        await trx.deleteFrom('iot_thing_group_members').where('group_name', '=', lastDynamic.group_name).where('thing_name', '=', thing).execute();
        overridden = lastDynamic.group_name;
      }
      await trx.insertInto('iot_thing_group_members').values({ group_name: group.group_name, thing_name: thing, added_at: this.deps.clock.now() }).execute();
      return true;
    });
    if (overridden !== undefined) await this.deps.feed.emit('thing-group-membership', { thingName: thing, groupName: overridden, member: false });
    if (added) await this.deps.feed.emit('thing-group-membership', { thingName: thing, groupName: group.group_name, member: true });
  }

  /**
   * A dynamic group's query now matches the thing (or no longer does). Idempotent, safe when
   * several nodes evaluate the same change; a thing already in 10 groups does not join (AWS's rule).
   */
  async setDynamicMember(groupName: string, thing: string, member: boolean): Promise<boolean> {
    const applied = await this.deps.db.transaction().execute((trx) => this.setDynamicMembers(trx, [{ groupName, thingName: thing, member }]));
    await this.announceDynamic(applied);
    return applied.length > 0;
  }

  /**
   * Dynamic memberships to set, in the caller's transaction: the things are locked
   * first (see lockThings), so the 10-group count read here is the one written. A
   * join of a thing already in 10 groups is skipped, not an error, as on AWS (the
   * thing is simply not a member; it joins once it is in fewer), as is a join of a
   * thing or group that no longer exists. Returns the changes made, to be announced
   * (announceDynamic) once committed.
   */
  async setDynamicMembers(trx: Db, changes: readonly DynamicMembership[]): Promise<DynamicMembership[]> {
    if (changes.length === 0) return [];
    const things = [...new Set(changes.map((c) => c.thingName))].sort();
    const applied: DynamicMembership[] = [];
    for (let i = 0; i < things.length; i += CHUNK) {
      const chunk = new Set(things.slice(i, i + CHUNK));
      applied.push(...(await this.setChunk(trx, changes.filter((c) => chunk.has(c.thingName)), [...chunk])));
    }
    return applied;
  }

  private async setChunk(trx: Db, changes: DynamicMembership[], things: string[]): Promise<DynamicMembership[]> {
    const joining = changes.filter((c) => c.member);
    const existing = joining.length === 0 ? new Set<string>() : await this.lockThings(trx, [...new Set(joining.map((c) => c.thingName))]);
    const rows = await trx.selectFrom('iot_thing_group_members').select(['group_name', 'thing_name']).where('thing_name', 'in', things).execute();
    const current = new Map<string, Set<string>>(things.map((t) => [t, new Set<string>()]));
    for (const r of rows) current.get(r.thing_name)!.add(r.group_name);
    const groupNames = [...new Set(joining.map((c) => c.groupName))];
    const dynamic = groupNames.length === 0 ? new Set<string>() : new Set((await trx.selectFrom('iot_thing_groups').select('group_name').where('group_name', 'in', groupNames).where('query_string', 'is not', null).execute()).map((r) => r.group_name));
    const applied: DynamicMembership[] = [];
    // Leaving first: a thing moving between dynamic groups frees its place before it takes another.
    for (const c of [...changes.filter((c) => !c.member), ...joining]) {
      const groups = current.get(c.thingName)!;
      if (c.member === groups.has(c.groupName)) continue;
      if (c.member && (!existing.has(c.thingName) || !dynamic.has(c.groupName) || groups.size >= MAX_GROUPS_PER_THING)) continue;
      if (c.member) groups.add(c.groupName);
      else groups.delete(c.groupName);
      applied.push(c);
    }
    const now = this.deps.clock.now();
    const joins = applied.filter((c) => c.member);
    for (let i = 0; i < joins.length; i += CHUNK) {
      const values = joins.slice(i, i + CHUNK).map((c) => ({ group_name: c.groupName, thing_name: c.thingName, added_at: now }));
      await trx.insertInto('iot_thing_group_members').values(values).onConflict((oc) => oc.columns(['group_name', 'thing_name']).doNothing()).execute();
    }
    const leaves = new Map<string, string[]>();
    for (const c of applied) if (!c.member) leaves.set(c.groupName, [...(leaves.get(c.groupName) ?? []), c.thingName]);
    for (const [group, names] of leaves) await trx.deleteFrom('iot_thing_group_members').where('group_name', '=', group).where('thing_name', 'in', names).execute();
    return applied;
  }

  /** Tells the feed of dynamic membership changes once they are committed. */
  async announceDynamic(applied: readonly DynamicMembership[]): Promise<void> {
    for (const c of applied) await this.deps.feed.emit('thing-group-membership', { thingName: c.thingName, groupName: c.groupName, member: c.member });
  }

  /**
   * Makes concurrent membership changes of these things take turns until the
   * transaction ends. PostgreSQL: their rows FOR UPDATE, in name order. SQLite:
   * a no-op write, which takes the database's write lock before anything is
   * read (as BEGIN IMMEDIATE would), so a transaction of another process on
   * the same file waits instead of counting from a snapshot this one changes.
   */
  private async lockThings(trx: Db, things: string[]): Promise<Set<string>> {
    const sorted = [...things].sort();
    const rows =
      this.deps.dialect === 'postgres'
        ? await trx.selectFrom('iot_things').select('thing_name').where('thing_name', 'in', sorted).orderBy('thing_name').forUpdate().execute()
        : await trx.updateTable('iot_things').set((eb) => ({ thing_name: eb.ref('thing_name') })).where('thing_name', 'in', sorted).returning('thing_name').execute();
    // The things that exist (and are now locked).
    return new Set(rows.map((r) => r.thing_name));
  }

  /** Removing a thing that is not a member is a no-op. */
  async removeThing(ref: MembershipRef): Promise<void> {
    const group = await this.identifyGroup(ref);
    refuseDynamic(group, 'remove things from');
    const thing = await this.identifyThing(ref);
    const result = await this.deps.db.deleteFrom('iot_thing_group_members').where('group_name', '=', group.group_name).where('thing_name', '=', thing).executeTakeFirst();
    if (result.numDeletedRows > 0n) await this.deps.feed.emit('thing-group-membership', { thingName: thing, groupName: group.group_name, member: false });
  }

  /** UpdateThingGroupsForThing: removals first, then additions (each as AddThingToThingGroup, with overrideDynamicGroups). */
  async updateGroupsForThing(thing: string, add: string[], remove: string[], overrideDynamicGroups?: boolean): Promise<void> {
    await this.things.describe(thing);
    for (const groupName of remove) await this.removeThing({ groupName, thingName: thing });
    for (const groupName of add) await this.addThing({ groupName, thingName: thing, overrideDynamicGroups });
  }

  /** Things in a group; `recursive` adds the things of every descendant group. */
  async listThings(name: string, request: PageRequest & { recursive?: boolean | undefined }): Promise<Page<string>> {
    await this.describe(name);
    const limit = request.limit ?? DEFAULT_PAGE;
    const after = decodeToken(request.token, isString);
    let groups = [name];
    if (request.recursive) {
      const all = await this.deps.db.selectFrom('iot_thing_groups').select(['group_name', 'parent_name']).execute();
      groups = [name, ...descendants(all, name)];
    }
    let query = this.deps.db.selectFrom('iot_thing_group_members').select('thing_name').distinct().where('group_name', 'in', groups);
    if (after !== undefined) query = query.where('thing_name', '>', after);
    const rows = await query.orderBy('thing_name').limit(limit + 1).execute();
    return pageOf(rows, limit, (r) => r.thing_name, (r) => r.thing_name);
  }

  /** The groups a thing is directly in. */
  async groupsForThing(thing: string, request: PageRequest): Promise<Page<GroupRef>> {
    await this.things.describe(thing);
    const limit = request.limit ?? DEFAULT_PAGE;
    const after = decodeToken(request.token, isString);
    let query = this.deps.db.selectFrom('iot_thing_group_members').select('group_name').where('thing_name', '=', thing);
    if (after !== undefined) query = query.where('group_name', '>', after);
    const rows = await query.orderBy('group_name').limit(limit + 1).execute();
    return pageOf(rows, limit, (r) => r.group_name, (r) => this.ref(r.group_name));
  }

  /** A thing's groups and all their ancestors (whose policies apply to the thing's connections). */
  async groupsWithAncestors(db: Db, thing: string): Promise<string[]> {
    // Static groups only: a dynamic group has no policies, and a query must never grant permissions.
    const direct = await db
      .selectFrom('iot_thing_group_members as m')
      .innerJoin('iot_thing_groups as g', 'g.group_name', 'm.group_name')
      .select('m.group_name')
      .where('m.thing_name', '=', thing)
      .where('g.query_string', 'is', null)
      .execute();
    return this.withAncestors(db, direct.map((r) => r.group_name));
  }

  /** The groups and all their ancestors, nearest first. */
  async withAncestors(db: Db, groups: string[]): Promise<string[]> {
    const seen = new Set<string>(groups);
    let frontier = groups;
    while (frontier.length > 0) {
      const rows = await db.selectFrom('iot_thing_groups').select('parent_name').where('group_name', 'in', frontier).execute();
      frontier = rows.map((r) => r.parent_name).filter((p): p is string => p !== null && !seen.has(p));
      for (const p of frontier) seen.add(p);
    }
    return [...seen];
  }

  ref(name: string): GroupRef {
    return { name, arn: this.deps.arns.thingGroup(name) };
  }

  private async identifyGroup(ref: MembershipRef): Promise<IotThingGroupsTable> {
    if (ref.groupName === undefined && ref.groupArn === undefined) {
      throw invalidInput('Both thingGroupArn and thingGroupName are empty. Need to specify at least one of them');
    }
    const name = ref.groupName ?? this.deps.arns.nameIn(ref.groupArn!, 'thinggroup');
    if (name === undefined) throw invalidInput(`${ref.groupArn} is not a thing group ARN of this account and region.`);
    if (ref.groupName !== undefined && ref.groupArn !== undefined && this.deps.arns.thingGroup(ref.groupName) !== ref.groupArn) {
      throw invalidInput('thingGroupArn does not match thingGroupName.');
    }
    const row = await this.row(this.deps.db, name);
    if (!row) throw notFound('thing-group', `Thing group ${name} does not exist.`);
    return row;
  }

  private async identifyThing(ref: MembershipRef): Promise<string> {
    if (ref.thingName === undefined && ref.thingArn === undefined) {
      throw invalidInput('Both thingArn and thingName are empty. Need to specify at least one of them');
    }
    const name = ref.thingName ?? this.deps.arns.nameIn(ref.thingArn!, 'thing');
    if (name === undefined) throw invalidInput(`${ref.thingArn} is not a thing ARN of this account and region.`);
    if (ref.thingName !== undefined && ref.thingArn !== undefined && this.deps.arns.thing(ref.thingName) !== ref.thingArn) {
      throw invalidInput('thingArn does not match thingName.');
    }
    thingName(name);
    await this.things.describe(name);
    return name;
  }

  row(db: Db, name: string): Promise<IotThingGroupsTable | undefined> {
    return db.selectFrom('iot_thing_groups').selectAll().where('group_name', '=', name).executeTakeFirst();
  }

  private async rootToParent(db: Db, row: IotThingGroupsTable): Promise<GroupRef[]> {
    const chain: GroupRef[] = [];
    let parent = row.parent_name;
    while (parent !== null) {
      chain.unshift(this.ref(parent));
      const next = await this.row(db, parent);
      parent = next?.parent_name ?? null;
    }
    return chain;
  }

  toGroup(row: IotThingGroupsTable, rootToParent: GroupRef[]): ThingGroup {
    const group: ThingGroup = {
      name: row.group_name,
      id: row.group_id,
      arn: this.deps.arns.thingGroup(row.group_name),
      rootToParent,
      attributes: parseJsonObject(row.attributes),
      version: row.version,
      createdAt: row.created_at,
    };
    if (row.parent_name !== null) group.parentName = row.parent_name;
    if (row.description !== null) group.description = row.description;
    if (row.query_string !== null) {
      group.dynamic = { queryString: row.query_string, queryVersion: row.query_version ?? '2017-09-30', indexName: row.index_name ?? 'AWS_Things', status: (row.dynamic_status ?? 'ACTIVE') as DynamicGroupStatus };
    }
    return group;
  }
}

function descendants(all: Array<{ group_name: string; parent_name: string | null }>, name: string): string[] {
  const out: string[] = [];
  let frontier = [name];
  while (frontier.length > 0) {
    const next = all.filter((g) => g.parent_name !== null && frontier.includes(g.parent_name)).map((g) => g.group_name);
    out.push(...next);
    frontier = next;
  }
  return out;
}

function refuseDynamic(group: IotThingGroupsTable, verb: string): void {
  if (group.query_string !== null) throw invalidInput(`Thing group ${group.group_name} is a dynamic thing group: its members follow its query, you cannot ${verb} it by hand.`);
}

export function checkGroupAttributes(attributes: Record<string, string>): void {
  if (Object.keys(attributes).length > MAX_GROUP_ATTRIBUTES) {
    throw invalidInput(`A thing group can have at most ${MAX_GROUP_ATTRIBUTES} attributes.`);
  }
}
