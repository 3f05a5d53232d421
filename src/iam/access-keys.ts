import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { AccessKeysTable } from '../store/tables/core.js';
import { unauthenticated } from '../errors.js';
import { newAccessKeyId, newSecretAccessKey } from '../ids.js';
import type { CredentialResolver, KeyUse, Principal, ResolvedAccessKey } from './principal.js';
import { isSealed, tokenMatches, type SecretBox } from './secrets.js';
import { USER_SESSION } from './sessions.js';
import { sessionOver } from '../console/sessions.js';

const INVALID_TOKEN = 'The security token included in the request is invalid.';
/** A key's last use is written at most this often (GetAccessKeyLastUsed is not a request log). */
const LAST_USED_GRANULARITY_MS = 60_000;

/**
 * Access keys kept in the database: the root admin key, IAM users' keys and
 * role sessions' temporary keys, every secret sealed under the KEK and opened
 * only to verify a signature.
 */
export class AccessKeys implements CredentialResolver {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly accountId: string,
    private readonly box: SecretBox,
  ) {}

  async resolve(accessKeyId: string, sessionToken: string | undefined, nowMs: number): Promise<ResolvedAccessKey> {
    const row = await this.db.selectFrom('access_keys').selectAll().where('access_key_id', '=', accessKeyId).executeTakeFirst();
    if (!row) throw unauthenticated(INVALID_TOKEN, 'unknown-access-key');
    if (row.session_token !== null && !tokenMatches(row.session_token, sessionToken)) throw unauthenticated(INVALID_TOKEN, 'invalid-token');
    if (row.expires_at !== null && nowMs >= row.expires_at) {
      throw unauthenticated('The security token included in the request is expired', 'expired-token');
    }
    // AWS answers an Inactive key as it does an unknown one.
    if (row.status === 'Inactive') throw unauthenticated(INVALID_TOKEN, 'unknown-access-key');
    const secretAccessKey = this.box.open(row.secret_access_key);
    if (row.kind === 'root') {
      return { secretAccessKey, principal: { kind: 'root', arn: row.principal_arn, accountId: this.accountId, accessKeyId } };
    }
    // The root's GetSessionToken credentials belong to no IAM user.
    if (row.kind === USER_SESSION && row.user_id == null) {
      return { secretAccessKey, principal: { kind: 'root', arn: row.principal_arn, accountId: this.accountId, accessKeyId, sessionToken: true } };
    }
    if (row.kind === 'user' || row.kind === USER_SESSION) return this.userKey(row, secretAccessKey);
    if (row.kind === 'console-session') return this.consoleKey(row, secretAccessKey, nowMs);
    return {
      secretAccessKey,
      principal: {
        kind: 'role-session',
        arn: row.principal_arn,
        accountId: this.accountId,
        accessKeyId,
        roleArn: row.role_arn ?? '',
        variables: row.session_context ? (JSON.parse(row.session_context) as Record<string, string>) : {},
        ...(row.session_policy ? { sessionPolicy: row.session_policy } : {}),
        ...(row.source_identity ? { sourceIdentity: row.source_identity } : {}),
      },
    };
  }

  /**
   * Whether a console session's credential still acts (for the broker re-judging the session's
   * MQTT connection, which holds no token to present again): its row there, its session live.
   */
  async consoleCredentialLive(accessKeyId: string, nowMs: number): Promise<boolean> {
    const row = await this.db.selectFrom('access_keys').selectAll().where('access_key_id', '=', accessKeyId).where('kind', '=', 'console-session').executeTakeFirst();
    if (!row || row.status === 'Inactive' || (row.expires_at !== null && nowMs >= row.expires_at)) return false;
    return this.consoleKey(row, '', nowMs).then(
      () => true,
      () => false,
    );
  }

  /** After a signature by a user's key verified: its last use, for GetAccessKeyLastUsed. */
  async recordUse(principal: Principal, use: KeyUse, nowMs: number): Promise<void> {
    if (principal.kind !== 'user' || principal.sessionToken || principal.consoleSession) return;
    await this.db
      .updateTable('access_keys')
      .set({ last_used_at: nowMs, last_used_service: use.service, last_used_region: use.region })
      .where('access_key_id', '=', principal.accessKeyId)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', nowMs - LAST_USED_GRANULARITY_MS)]))
      .execute();
  }

  private async userKey(row: AccessKeysTable, secretAccessKey: string): Promise<ResolvedAccessKey> {
    const user = await this.db.selectFrom('iam_users').select(['user_id', 'user_name', 'arn']).where('user_id', '=', row.user_id ?? '').executeTakeFirst();
    if (!user) throw unauthenticated(INVALID_TOKEN, 'unknown-access-key');
    return {
      secretAccessKey,
      principal: {
        kind: 'user',
        arn: user.arn,
        accountId: this.accountId,
        accessKeyId: row.access_key_id,
        userName: user.user_name,
        userId: user.user_id,
        ...(row.kind === USER_SESSION ? { sessionToken: true as const } : {}),
      },
    };
  }

  /**
   * A console session's own credential acts as the identity that signed in (root or the IAM
   * user, with the same policies) while that session lives: not idle, not past its end, and
   * the access key it was signed in with (if any) still there and active.
   */
  private async consoleKey(row: AccessKeysTable, secretAccessKey: string, nowMs: number): Promise<ResolvedAccessKey> {
    const session = await this.db.selectFrom('console_sessions').select(['identity_kind', 'user_id', 'sign_in_key_id', 'expires_at', 'last_used_at', 'idle_ms']).where('credential_key_id', '=', row.access_key_id).executeTakeFirst();
    if (!session || sessionOver(session, nowMs)) throw unauthenticated('The security token included in the request is expired', 'expired-token');
    if (session.sign_in_key_id !== null) {
      const signIn = await this.db.selectFrom('access_keys').select('status').where('access_key_id', '=', session.sign_in_key_id).executeTakeFirst();
      if (!signIn || signIn.status === 'Inactive') throw unauthenticated(INVALID_TOKEN, 'invalid-token');
    }
    if (session.identity_kind === 'root') return { secretAccessKey, principal: { kind: 'root', arn: row.principal_arn, accountId: this.accountId, accessKeyId: row.access_key_id, consoleSession: true } };
    // The user is the session's: the credential is not one of the user's access keys (ListAccessKeys, the two-key limit).
    const user = await this.userKey({ ...row, user_id: session.user_id }, secretAccessKey);
    if (user.principal.kind !== 'user') throw unauthenticated(INVALID_TOKEN, 'invalid-token');
    return { ...user, principal: { ...user.principal, consoleSession: true } };
  }

  /** The root admin key, created on first start; a plaintext secret from before sealing is sealed here. */
  async rootKey(nowMs: number): Promise<{ accessKeyId: string; secretAccessKey: string }> {
    const existing = await this.db
      .selectFrom('access_keys')
      .select(['access_key_id', 'secret_access_key'])
      .where('kind', '=', 'root')
      .orderBy('created_at')
      .executeTakeFirst();
    if (existing) {
      await this.sealPlaintext();
      const secret = isSealed(existing.secret_access_key) ? this.box.open(existing.secret_access_key) : existing.secret_access_key;
      return { accessKeyId: existing.access_key_id, secretAccessKey: secret };
    }
    await this.insertRoot(nowMs);
    // Two nodes starting at once on PostgreSQL: the oldest root key wins for both.
    return this.rootKey(nowMs);
  }

  /**
   * `ferry admin rotate-root-key`: a new root key replaces every old one in
   * one transaction, so the old key is refused from the next request on.
   */
  async rotateRootKey(nowMs: number): Promise<{ accessKeyId: string; secretAccessKey: string }> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('access_keys').where('kind', '=', 'root').execute();
      // The root's GetSessionToken sessions end with the key (a rotation is what follows a leak).
      await trx.deleteFrom('access_keys').where('kind', '=', USER_SESSION).where('user_id', 'is', null).execute();
      return this.insertRoot(nowMs, trx);
    });
  }

  private async insertRoot(nowMs: number, db: Kysely<Database> = this.db): Promise<{ accessKeyId: string; secretAccessKey: string }> {
    const key = { accessKeyId: newAccessKeyId('AKIA'), secretAccessKey: newSecretAccessKey() };
    await db
      .insertInto('access_keys')
      .values({
        access_key_id: key.accessKeyId,
        secret_access_key: this.box.seal(key.secretAccessKey),
        kind: 'root',
        principal_arn: `arn:aws:iam::${this.accountId}:root`,
        role_arn: null,
        session_token: null,
        session_context: null,
        created_at: nowMs,
        expires_at: null,
      })
      .execute();
    return key;
  }

  /** Databases from before secrets were sealed: seal every plaintext secret once, drop old temporary keys. */
  private async sealPlaintext(): Promise<void> {
    const rows = await this.db.selectFrom('access_keys').select(['access_key_id', 'secret_access_key', 'expires_at']).execute();
    for (const row of rows) {
      if (isSealed(row.secret_access_key)) continue;
      // An old temporary key is simply dropped (its holder asks again); long-term ones are sealed.
      if (row.expires_at !== null) {
        await this.db.deleteFrom('access_keys').where('access_key_id', '=', row.access_key_id).execute();
        continue;
      }
      await this.db
        .updateTable('access_keys')
        .set({ secret_access_key: this.box.seal(row.secret_access_key) })
        .where('access_key_id', '=', row.access_key_id)
        .where('secret_access_key', '=', row.secret_access_key)
        .execute();
    }
  }
}
