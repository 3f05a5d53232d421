/** Tables every part of Ferry relies on: settings and access keys. */
export interface SettingsTable {
  name: string;
  value: string;
}

/**
 * Access keys that can sign requests: the root admin key (long-term) and the
 * temporary credentials of role sessions (with a session token and expiry).
 */
export interface AccessKeysTable {
  access_key_id: string;
  /** Sealed under the KEK (src/iam/secrets.ts); never the plaintext. */
  secret_access_key: string;
  /** 'root' | 'role-session' | 'user' | 'console-session' (src/console/sessions.ts) */
  kind: string;
  /** The principal ARN this key acts as (root or assumed-role session). */
  principal_arn: string;
  /** Role ARN for role sessions, else null. */
  role_arn: string | null;
  /** SHA-256 of the session token (hex, `sha256:` prefix); never the token. */
  session_token: string | null;
  /** JSON object of extra policy variables of the session (e.g. credentials-iot:ThingName). */
  session_context: string | null;
  created_at: number;
  expires_at: number | null;
  /** STS sessions: the session policy (AssumeRole's Policy and PolicyArns as one document) narrowing the role; null: none. */
  session_policy?: string | null;
  /** STS sessions: the SourceIdentity given to AssumeRole, kept for chained sessions. */
  source_identity?: string | null;
  /** The IAM user a 'user' key belongs to. */
  user_id?: string | null;
  /** 'Active' | 'Inactive' (null: Active). */
  status?: string | null;
  last_used_at?: number | null;
  last_used_service?: string | null;
  last_used_region?: string | null;
}

export interface CoreTables {
  ferry_settings: SettingsTable;
  access_keys: AccessKeysTable;
}
