import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { alreadyExists, denied, invalidInput, notFound } from '../errors.js';
import type { Database } from '../store/schema.js';
import { getSetting, putSetting } from '../store/settings.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { userRow } from './users.js';

export interface LoginProfile {
  userName: string;
  createDate: number;
  passwordResetRequired: boolean;
}

/** The account's password policy, as GetAccountPasswordPolicy answers it. */
export interface PasswordPolicy {
  MinimumPasswordLength: number;
  RequireSymbols: boolean;
  RequireNumbers: boolean;
  RequireUppercaseCharacters: boolean;
  RequireLowercaseCharacters: boolean;
  AllowUsersToChangePassword: boolean;
  ExpirePasswords: boolean;
  MaxPasswordAge?: number;
  PasswordReusePrevention?: number;
  HardExpiry?: boolean;
}

const POLICY_SETTING = 'iam.account-password-policy';

/** IAM's default when no policy is set: 8 characters, and at least three kinds of character (AWS's default rules). */
const DEFAULT_MIN_LENGTH = 8;

/** Login profiles (console passwords) and the account's password policy. */
export class LoginProfiles {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly accountId: string,
  ) {}

  async create(userName: string, password: string, passwordResetRequired: boolean): Promise<LoginProfile> {
    const user = await userRow(this.db, userName);
    await this.checkPassword(password);
    const now = this.clock.now();
    const hash = await hashPassword(password);
    const existing = await this.db.selectFrom('iam_login_profiles').select('user_id').where('user_id', '=', user.user_id).executeTakeFirst();
    if (existing) throw alreadyExists('login-profile', `Login Profile for user ${user.user_name} already exists.`);
    await this.db
      .insertInto('iam_login_profiles')
      .values({ user_id: user.user_id, password_hash: hash, password_reset_required: passwordResetRequired ? 1 : 0, created_at: now, updated_at: now })
      .execute();
    return { userName: user.user_name, createDate: now, passwordResetRequired };
  }

  async get(userName: string): Promise<LoginProfile> {
    const user = await userRow(this.db, userName);
    const row = await this.db.selectFrom('iam_login_profiles').selectAll().where('user_id', '=', user.user_id).executeTakeFirst();
    if (!row) throw notFound('login-profile', `Login Profile for User ${user.user_name} cannot be found.`);
    return { userName: user.user_name, createDate: row.created_at, passwordResetRequired: row.password_reset_required === 1 };
  }

  async update(userName: string, change: { password?: string | undefined; passwordResetRequired?: boolean | undefined }): Promise<void> {
    const profile = await this.get(userName);
    const user = await userRow(this.db, profile.userName);
    const set: { password_hash?: string; password_reset_required?: number; updated_at: number } = { updated_at: this.clock.now() };
    if (change.password !== undefined) {
      await this.checkPassword(change.password);
      set.password_hash = await hashPassword(change.password);
    }
    if (change.passwordResetRequired !== undefined) set.password_reset_required = change.passwordResetRequired ? 1 : 0;
    await this.db.updateTable('iam_login_profiles').set(set).where('user_id', '=', user.user_id).execute();
  }

  async delete(userName: string): Promise<void> {
    const user = await userRow(this.db, userName);
    const deleted = await this.db.deleteFrom('iam_login_profiles').where('user_id', '=', user.user_id).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw notFound('login-profile', `Login Profile for User ${user.user_name} cannot be found.`);
  }

  /** ChangePassword: the caller's own, proving the old one; clears PasswordResetRequired. */
  async change(userName: string, oldPassword: string, newPassword: string): Promise<void> {
    const user = await userRow(this.db, userName);
    const row = await this.db.selectFrom('iam_login_profiles').selectAll().where('user_id', '=', user.user_id).executeTakeFirst();
    if (!row) throw notFound('login-profile', `Login Profile for User ${user.user_name} cannot be found.`);
    const policy = await this.policy();
    if (policy && !policy.AllowUsersToChangePassword) throw denied(`User: ${user.arn} is not authorized to change its password: the account's password policy does not allow users to change their passwords.`);
    if (!(await verifyPassword(oldPassword, row.password_hash))) throw invalidInput('The old password is incorrect.');
    await this.checkPassword(newPassword);
    await this.db
      .updateTable('iam_login_profiles')
      .set({ password_hash: await hashPassword(newPassword), password_reset_required: 0, updated_at: this.clock.now() })
      .where('user_id', '=', user.user_id)
      .execute();
  }

  /** Does this password open the user's login profile? (The console signs in with it.) */
  async verify(userName: string, password: string): Promise<boolean> {
    const user = await userRow(this.db, userName).catch(() => undefined);
    if (!user) return false;
    const row = await this.db.selectFrom('iam_login_profiles').select('password_hash').where('user_id', '=', user.user_id).executeTakeFirst();
    return row !== undefined && (await verifyPassword(password, row.password_hash));
  }

  /** GetAccountPasswordPolicy: undefined when none is set (AWS's NoSuchEntity). */
  async policy(): Promise<PasswordPolicy | undefined> {
    const text = await getSetting(this.db, POLICY_SETTING);
    return text === undefined ? undefined : (JSON.parse(text) as PasswordPolicy);
  }

  async updatePolicy(policy: PasswordPolicy): Promise<void> {
    await putSetting(this.db, POLICY_SETTING, JSON.stringify(policy));
  }

  async deletePolicy(): Promise<void> {
    if (!(await this.policy())) throw notFound('password-policy', `The Password Policy with domain name ${this.accountId} cannot be found.`);
    await this.db.deleteFrom('ferry_settings').where('name', '=', POLICY_SETTING).execute();
  }

  /** A password must meet the account's policy (AWS's PasswordPolicyViolation). */
  private async checkPassword(password: string): Promise<void> {
    const policy = await this.policy();
    const min = policy?.MinimumPasswordLength ?? DEFAULT_MIN_LENGTH;
    const fail = (rule: string) => invalidInput(`Password does not conform to the account password policy: ${rule}.`, 'password-policy');
    if (password.length < min) throw fail(`minimum length ${min}`);
    if (password.length > 128) throw fail('maximum length 128');
    if (policy?.RequireSymbols && !/[!@#$%^&*()_+\-=[\]{}|']/.test(password)) throw fail('at least one symbol');
    if (policy?.RequireNumbers && !/[0-9]/.test(password)) throw fail('at least one number');
    if (policy?.RequireUppercaseCharacters && !/[A-Z]/.test(password)) throw fail('at least one uppercase letter');
    if (policy?.RequireLowercaseCharacters && !/[a-z]/.test(password)) throw fail('at least one lowercase letter');
  }
}
