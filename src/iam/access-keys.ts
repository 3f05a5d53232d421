import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { unauthenticated } from '../errors.js';
import { newAccessKeyId, newSecretAccessKey } from '../ids.js';
import type { CredentialResolver, ResolvedAccessKey } from './principal.js';

/** Access keys kept in the database: the root admin key and role sessions' temporary keys. */
export class AccessKeys implements CredentialResolver {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly accountId: string,
  ) {}

  async resolve(accessKeyId: string, sessionToken: string | undefined, nowMs: number): Promise<ResolvedAccessKey> {
    const row = await this.db.selectFrom('access_keys').selectAll().where('access_key_id', '=', accessKeyId).executeTakeFirst();
    if (!row) throw unauthenticated('The security token included in the request is invalid.', 'unknown-access-key');
    if (row.session_token !== null && row.session_token !== sessionToken) {
      throw unauthenticated('The security token included in the request is invalid.', 'invalid-token');
    }
    if (row.expires_at !== null && nowMs >= row.expires_at) {
      throw unauthenticated('The security token included in the request is expired', 'expired-token');
    }
    if (row.kind === 'root') {
      return { secretAccessKey: row.secret_access_key, principal: { kind: 'root', arn: row.principal_arn, accountId: this.accountId, accessKeyId } };
    }
    return {
      secretAccessKey: row.secret_access_key,
      principal: {
        kind: 'role-session',
        arn: row.principal_arn,
        accountId: this.accountId,
        accessKeyId,
        roleArn: row.role_arn ?? '',
        variables: row.session_context ? (JSON.parse(row.session_context) as Record<string, string>) : {},
      },
    };
  }

  /** The root admin key, created on first start. */
  async rootKey(nowMs: number): Promise<{ accessKeyId: string; secretAccessKey: string }> {
    const existing = await this.db
      .selectFrom('access_keys')
      .select(['access_key_id', 'secret_access_key'])
      .where('kind', '=', 'root')
      .orderBy('created_at')
      .executeTakeFirst();
    if (existing) return { accessKeyId: existing.access_key_id, secretAccessKey: existing.secret_access_key };
    const key = { accessKeyId: newAccessKeyId('AKIA'), secretAccessKey: newSecretAccessKey() };
    await this.db
      .insertInto('access_keys')
      .values({
        access_key_id: key.accessKeyId,
        secret_access_key: key.secretAccessKey,
        kind: 'root',
        principal_arn: `arn:aws:iam::${this.accountId}:root`,
        role_arn: null,
        session_token: null,
        session_context: null,
        created_at: nowMs,
        expires_at: null,
      })
      .execute();
    // Two nodes starting at once on PostgreSQL: the oldest root key wins for both.
    return this.rootKey(nowMs);
  }
}
