import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { newAccessKeyId, newSecretAccessKey } from '../ids.js';
import type { Database } from '../store/schema.js';
import { assumedRoleArn } from './arns.js';
import { newSessionToken } from './ids.js';
import type { Role } from './roles.js';
import { tokenDigest, type SecretBox } from './secrets.js';

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch milliseconds. */
  expiration: number;
}

export interface SessionRequest {
  /** Names the session in its ARN: `arn:aws:sts::A:assumed-role/Role/<sessionName>`. */
  sessionName: string;
  durationSeconds: number;
  /** Policy variables of the session, e.g. `credentials-iot:ThingName` (aws-wire-protocols.md §8). */
  variables?: Record<string, string>;
  /** AssumeRole's session policies (Policy and PolicyArns as one document), narrowing the role. */
  sessionPolicy?: string;
  /** AssumeRole's SourceIdentity (aws:SourceIdentity), carried to chained sessions. */
  sourceIdentity?: string;
}

/** The IAM user a GetSessionToken session acts as. */
export interface SessionUser {
  /** Null for the root's sessions. */
  userId: string | null;
  arn: string;
}

/** Expired keys stay a while so their use is answered ExpiredToken, not InvalidAccessKeyId. */
/** The `access_keys.kind` of GetSessionToken's credentials (a user's, temporary). */
export const USER_SESSION = 'user-session';

export const EXPIRED_KEY_GRACE_MS = 60 * 60 * 1000;
const SWEEP_EVERY_MS = 60 * 1000;

/**
 * Temporary credentials of role sessions, kept in `access_keys` where the
 * SigV4 verifier finds them (kind 'role-session', token and expiry checked there):
 * the secret sealed under the KEK, the token as its digest.
 */
export class Sessions {
  private lastSweep = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly accountId: string,
    private readonly box: SecretBox,
  ) {}

  async issue(role: Role, request: SessionRequest): Promise<TemporaryCredentials> {
    const now = this.clock.now();
    await this.sweep(now);
    const credentials = this.fresh(now, request.durationSeconds);
    await this.db
      .insertInto('access_keys')
      .values({
        access_key_id: credentials.accessKeyId,
        secret_access_key: this.box.seal(credentials.secretAccessKey),
        kind: 'role-session',
        principal_arn: assumedRoleArn(this.accountId, role.roleName, request.sessionName),
        role_arn: role.arn,
        session_token: tokenDigest(credentials.sessionToken),
        session_context: JSON.stringify(request.variables ?? {}),
        created_at: now,
        expires_at: credentials.expiration,
        session_policy: request.sessionPolicy ?? null,
        source_identity: request.sourceIdentity ?? null,
      })
      .execute();
    return credentials;
  }

  /**
   * GetSessionToken: temporary credentials acting as the IAM user `user`
   * (kind 'user-session'; what they may not call is the adapters' rule).
   */
  async issueForUser(user: SessionUser, durationSeconds: number): Promise<TemporaryCredentials> {
    const now = this.clock.now();
    await this.sweep(now);
    const credentials = this.fresh(now, durationSeconds);
    await this.db
      .insertInto('access_keys')
      .values({
        access_key_id: credentials.accessKeyId,
        secret_access_key: this.box.seal(credentials.secretAccessKey),
        kind: USER_SESSION,
        principal_arn: user.arn,
        role_arn: null,
        session_token: tokenDigest(credentials.sessionToken),
        session_context: null,
        created_at: now,
        expires_at: credentials.expiration,
        user_id: user.userId,
      })
      .execute();
    return credentials;
  }

  private fresh(now: number, durationSeconds: number): TemporaryCredentials {
    return { accessKeyId: newAccessKeyId('ASIA'), secretAccessKey: newSecretAccessKey(), sessionToken: newSessionToken(), expiration: now + durationSeconds * 1000 };
  }

  /** Drops role-session keys long expired; at most once a minute per process. */
  async sweep(now: number): Promise<void> {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    await this.db.deleteFrom('access_keys').where('kind', 'in', ['role-session', USER_SESSION]).where('expires_at', '<', now - EXPIRED_KEY_GRACE_MS).execute();
  }
}
