import type { Kysely, Transaction } from 'kysely';
import { startsWith } from './sql.js';
import type { Clock } from '../clock.js';
import { alreadyExists, conflict, notFound } from '../errors.js';
import type { Database } from '../store/schema.js';
import type { IamRolesTable } from '../store/tables/iam.js';
import { roleArn } from './arns.js';
import type { PolicyDocuments } from './documents.js';
import { newIamId } from './ids.js';
import { DEFAULT_MAX_ITEMS, decodeMarker, pageOf, type Page, type PageRequest } from './paging.js';
import { isUniqueViolation } from './store-errors.js';
import type { Tag } from './validate.js';

export interface Role {
  roleId: string;
  roleName: string;
  path: string;
  arn: string;
  description?: string;
  /** The trust policy as the client sent it (AssumeRolePolicyDocument). */
  trustPolicy: string;
  maxSessionDuration: number;
  tags: Tag[];
  createdAt: number;
}

export interface CreateRoleInput {
  roleName: string;
  trustPolicy: string;
  path?: string | undefined;
  description?: string | undefined;
  maxSessionDuration?: number | undefined;
  tags?: Tag[] | undefined;
}

type Db = Kysely<Database> | Transaction<Database>;

export function toRole(row: IamRolesTable): Role {
  return {
    roleId: row.role_id,
    roleName: row.role_name,
    path: row.path,
    arn: row.arn,
    ...(row.description !== null ? { description: row.description } : {}),
    trustPolicy: row.trust_policy,
    maxSessionDuration: row.max_session_duration,
    tags: JSON.parse(row.tags) as Tag[],
    createdAt: row.created_at,
  };
}

export const roleNotFound = (name: string) => notFound('role', `The role with name ${name} cannot be found.`);

/** The row of the role named `name` (names ignore case), or NoSuchEntity. */
export async function roleRow(db: Db, name: string): Promise<IamRolesTable> {
  const row = await db.selectFrom('iam_roles').selectAll().where('name_key', '=', name.toLowerCase()).executeTakeFirst();
  if (!row) throw roleNotFound(name);
  return row;
}

/** IAM roles: a trust policy saying who may assume the role, and a session length cap. */
export class Roles {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly accountId: string,
    private readonly documents: PolicyDocuments,
  ) {}

  async create(input: CreateRoleInput): Promise<Role> {
    this.documents.checkTrust(input.trustPolicy);
    const path = input.path ?? '/';
    const row: IamRolesTable = {
      role_id: newIamId('AROA'),
      role_name: input.roleName,
      name_key: input.roleName.toLowerCase(),
      path,
      arn: roleArn(this.accountId, path, input.roleName),
      description: input.description ?? null,
      trust_policy: input.trustPolicy,
      max_session_duration: input.maxSessionDuration ?? 3600,
      tags: JSON.stringify(input.tags ?? []),
      created_at: this.clock.now(),
    };
    try {
      await this.db.insertInto('iam_roles').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyExists('role', `Role with name ${input.roleName} already exists.`);
      throw error;
    }
    return toRole(row);
  }

  async get(name: string): Promise<Role> {
    return toRole(await roleRow(this.db, name));
  }

  async findByName(name: string): Promise<Role | undefined> {
    const row = await this.db.selectFrom('iam_roles').selectAll().where('name_key', '=', name.toLowerCase()).executeTakeFirst();
    return row ? toRole(row) : undefined;
  }

  async findByArn(arn: string): Promise<Role | undefined> {
    const row = await this.db.selectFrom('iam_roles').selectAll().where('arn', '=', arn).executeTakeFirst();
    return row ? toRole(row) : undefined;
  }

  async list(request: PageRequest & { pathPrefix?: string | undefined }): Promise<Page<Role>> {
    const limit = request.maxItems ?? DEFAULT_MAX_ITEMS;
    const after = decodeMarker(request.marker);
    let query = this.db.selectFrom('iam_roles').selectAll().orderBy('name_key').limit(limit + 1);
    if (after !== undefined) query = query.where('name_key', '>', after);
    if (request.pathPrefix !== undefined && request.pathPrefix !== '/') query = query.where(startsWith('path', request.pathPrefix));
    const rows = await query.execute();
    return pageOf(rows, limit, (r) => r.name_key, toRole);
  }

  async update(name: string, changes: { description?: string | undefined; maxSessionDuration?: number | undefined }): Promise<void> {
    const row = await roleRow(this.db, name);
    const set: Partial<IamRolesTable> = {};
    if (changes.description !== undefined) set.description = changes.description;
    if (changes.maxSessionDuration !== undefined) set.max_session_duration = changes.maxSessionDuration;
    if (Object.keys(set).length === 0) return;
    await this.db.updateTable('iam_roles').set(set).where('role_id', '=', row.role_id).execute();
  }

  async updateTrust(name: string, trustPolicy: string): Promise<void> {
    this.documents.checkTrust(trustPolicy);
    const row = await roleRow(this.db, name);
    await this.db.updateTable('iam_roles').set({ trust_policy: trustPolicy }).where('role_id', '=', row.role_id).execute();
  }

  /** Refused while managed policies are attached or inline policies remain (AWS's DeleteConflict). */
  async delete(name: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const row = await roleRow(trx, name);
      const attached =
        (await trx.selectFrom('iam_role_policy_attachments').select('policy_id').where('role_id', '=', row.role_id).executeTakeFirst()) ??
        (await trx.selectFrom('iam_role_aws_policy_attachments').select('policy_arn').where('owner_id', '=', row.role_id).executeTakeFirst());
      if (attached) throw conflict('role', 'Cannot delete entity, must detach all policies first.');
      const inline = await trx.selectFrom('iam_role_inline_policies').select('policy_name').where('role_id', '=', row.role_id).executeTakeFirst();
      if (inline) throw conflict('role', 'Cannot delete entity, must delete policies first.');
      await trx.deleteFrom('iam_roles').where('role_id', '=', row.role_id).execute();
    });
  }
}
