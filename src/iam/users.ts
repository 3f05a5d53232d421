import { USER_SESSION } from './sessions.js';
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { alreadyExists, conflict, notFound } from '../errors.js';
import type { Database } from '../store/schema.js';
import type { IamUsersTable } from '../store/tables/iam-users.js';
import { userArn } from './arns.js';
import { newIamId } from './ids.js';
import { DEFAULT_MAX_ITEMS, decodeMarker, pageOf, type Page, type PageRequest } from './paging.js';
import { startsWith } from './sql.js';
import { isUniqueViolation } from './store-errors.js';
import { validTags, type Tag } from './validate.js';

export interface User {
  userId: string;
  userName: string;
  path: string;
  arn: string;
  tags: Tag[];
  createdAt: number;
  passwordLastUsed?: number;
}

type Db = Kysely<Database> | Transaction<Database>;

export function toUser(row: IamUsersTable): User {
  return {
    userId: row.user_id,
    userName: row.user_name,
    path: row.path,
    arn: row.arn,
    tags: JSON.parse(row.tags) as Tag[],
    createdAt: row.created_at,
    ...(row.password_last_used !== null ? { passwordLastUsed: row.password_last_used } : {}),
  };
}

export const userNotFound = (name: string) => notFound('user', `The user with name ${name} cannot be found.`);

/** The row of the user named `name` (names ignore case), or NoSuchEntity. */
export async function userRow(db: Db, name: string): Promise<IamUsersTable> {
  const row = await db.selectFrom('iam_users').selectAll().where('name_key', '=', name.toLowerCase()).executeTakeFirst();
  if (!row) throw userNotFound(name);
  return row;
}

/** What still hangs on a user, in the order AWS names it when refusing DeleteUser. */
const DEPENDENTS: Array<{ table: 'access_keys' | 'iam_login_profiles' | 'iam_user_policy_attachments' | 'iam_user_inline_policies' | 'iam_group_members'; column: 'user_id' | 'owner_id'; message: string }> = [
  { table: 'iam_login_profiles', column: 'user_id', message: 'Cannot delete entity, must delete login profile first.' },
  { table: 'access_keys', column: 'user_id', message: 'Cannot delete entity, must delete access keys first.' },
  { table: 'iam_user_policy_attachments', column: 'owner_id', message: 'Cannot delete entity, must detach all policies first.' },
  { table: 'iam_user_inline_policies', column: 'owner_id', message: 'Cannot delete entity, must delete policies first.' },
  { table: 'iam_group_members', column: 'user_id', message: 'Cannot delete entity, must remove users from group first.' },
];

/** IAM users: the operators of the account, each with its own keys, password and policies. */
export class Users {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly accountId: string,
  ) {}

  async create(input: { userName: string; path?: string | undefined; tags?: Tag[] | undefined }): Promise<User> {
    const path = input.path ?? '/';
    const row: IamUsersTable = {
      user_id: newIamId('AIDA'),
      user_name: input.userName,
      name_key: input.userName.toLowerCase(),
      path,
      arn: userArn(this.accountId, path, input.userName),
      tags: JSON.stringify(input.tags ?? []),
      created_at: this.clock.now(),
      password_last_used: null,
    };
    try {
      await this.db.insertInto('iam_users').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyExists('user', `User with name ${input.userName} already exists.`);
      throw error;
    }
    return toUser(row);
  }

  async get(userName: string): Promise<User> {
    return toUser(await userRow(this.db, userName));
  }

  async findById(userId: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('iam_users').selectAll().where('user_id', '=', userId).executeTakeFirst();
    return row && toUser(row);
  }

  async list(request: PageRequest & { pathPrefix?: string | undefined }): Promise<Page<User>> {
    const limit = request.maxItems ?? DEFAULT_MAX_ITEMS;
    const after = decodeMarker(request.marker);
    let query = this.db.selectFrom('iam_users').selectAll().orderBy('name_key').limit(limit + 1);
    if (after !== undefined) query = query.where('name_key', '>', after);
    if (request.pathPrefix !== undefined && request.pathPrefix !== '/') query = query.where(startsWith('path', request.pathPrefix));
    return pageOf(await query.execute(), limit, (r) => r.name_key, toUser);
  }

  /** UpdateUser: a new name and/or path; the id stays, the ARN follows. */
  async update(userName: string, change: { newUserName?: string | undefined; newPath?: string | undefined }): Promise<void> {
    const row = await userRow(this.db, userName);
    const name = change.newUserName ?? row.user_name;
    const path = change.newPath ?? row.path;
    try {
      await this.db
        .updateTable('iam_users')
        .set({ user_name: name, name_key: name.toLowerCase(), path, arn: userArn(this.accountId, path, name) })
        .where('user_id', '=', row.user_id)
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyExists('user', `User with name ${name} already exists.`);
      throw error;
    }
  }

  /** Refused while keys, a login profile, policies or group memberships remain (AWS's DeleteConflict). */
  async delete(userName: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const row = await userRow(trx, userName);
      // The user's GetSessionToken sessions end with it (they are not keys the user must delete first).
      await trx.deleteFrom('access_keys').where('user_id', '=', row.user_id).where('kind', '=', USER_SESSION).execute();
      for (const d of DEPENDENTS) {
        const found = await trx.selectFrom(d.table).select(d.column).where(d.column, '=', row.user_id).executeTakeFirst();
        if (found) throw conflict('user', d.message);
      }
      await trx.deleteFrom('iam_users').where('user_id', '=', row.user_id).execute();
    });
  }

  /** TagUser: adds or replaces tags by key (keys ignore case), at most 50 in all. */
  async tag(userName: string, tags: Tag[]): Promise<void> {
    const row = await userRow(this.db, userName);
    const current = JSON.parse(row.tags) as Tag[];
    const keys = new Set(tags.map((t) => t.Key.toLowerCase()));
    const merged = validTags([...current.filter((t) => !keys.has(t.Key.toLowerCase())), ...tags]);
    await this.db.updateTable('iam_users').set({ tags: JSON.stringify(merged) }).where('user_id', '=', row.user_id).execute();
  }

  async untag(userName: string, tagKeys: string[]): Promise<void> {
    const row = await userRow(this.db, userName);
    const keys = new Set(tagKeys.map((k) => k.toLowerCase()));
    const kept = (JSON.parse(row.tags) as Tag[]).filter((t) => !keys.has(t.Key.toLowerCase()));
    await this.db.updateTable('iam_users').set({ tags: JSON.stringify(kept) }).where('user_id', '=', row.user_id).execute();
  }
}
