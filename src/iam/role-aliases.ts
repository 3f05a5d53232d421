import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { alreadyExists, invalidInput, notFound } from '../errors.js';
import type { Database } from '../store/schema.js';
import type { IamRoleAliasesTable } from '../store/tables/iam.js';
import { roleAliasArn } from './arns.js';
import { DEFAULT_MAX_ITEMS, decodeMarker, pageOf, type Page, type PageRequest } from './paging.js';
import type { Roles } from './roles.js';
import { isUniqueViolation } from './store-errors.js';
import type { Tag } from './validate.js';

export interface RoleAlias {
  roleAlias: string;
  roleAliasArn: string;
  roleArn: string;
  owner: string;
  credentialDurationSeconds: number;
  tags: Tag[];
  createdAt: number;
  updatedAt: number;
}

// aws-wire-protocols.md §3.3 and §8: alias [\w=,@-]{1,128}; duration 900–43200 s, default 3600,
// and no longer than the role's MaxSessionDuration.
const ALIAS = /^[\w=,@-]{1,128}$/;
export const MIN_CREDENTIAL_DURATION = 900;
export const MAX_CREDENTIAL_DURATION = 43200;
export const DEFAULT_CREDENTIAL_DURATION = 3600;

export function checkAliasName(alias: string): string {
  if (!ALIAS.test(alias)) throw invalidInput(`Role alias ${JSON.stringify(alias)} is not valid: it must be 1 to 128 characters from letters, digits and _=,@-.`);
  return alias;
}

/**
 * IoT role aliases: the name a device uses to trade its certificate for a
 * role's temporary credentials (aws-wire-protocols.md §8).
 */
export class RoleAliases {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly region: string,
    private readonly accountId: string,
    private readonly roles: Roles,
  ) {}

  private toAlias(row: IamRoleAliasesTable): RoleAlias {
    return {
      roleAlias: row.role_alias,
      roleAliasArn: roleAliasArn(this.region, this.accountId, row.role_alias),
      roleArn: row.role_arn,
      owner: this.accountId,
      credentialDurationSeconds: row.credential_duration_seconds,
      tags: JSON.parse(row.tags) as Tag[],
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  arnOf(alias: string): string {
    return roleAliasArn(this.region, this.accountId, alias);
  }

  /** The role must exist and allow sessions at least as long as the alias hands out. */
  private async checkRole(roleArn: string, durationSeconds: number): Promise<void> {
    if (roleArn.length < 20 || roleArn.length > 2048) throw invalidInput('roleArn must be 20 to 2048 characters long.');
    if (!Number.isInteger(durationSeconds) || durationSeconds < MIN_CREDENTIAL_DURATION || durationSeconds > MAX_CREDENTIAL_DURATION) {
      throw invalidInput(`credentialDurationSeconds must be an integer from ${MIN_CREDENTIAL_DURATION} to ${MAX_CREDENTIAL_DURATION} (got ${durationSeconds}).`);
    }
    const role = await this.roles.findByArn(roleArn);
    if (!role) throw invalidInput(`Role ${roleArn} does not exist: create it with iam:CreateRole first.`);
    if (durationSeconds > role.maxSessionDuration) {
      throw invalidInput(
        `credentialDurationSeconds ${durationSeconds} exceeds the MaxSessionDuration of role ${roleArn} (${role.maxSessionDuration} seconds); raise it with iam:UpdateRole or ask for less.`,
      );
    }
  }

  async create(input: { roleAlias: string; roleArn: string; credentialDurationSeconds?: number | undefined; tags?: Tag[] | undefined }): Promise<RoleAlias> {
    checkAliasName(input.roleAlias);
    const duration = input.credentialDurationSeconds ?? DEFAULT_CREDENTIAL_DURATION;
    await this.checkRole(input.roleArn, duration);
    const now = this.clock.now();
    const row: IamRoleAliasesTable = {
      role_alias: input.roleAlias,
      role_arn: input.roleArn,
      credential_duration_seconds: duration,
      tags: JSON.stringify(input.tags ?? []),
      created_at: now,
      updated_at: now,
    };
    try {
      await this.db.insertInto('iam_role_aliases').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyExists('role-alias', `Role alias ${input.roleAlias} already exists.`);
      throw error;
    }
    return this.toAlias(row);
  }

  async find(alias: string): Promise<RoleAlias | undefined> {
    const row = await this.db.selectFrom('iam_role_aliases').selectAll().where('role_alias', '=', alias).executeTakeFirst();
    return row ? this.toAlias(row) : undefined;
  }

  async describe(alias: string): Promise<RoleAlias> {
    const found = await this.find(checkAliasName(alias));
    if (!found) throw notFound('role-alias', `Role alias ${alias} does not exist.`);
    return found;
  }

  async list(request: PageRequest & { ascending?: boolean | undefined }): Promise<Page<string>> {
    const limit = request.maxItems ?? DEFAULT_MAX_ITEMS;
    const after = decodeMarker(request.marker);
    const ascending = request.ascending ?? true;
    let query = this.db.selectFrom('iam_role_aliases').select('role_alias').orderBy('role_alias', ascending ? 'asc' : 'desc').limit(limit + 1);
    if (after !== undefined) query = query.where('role_alias', ascending ? '>' : '<', after);
    const rows = await query.execute();
    return pageOf(rows, limit, (r) => r.role_alias, (r) => r.role_alias);
  }

  async update(alias: string, changes: { roleArn?: string | undefined; credentialDurationSeconds?: number | undefined }): Promise<RoleAlias> {
    const current = await this.describe(alias);
    const roleArn = changes.roleArn ?? current.roleArn;
    const duration = changes.credentialDurationSeconds ?? current.credentialDurationSeconds;
    await this.checkRole(roleArn, duration);
    const now = this.clock.now();
    await this.db.updateTable('iam_role_aliases').set({ role_arn: roleArn, credential_duration_seconds: duration, updated_at: now }).where('role_alias', '=', alias).execute();
    return { ...current, roleArn, credentialDurationSeconds: duration, updatedAt: now };
  }

  async delete(alias: string): Promise<void> {
    const deleted = await this.db.deleteFrom('iam_role_aliases').where('role_alias', '=', checkAliasName(alias)).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw notFound('role-alias', `Role alias ${alias} does not exist.`);
  }
}
