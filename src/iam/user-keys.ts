import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { invalidInput, limitExceeded, notFound } from '../errors.js';
import { newAccessKeyId, newSecretAccessKey } from '../ids.js';
import type { Database } from '../store/schema.js';
import type { SecretBox } from './secrets.js';
import { userRow } from './users.js';

export type KeyStatus = 'Active' | 'Inactive';

export interface UserAccessKey {
  userName: string;
  accessKeyId: string;
  status: KeyStatus;
  createDate: number;
}

export interface AccessKeyLastUsed {
  userName: string;
  lastUsedDate?: number;
  /** 'N/A' until used, as AWS answers. */
  serviceName: string;
  region: string;
}

/** IAM's quota: two access keys per user. */
export const MAX_KEYS_PER_USER = 2;

const keyNotFound = (id: string) => notFound('access-key', `The Access Key with id ${id} cannot be found.`);

/** IAM users' long-term access keys: the secret shown once, at creation, then kept sealed. */
export class UserKeys {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly box: SecretBox,
  ) {}

  async create(userName: string): Promise<UserAccessKey & { secretAccessKey: string }> {
    const user = await userRow(this.db, userName);
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('access_keys').select('access_key_id').where('user_id', '=', user.user_id).where('kind', '=', 'user').execute();
      if (existing.length >= MAX_KEYS_PER_USER) throw limitExceeded('access-key', `Cannot exceed quota for AccessKeysPerUser: ${MAX_KEYS_PER_USER}`);
      const now = this.clock.now();
      const key = { accessKeyId: newAccessKeyId('AKIA'), secretAccessKey: newSecretAccessKey() };
      await trx
        .insertInto('access_keys')
        .values({
          access_key_id: key.accessKeyId,
          secret_access_key: this.box.seal(key.secretAccessKey),
          kind: 'user',
          principal_arn: user.arn,
          role_arn: null,
          session_token: null,
          session_context: null,
          created_at: now,
          expires_at: null,
          user_id: user.user_id,
          status: 'Active',
        })
        .execute();
      return { userName: user.user_name, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, status: 'Active' as const, createDate: now };
    });
  }

  async list(userName: string): Promise<UserAccessKey[]> {
    const user = await userRow(this.db, userName);
    const rows = await this.db.selectFrom('access_keys').select(['access_key_id', 'status', 'created_at']).where('user_id', '=', user.user_id).where('kind', '=', 'user').orderBy('created_at').execute();
    return rows.map((r) => ({ userName: user.user_name, accessKeyId: r.access_key_id, status: (r.status as KeyStatus | null) ?? 'Active', createDate: r.created_at }));
  }

  async updateStatus(userName: string, accessKeyId: string, status: string): Promise<void> {
    if (status !== 'Active' && status !== 'Inactive') {
      throw invalidInput(`1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`, 'validation');
    }
    const user = await userRow(this.db, userName);
    const updated = await this.db.updateTable('access_keys').set({ status }).where('access_key_id', '=', accessKeyId).where('user_id', '=', user.user_id).where('kind', '=', 'user').executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) throw keyNotFound(accessKeyId);
  }

  async delete(userName: string, accessKeyId: string): Promise<void> {
    const user = await userRow(this.db, userName);
    const deleted = await this.db.deleteFrom('access_keys').where('access_key_id', '=', accessKeyId).where('user_id', '=', user.user_id).where('kind', '=', 'user').executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw keyNotFound(accessKeyId);
  }

  /** The user a key belongs to (ListAccessKeys/UpdateAccessKey default to the caller; this finds a key's owner). */
  async ownerOf(accessKeyId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('access_keys as k')
      .innerJoin('iam_users as u', 'u.user_id', 'k.user_id')
      .select('u.user_name')
      .where('k.access_key_id', '=', accessKeyId).where('k.kind', '=', 'user')
      .executeTakeFirst();
    return row?.user_name;
  }

  async lastUsed(accessKeyId: string): Promise<AccessKeyLastUsed> {
    const row = await this.db
      .selectFrom('access_keys as k')
      .innerJoin('iam_users as u', 'u.user_id', 'k.user_id')
      .select(['u.user_name', 'k.last_used_at', 'k.last_used_service', 'k.last_used_region'])
      .where('k.access_key_id', '=', accessKeyId).where('k.kind', '=', 'user')
      .executeTakeFirst();
    if (!row) throw keyNotFound(accessKeyId);
    return {
      userName: row.user_name,
      ...(row.last_used_at != null ? { lastUsedDate: row.last_used_at } : {}),
      serviceName: row.last_used_service ?? 'N/A',
      region: row.last_used_region ?? 'N/A',
    };
  }
}
