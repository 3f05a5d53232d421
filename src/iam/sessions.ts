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
}

/** Expired keys stay a while so their use is answered ExpiredToken, not InvalidAccessKeyId. */
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
    const credentials: TemporaryCredentials = {
      accessKeyId: newAccessKeyId('ASIA'),
      secretAccessKey: newSecretAccessKey(),
      sessionToken: newSessionToken(),
      expiration: now + request.durationSeconds * 1000,
    };
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
      })
      .execute();
    return credentials;
  }

  /** Drops role-session keys long expired; at most once a minute per process. */
  async sweep(now: number): Promise<void> {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    await this.db.deleteFrom('access_keys').where('kind', '=', 'role-session').where('expires_at', '<', now - EXPIRED_KEY_GRACE_MS).execute();
  }
}
