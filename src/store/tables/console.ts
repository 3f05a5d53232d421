/**
 * Web console sessions (src/console/sessions.ts): shared by every node on the database and
 * kept across restarts. The browser's session id is stored only as its digest; the session's
 * own short-lived credential is an `access_keys` row of kind 'console-session' whose secret and
 * token are kept here sealed under the KEK (the console signs with them; they never leave the server).
 */
export interface ConsoleSessionsTable {
  /** SHA-256 of the cookie's id (base64url); never the id. */
  id_digest: string;
  /** The session's credential (ASIA…), an access_keys row. */
  credential_key_id: string;
  /** Sealed secret and session token of that credential. */
  credential_secret: string;
  credential_token: string;
  /** 'root' | 'user'. */
  identity_kind: string;
  principal_arn: string;
  /** The IAM user signed in, when a user. */
  user_id: string | null;
  /** The long-term access key that signed in (null: a password sign-in). */
  sign_in_key_id: string | null;
  /** 'key' | 'password'. */
  sign_in_method: string;
  /** 1 until a password user with PasswordResetRequired has changed it. */
  password_change_required: number;
  created_at: number;
  last_used_at: number;
  /** Absolute end. */
  expires_at: number;
  idle_ms: number;
}

export interface ConsoleTables {
  console_sessions: ConsoleSessionsTable;
}
