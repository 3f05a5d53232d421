/**
 * CreateJob's check of a job's presigned-URL config (aws-wire-protocols.md §5):
 * the role exists, trusts iot.amazonaws.com, and may s3:GetObject every
 * object a placeholder names. AWS is vaguer; each refusal here names the role
 * and what it lacks, so the operator can fix it without guessing. Each
 * bucket a placeholder names must exist (a typo in its name is the likely
 * mistake, and granting the role access to it would not help); whether the
 * objects exist is not checked: they may be uploaded after the job is made.
 */
import { invalidInput } from '../errors.js';
import { findPresignedPlaceholders } from './document.js';
import type { PresignedUrlConfig } from './job.js';

/** What the check needs from IAM (IamService.presignableRole, RolePermissions.roleAllows) and the object store. */
export interface PresignChecks {
  /** Throws invalidInput naming the role when it does not exist or does not trust iot.amazonaws.com. */
  presignableRole(roleArn: string): Promise<unknown>;
  roleAllows(roleArn: string, action: string, resource: string): Promise<boolean>;
  /** Whether this server has the bucket (asked as the server, not as the caller). */
  bucketExists(bucket: string): Promise<boolean>;
}

// aws-wire-protocols.md §3.3, §5: expiresInSec 60–3600, default 3600; roleArn 20–2048 characters.
export const MIN_EXPIRES_SEC = 60;
export const MAX_EXPIRES_SEC = 3600;
export const DEFAULT_EXPIRES_SEC = 3600;

/** presignedUrlConfig from a request: `{roleArn, expiresInSec?}`. */
export function presignedUrlConfigIn(value: unknown): PresignedUrlConfig | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidInput('presignedUrlConfig must be an object with roleArn and expiresInSec.');
  const { roleArn, expiresInSec } = value as { roleArn?: unknown; expiresInSec?: unknown };
  if (typeof roleArn !== 'string' || roleArn.length < 20 || roleArn.length > 2048) {
    throw invalidInput('presignedUrlConfig.roleArn is required: the ARN (20-2048 characters) of the role that signs the download links.');
  }
  const expires = expiresInSec ?? DEFAULT_EXPIRES_SEC;
  if (typeof expires !== 'number' || !Number.isInteger(expires) || expires < MIN_EXPIRES_SEC || expires > MAX_EXPIRES_SEC) {
    throw invalidInput(`presignedUrlConfig.expiresInSec must be an integer from ${MIN_EXPIRES_SEC} to ${MAX_EXPIRES_SEC} seconds (got ${JSON.stringify(expiresInSec)}).`);
  }
  return { roleArn, expiresInSec: expires };
}

export async function checkPresignedUrls(checks: PresignChecks, document: unknown, config: PresignedUrlConfig | undefined, s3Origins: readonly string[]): Promise<void> {
  const placeholders = findPresignedPlaceholders(document, s3Origins);
  if (!config) {
    if (placeholders.length === 0) return;
    throw invalidInput(
      `The job document has presigned-URL placeholders (${placeholders[0]!.url} …) but the job has no presignedUrlConfig: ` +
        'give presignedUrlConfig.roleArn, a role that trusts iot.amazonaws.com and may s3:GetObject those objects.',
      'presign-config-missing',
    );
  }
  await checks.presignableRole(config.roleArn);
  for (const p of placeholders) {
    if (!(await checks.bucketExists(p.bucket))) {
      throw invalidInput(
        `The bucket ${p.bucket} named by the placeholder for ${p.url} does not exist on this server: ` +
          'check its name, or create the bucket (an object not uploaded yet is fine).',
        'no-such-bucket',
      );
    }
    const resource = `arn:aws:s3:::${p.bucket}/${p.key}`;
    if (!(await checks.roleAllows(config.roleArn, 's3:GetObject', resource))) {
      throw invalidInput(
        `Role ${config.roleArn} is not allowed s3:GetObject on ${resource} (named by the placeholder for ${p.url}): ` +
          'attach a policy to the role that allows it, e.g. s3:GetObject on arn:aws:s3:::' + `${p.bucket}/*.`,
        'role-not-permitted',
      );
    }
  }
}
