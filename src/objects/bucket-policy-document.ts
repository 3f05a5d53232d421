import { malformedPolicy } from '../errors.js';
import { parsePolicyDocument, type ConditionClause, type PolicyDocument, type PolicyStatement } from '../policy/index.js';
import { parseCidr } from '../policy/ip.js';

/** S3's bucket policy size limit: 20 KB. */
export const BUCKET_POLICY_MAX_CHARS = 20 * 1024;

/**
 * Parses and validates a bucket policy as PutBucketPolicy does: an IAM
 * resource policy (Principal and Resource required) whose every resource is
 * the bucket or an object in it, whose actions are S3's, and whose AWS
 * principals are this account's. S3 answers MalformedPolicy with its own
 * short wordings ("Policy has invalid resource", "Invalid principal in
 * policy"); Ferry's name the statement too.
 */
export function parseBucketPolicy(text: string, bucket: string, accountId: string): PolicyDocument {
  const doc = parsePolicyDocument(text, 'iam', { kind: 'resource', maxChars: BUCKET_POLICY_MAX_CHARS });
  doc.statements.forEach((st, i) => checkStatement(st, `Statement[${i}]`, bucket, accountId));
  return doc;
}

function checkStatement(st: PolicyStatement, at: string, bucket: string, accountId: string): void {
  for (const r of st.resource ?? st.notResource ?? []) {
    if (!resourceInBucket(r, bucket)) throw malformedPolicy(`Policy has invalid resource: ${at} names ${r}, which is not the bucket ${bucket} or an object in it`);
  }
  for (const a of st.action ?? st.notAction ?? []) {
    if (a !== '*' && !a.toLowerCase().startsWith('s3:')) throw malformedPolicy(`Policy has invalid action: ${at} names ${a}; a bucket policy grants S3 actions only`);
  }
  const spec = st.principal ?? st.notPrincipal;
  if (spec !== undefined && spec !== '*') {
    for (const p of spec.aws ?? []) {
      if (!validPrincipal(p, accountId)) throw malformedPolicy(`Invalid principal in policy: ${at} names ${p} (expected "*", the account ${accountId}, or a user, role or role session of it)`);
    }
    if ((spec.federated?.length ?? 0) > 0 || (spec.canonicalUser?.length ?? 0) > 0) {
      throw malformedPolicy(`Invalid principal in policy: ${at} names a Federated or CanonicalUser principal, which Ferry does not have`);
    }
  }
}

/** `arn:aws:s3:::B` or `arn:aws:s3:::B/…` (wildcards in the key part allowed), or "*". */
function resourceInBucket(resource: string, bucket: string): boolean {
  if (resource === '*') return true;
  const prefix = `arn:aws:s3:::${bucket}`;
  return resource === prefix || resource.startsWith(`${prefix}/`) || resource === `${prefix}*`;
}

function validPrincipal(p: string, accountId: string): boolean {
  if (p === '*' || p === accountId || p === `arn:aws:iam::${accountId}:root`) return true;
  return new RegExp(`^arn:aws:iam::${accountId}:(user|role)/.+$`).test(p) || new RegExp(`^arn:aws:sts::${accountId}:assumed-role/[^/]+/.+$`).test(p);
}

/**
 * S3's definition of a public policy (S3 User Guide, "The meaning of
 * public"): an Allow statement whose principal is everyone ("*", {"AWS":"*"}
 * or a NotPrincipal) and that no condition narrows to fixed values of the
 * keys S3 accepts for that: principal and source ARNs and accounts, VPCs,
 * user ids, and source IP ranges (an IPv4 block of /8 or narrower, an IPv6
 * one of /32 or narrower).
 */
export function isPublicPolicy(doc: PolicyDocument): boolean {
  return doc.statements.some(isPublicStatement);
}

function isPublicStatement(st: PolicyStatement): boolean {
  if (st.effect !== 'Allow') return false;
  const everyone = st.notPrincipal !== undefined || st.principal === '*' || (st.principal?.aws?.includes('*') ?? false);
  if (!everyone) return false;
  return !st.conditions.some(narrows);
}

const NARROWING_KEYS = new Set(
  [
    'aws:SourceArn', 'aws:SourceVpc', 'aws:SourceVpce', 'aws:SourceOwner', 'aws:SourceAccount', 'aws:userid', 'aws:PrincipalArn',
    'aws:PrincipalAccount', 'aws:PrincipalOrgID', 'aws:PrincipalOrgPaths', 'aws:SourceIp', 's3:DataAccessPointArn',
    's3:DataAccessPointAccount', 's3:x-amz-server-side-encryption-aws-kms-key-id',
  ].map((k) => k.toLowerCase()),
);
const FIXED_OPERATORS = new Set(['StringEquals', 'StringEqualsIgnoreCase', 'StringLike', 'ArnEquals', 'ArnLike', 'IpAddress']);

/** A condition that holds only for fixed values of a narrowing key. */
function narrows(c: ConditionClause): boolean {
  if (!NARROWING_KEYS.has(c.key.toLowerCase()) || !FIXED_OPERATORS.has(c.base)) return false;
  // IfExists holds when the key is absent; ForAllValues holds for an empty set: neither narrows.
  if (c.ifExists || c.set === 'ForAllValues' || c.values.length === 0) return false;
  if (c.base === 'IpAddress') return c.values.every(narrowCidr);
  return c.values.every((v) => !/[*?]/.test(v));
}

function narrowCidr(value: string): boolean {
  const cidr = parseCidr(value);
  if (cidr === undefined) return false;
  return cidr.prefix >= (cidr.bytes.length === 4 ? 8 : 32);
}
