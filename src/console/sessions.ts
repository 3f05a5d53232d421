/**
 * Console sessions, kept in the database (table console_sessions) so that every node of a
 * cluster knows them and they survive a restart. The browser holds only an opaque id (256
 * random bits) in an HttpOnly cookie; the table holds its digest. Each session has its own
 * short-lived credential (ASIA…, secret, session token): an `access_keys` row of kind
 * 'console-session' that acts as the signed-in identity (root or the IAM user, with the same
 * policies), valid only while its session lives (AccessKeys.resolve checks it). A session ends
 * at sign-out, "sign out everywhere", a password change, when the key that signed in is
 * deactivated or deleted, after an idle period or at its absolute lifetime; ending it deletes
 * its credential.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { newAccessKeyId, newSecretAccessKey } from '../ids.js';
import { newSessionToken } from '../iam/ids.js';
import { tokenDigest, type SecretBox } from '../iam/secrets.js';
import type { Database } from '../store/schema.js';
import type { ConsoleSessionsTable } from '../store/tables/console.js';

export interface ConsoleIdentity {
  kind: 'root' | 'user';
  arn: string;
  /** The IAM user (kind 'user'). */
  userId?: string;
  userName?: string;
  /** The long-term key that signed in; absent for a password sign-in. */
  signInKeyId?: string;
  /** A password user whose login profile says PasswordResetRequired. */
  passwordChangeRequired?: boolean;
}

export interface ConsoleSession {
  kind: 'root' | 'user';
  arn: string;
  userId: string | undefined;
  signInKeyId: string | undefined;
  method: 'key' | 'password';
  passwordChangeRequired: boolean;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
  /** The session's own credential (server-side only). */
  credential: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
}

export interface SessionLimits {
  /** Ends a session unused this long. */
  idleMs: number;
  /** Ends a session this long after sign-in, used or not. */
  absoluteMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 30 * 60_000, absoluteMs: 12 * 3600_000 };

/** Only a digest of each id is kept, so what is in the database cannot be replayed as a cookie. */
export const sessionDigest = (id: string): string => createHash('sha256').update(id).digest('base64url');

/** Is this row's session over at `now`? */
export const sessionOver = (row: Pick<ConsoleSessionsTable, 'expires_at' | 'last_used_at' | 'idle_ms'>, now: number): boolean => now >= row.expires_at || now - row.last_used_at >= row.idle_ms;

/** Idle-timer writes are skipped when the last one is this recent (a page load makes several requests). */
const TOUCH_GRANULARITY_MS = 1000;

export class ConsoleSessions {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly box: SecretBox,
  ) {}

  /** A new session and its credential; returns the cookie's id and the record. */
  async create(identity: ConsoleIdentity, limits: SessionLimits = DEFAULT_SESSION_LIMITS): Promise<{ id: string; session: ConsoleSession }> {
    const now = this.clock.now();
    await this.sweep(now);
    const id = randomBytes(32).toString('base64url');
    const credential = { accessKeyId: newAccessKeyId('ASIA'), secretAccessKey: newSecretAccessKey(), sessionToken: newSessionToken() };
    const expiresAt = now + limits.absoluteMs;
    const row: ConsoleSessionsTable = {
      id_digest: sessionDigest(id),
      credential_key_id: credential.accessKeyId,
      credential_secret: this.box.seal(credential.secretAccessKey),
      credential_token: this.box.seal(credential.sessionToken),
      identity_kind: identity.kind,
      principal_arn: identity.arn,
      user_id: identity.userId ?? null,
      sign_in_key_id: identity.signInKeyId ?? null,
      sign_in_method: identity.signInKeyId ? 'key' : 'password',
      password_change_required: identity.passwordChangeRequired ? 1 : 0,
      created_at: now,
      last_used_at: now,
      expires_at: expiresAt,
      idle_ms: limits.idleMs,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('access_keys')
        .values({
          access_key_id: credential.accessKeyId,
          secret_access_key: this.box.seal(credential.secretAccessKey),
          kind: 'console-session',
          principal_arn: identity.arn,
          role_arn: null,
          session_token: tokenDigest(credential.sessionToken),
          session_context: null,
          created_at: now,
          expires_at: expiresAt,
        })
        .execute();
      await trx.insertInto('console_sessions').values(row).execute();
    });
    return { id, session: this.toSession(row) };
  }

  /** The live session of this id (its idle timer restarted), or undefined when unknown or over (then it is ended). */
  async use(id: string): Promise<ConsoleSession | undefined> {
    const row = await this.db.selectFrom('console_sessions').selectAll().where('id_digest', '=', sessionDigest(id)).executeTakeFirst();
    if (!row) return undefined;
    const now = this.clock.now();
    if (sessionOver(row, now)) {
      await this.endRows([row]);
      return undefined;
    }
    if (now - row.last_used_at >= TOUCH_GRANULARITY_MS) {
      await this.db.updateTable('console_sessions').set({ last_used_at: now }).where('id_digest', '=', row.id_digest).execute();
      row.last_used_at = now;
    }
    return this.toSession(row);
  }

  async end(id: string): Promise<void> {
    await this.endWhere((q) => q.where('id_digest', '=', sessionDigest(id)));
  }

  /** The password user's required change is done. */
  async passwordChanged(credentialKeyId: string): Promise<void> {
    await this.db.updateTable('console_sessions').set({ password_change_required: 0 }).where('credential_key_id', '=', credentialKeyId).execute();
  }

  /** Ends every session signed in with this access key; returns how many. */
  endAllOfKey(accessKeyId: string): Promise<number> {
    return this.endWhere((q) => q.where('sign_in_key_id', '=', accessKeyId));
  }

  /** Ends every session of this identity (the IAM user, or root), but the one holding `exceptCredential`; returns how many. */
  endAllOf(who: { userId?: string | undefined; arn: string }, exceptCredential?: string): Promise<number> {
    return this.endWhere((q) => {
      const mine = who.userId ? q.where('user_id', '=', who.userId) : q.where('principal_arn', '=', who.arn).where('identity_kind', '=', 'root');
      return exceptCredential ? mine.where('credential_key_id', '!=', exceptCredential) : mine;
    });
  }

  /** Deletes sessions over for a while (and their credentials); at most once a minute per process. */
  private lastSweep = 0;
  async sweep(now: number): Promise<void> {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    await this.endWhere((q) => q.where('expires_at', '<=', now));
  }

  private async endWhere(filter: (q: ReturnType<typeof this.selectRows>) => ReturnType<typeof this.selectRows>): Promise<number> {
    const rows = await filter(this.selectRows()).execute();
    await this.endRows(rows);
    return rows.length;
  }

  private selectRows() {
    return this.db.selectFrom('console_sessions').select(['id_digest', 'credential_key_id']);
  }

  private async endRows(rows: Array<Pick<ConsoleSessionsTable, 'id_digest' | 'credential_key_id'>>): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('access_keys').where('kind', '=', 'console-session').where('access_key_id', 'in', rows.map((r) => r.credential_key_id)).execute();
      await trx.deleteFrom('console_sessions').where('id_digest', 'in', rows.map((r) => r.id_digest)).execute();
    });
  }

  private toSession(row: ConsoleSessionsTable): ConsoleSession {
    return {
      kind: row.identity_kind === 'root' ? 'root' : 'user',
      arn: row.principal_arn,
      userId: row.user_id ?? undefined,
      signInKeyId: row.sign_in_key_id ?? undefined,
      method: row.sign_in_method === 'password' ? 'password' : 'key',
      passwordChangeRequired: row.password_change_required === 1,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
      expiresAt: row.expires_at,
      credential: { accessKeyId: row.credential_key_id, secretAccessKey: this.box.open(row.credential_secret), sessionToken: this.box.open(row.credential_token) },
    };
  }
}
