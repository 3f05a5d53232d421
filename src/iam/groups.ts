import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { alreadyExists, conflict, limitExceeded, notFound } from '../errors.js';
import type { Database } from '../store/schema.js';
import type { IamGroupsTable } from '../store/tables/iam-users.js';
import { groupArn } from './arns.js';
import { newIamId } from './ids.js';
import { DEFAULT_MAX_ITEMS, decodeMarker, pageOf, type Page, type PageRequest } from './paging.js';
import { startsWith } from './sql.js';
import { isUniqueViolation } from './store-errors.js';
import { toUser, userRow, type User } from './users.js';

export interface Group {
  groupId: string;
  groupName: string;
  path: string;
  arn: string;
  createdAt: number;
}

/** IAM's default quota of groups a user may be in. */
export const MAX_GROUPS_PER_USER = 10;

type Db = Kysely<Database> | Transaction<Database>;

const toGroup = (row: IamGroupsTable): Group => ({ groupId: row.group_id, groupName: row.group_name, path: row.path, arn: row.arn, createdAt: row.created_at });

export const groupNotFound = (name: string) => notFound('group', `The group with name ${name} cannot be found.`);

export async function groupRow(db: Db, name: string): Promise<IamGroupsTable> {
  const row = await db.selectFrom('iam_groups').selectAll().where('name_key', '=', name.toLowerCase()).executeTakeFirst();
  if (!row) throw groupNotFound(name);
  return row;
}

/** IAM groups: policies shared by their members; membership read at every decision. */
export class Groups {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly accountId: string,
  ) {}

  async create(input: { groupName: string; path?: string | undefined }): Promise<Group> {
    const path = input.path ?? '/';
    const row: IamGroupsTable = {
      group_id: newIamId('AGPA'),
      group_name: input.groupName,
      name_key: input.groupName.toLowerCase(),
      path,
      arn: groupArn(this.accountId, path, input.groupName),
      created_at: this.clock.now(),
    };
    try {
      await this.db.insertInto('iam_groups').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyExists('group', `Group with name ${input.groupName} already exists.`);
      throw error;
    }
    return toGroup(row);
  }

  /** GetGroup: the group and (a page of) its users. */
  async get(groupName: string, request: PageRequest): Promise<{ group: Group; users: Page<User> }> {
    const group = await groupRow(this.db, groupName);
    const limit = request.maxItems ?? DEFAULT_MAX_ITEMS;
    const after = decodeMarker(request.marker);
    let query = this.db
      .selectFrom('iam_group_members as m')
      .innerJoin('iam_users as u', 'u.user_id', 'm.user_id')
      .selectAll('u')
      .where('m.group_id', '=', group.group_id)
      .orderBy('u.name_key')
      .limit(limit + 1);
    if (after !== undefined) query = query.where('u.name_key', '>', after);
    return { group: toGroup(group), users: pageOf(await query.execute(), limit, (r) => r.name_key, toUser) };
  }

  async list(request: PageRequest & { pathPrefix?: string | undefined }): Promise<Page<Group>> {
    const limit = request.maxItems ?? DEFAULT_MAX_ITEMS;
    const after = decodeMarker(request.marker);
    let query = this.db.selectFrom('iam_groups').selectAll().orderBy('name_key').limit(limit + 1);
    if (after !== undefined) query = query.where('name_key', '>', after);
    if (request.pathPrefix !== undefined && request.pathPrefix !== '/') query = query.where(startsWith('path', request.pathPrefix));
    return pageOf(await query.execute(), limit, (r) => r.name_key, toGroup);
  }

  async listForUser(userName: string, request: PageRequest): Promise<Page<Group>> {
    const user = await userRow(this.db, userName);
    const limit = request.maxItems ?? DEFAULT_MAX_ITEMS;
    const after = decodeMarker(request.marker);
    let query = this.db
      .selectFrom('iam_group_members as m')
      .innerJoin('iam_groups as g', 'g.group_id', 'm.group_id')
      .selectAll('g')
      .where('m.user_id', '=', user.user_id)
      .orderBy('g.name_key')
      .limit(limit + 1);
    if (after !== undefined) query = query.where('g.name_key', '>', after);
    return pageOf(await query.execute(), limit, (r) => r.name_key, toGroup);
  }

  /** Adding a member again changes nothing, as on AWS. */
  async addUser(groupName: string, userName: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const group = await groupRow(trx, groupName);
      const user = await userRow(trx, userName);
      const memberships = await trx.selectFrom('iam_group_members').select('group_id').where('user_id', '=', user.user_id).execute();
      if (memberships.some((m) => m.group_id === group.group_id)) return;
      if (memberships.length >= MAX_GROUPS_PER_USER) throw limitExceeded('user', `Cannot exceed quota for GroupsPerUser: ${MAX_GROUPS_PER_USER}`);
      try {
        await trx.insertInto('iam_group_members').values({ group_id: group.group_id, user_id: user.user_id, added_at: this.clock.now() }).execute();
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
    });
  }

  async removeUser(groupName: string, userName: string): Promise<void> {
    const group = await groupRow(this.db, groupName);
    const user = await userRow(this.db, userName);
    const deleted = await this.db.deleteFrom('iam_group_members').where('group_id', '=', group.group_id).where('user_id', '=', user.user_id).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw notFound('user', `The user with name ${user.user_name} cannot be found in group ${group.group_name}.`);
  }

  /** Refused while it has members or policies (DeleteConflict). */
  async delete(groupName: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const group = await groupRow(trx, groupName);
      const member = await trx.selectFrom('iam_group_members').select('user_id').where('group_id', '=', group.group_id).executeTakeFirst();
      if (member) throw conflict('group', 'Cannot delete entity, must remove users from group first.');
      const attached = await trx.selectFrom('iam_group_policy_attachments').select('owner_id').where('owner_id', '=', group.group_id).executeTakeFirst();
      if (attached) throw conflict('group', 'Cannot delete entity, must detach all policies first.');
      const inline = await trx.selectFrom('iam_group_inline_policies').select('owner_id').where('owner_id', '=', group.group_id).executeTakeFirst();
      if (inline) throw conflict('group', 'Cannot delete entity, must delete policies first.');
      await trx.deleteFrom('iam_groups').where('group_id', '=', group.group_id).execute();
    });
  }
}
