import { denied, FerryError } from '../errors.js';
import type { Principal } from '../iam/principal.js';
import { compilePolicies, parsePolicyDocument, type CompiledPolicySet, type PolicyDocument } from '../policy/index.js';
import { authorizeS3 } from './access.js';
import { requireBucket } from './buckets.js';
import { isPublicPolicy, parseBucketPolicy } from './bucket-policy-document.js';
import type { Db, ObjectsDeps } from './deps.js';
import { bucketArn } from './names.js';

/** S3's Block Public Access settings of a bucket. */
export interface PublicAccessBlock {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

/** What new buckets get, as S3 has done since April 2023. */
export const DEFAULT_PUBLIC_ACCESS_BLOCK: PublicAccessBlock = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true };

const noSuchBucketPolicy = (bucket: string): FerryError =>
  new FerryError('NotFound', 'The bucket policy does not exist', { resource: 'policy', fields: { BucketName: bucket } });
const noSuchPublicAccessBlock = (bucket: string): FerryError =>
  new FerryError('NotFound', 'The public access block configuration was not found', { resource: 'public-access-block', fields: { BucketName: bucket } });

/** The caller's ARN, as S3's refusals name it. */
function callerArn(principal: Principal): string {
  return principal.kind === 'certificate' ? `certificate ${principal.certificateId}` : principal.arn;
}

/**
 * PutBucketPolicy: validated (MalformedPolicy), and refused while the
 * bucket's BlockPublicPolicy is on if S3 would call the policy public.
 */
export async function putBucketPolicy(deps: ObjectsDeps, principal: Principal, bucket: string, text: string, accountId: string): Promise<void> {
  await authorizeS3(principal, 's3:PutBucketPolicy', bucketArn(bucket), deps.policies());
  await requireBucket(deps.db, bucket);
  const doc = parseBucketPolicy(text, bucket, accountId);
  await checkPrincipalsExist(deps.db, doc);
  const block = await readPublicAccessBlock(deps.db, bucket);
  if (block?.blockPublicPolicy && isPublicPolicy(doc)) {
    throw denied(
      `User: ${callerArn(principal)} is not authorized to perform: s3:PutBucketPolicy on resource: "${bucketArn(bucket)}" because public policies are blocked by the BlockPublicPolicy block public access setting.`,
      'public-policy-blocked',
    );
  }
  const now = deps.clock.now();
  await deps.db
    .insertInto('s3_bucket_policies')
    .values({ bucket, policy: text, updated_at: now })
    .onConflict((oc) => oc.column('bucket').doUpdateSet({ policy: text, updated_at: now }))
    .execute();
}

/** S3 refuses a policy naming a role that does not exist ("Invalid principal in policy"). */
async function checkPrincipalsExist(db: Db, doc: PolicyDocument): Promise<void> {
  for (const st of doc.statements) {
    const spec = st.principal ?? st.notPrincipal;
    if (spec === undefined || spec === '*') continue;
    for (const arn of spec.aws ?? []) {
      if (!/^arn:aws:iam::\d{12}:role\//.test(arn)) continue;
      const role = await db.selectFrom('iam_roles').select('arn').where('arn', '=', arn).executeTakeFirst();
      if (!role) throw new FerryError('MalformedPolicy', `Invalid principal in policy: the role ${arn} does not exist`);
    }
  }
}

export async function getBucketPolicy(deps: ObjectsDeps, principal: Principal, bucket: string): Promise<string> {
  await authorizeS3(principal, 's3:GetBucketPolicy', bucketArn(bucket), deps.policies());
  await requireBucket(deps.db, bucket);
  const row = await deps.db.selectFrom('s3_bucket_policies').select('policy').where('bucket', '=', bucket).executeTakeFirst();
  if (!row) throw noSuchBucketPolicy(bucket);
  return row.policy;
}

/** DeleteBucketPolicy: 204 whether or not there was one, as S3 answers. */
export async function deleteBucketPolicy(deps: ObjectsDeps, principal: Principal, bucket: string): Promise<void> {
  await authorizeS3(principal, 's3:DeleteBucketPolicy', bucketArn(bucket), deps.policies());
  await requireBucket(deps.db, bucket);
  await deps.db.deleteFrom('s3_bucket_policies').where('bucket', '=', bucket).execute();
}

/** GetBucketPolicyStatus: is the bucket's policy public, by S3's definition. */
export async function getBucketPolicyStatus(deps: ObjectsDeps, principal: Principal, bucket: string): Promise<{ isPublic: boolean }> {
  await authorizeS3(principal, 's3:GetBucketPolicyStatus', bucketArn(bucket), deps.policies());
  await requireBucket(deps.db, bucket);
  const row = await deps.db.selectFrom('s3_bucket_policies').select('policy').where('bucket', '=', bucket).executeTakeFirst();
  if (!row) throw noSuchBucketPolicy(bucket);
  return { isPublic: isPublicPolicy(parseStored(row.policy)) };
}

export async function putPublicAccessBlock(deps: ObjectsDeps, principal: Principal, bucket: string, block: PublicAccessBlock): Promise<void> {
  await authorizeS3(principal, 's3:PutBucketPublicAccessBlock', bucketArn(bucket), deps.policies());
  await requireBucket(deps.db, bucket);
  await writePublicAccessBlock(deps.db, bucket, block, deps.clock.now());
}

export async function getPublicAccessBlock(deps: ObjectsDeps, principal: Principal, bucket: string): Promise<PublicAccessBlock> {
  await authorizeS3(principal, 's3:GetBucketPublicAccessBlock', bucketArn(bucket), deps.policies());
  await requireBucket(deps.db, bucket);
  const block = await readPublicAccessBlock(deps.db, bucket);
  if (!block) throw noSuchPublicAccessBlock(bucket);
  return block;
}

/** DeletePublicAccessBlock (s3:PutBucketPublicAccessBlock, as IAM names it): the bucket then has none. */
export async function deletePublicAccessBlock(deps: ObjectsDeps, principal: Principal, bucket: string): Promise<void> {
  await authorizeS3(principal, 's3:PutBucketPublicAccessBlock', bucketArn(bucket), deps.policies());
  await requireBucket(deps.db, bucket);
  await deps.db.deleteFrom('s3_public_access_blocks').where('bucket', '=', bucket).execute();
}

export async function writePublicAccessBlock(db: Db, bucket: string, block: PublicAccessBlock, now: number): Promise<void> {
  const values = {
    block_public_acls: Number(block.blockPublicAcls),
    ignore_public_acls: Number(block.ignorePublicAcls),
    block_public_policy: Number(block.blockPublicPolicy),
    restrict_public_buckets: Number(block.restrictPublicBuckets),
    updated_at: now,
  };
  await db
    .insertInto('s3_public_access_blocks')
    .values({ bucket, ...values })
    .onConflict((oc) => oc.column('bucket').doUpdateSet(values))
    .execute();
}

export async function readPublicAccessBlock(db: Db, bucket: string): Promise<PublicAccessBlock | undefined> {
  const row = await db.selectFrom('s3_public_access_blocks').selectAll().where('bucket', '=', bucket).executeTakeFirst();
  if (!row) return undefined;
  return {
    blockPublicAcls: row.block_public_acls === 1,
    ignorePublicAcls: row.ignore_public_acls === 1,
    blockPublicPolicy: row.block_public_policy === 1,
    restrictPublicBuckets: row.restrict_public_buckets === 1,
  };
}

/** A bucket's policy and Block Public Access settings go with it. */
export async function removeBucketSettings(db: Db, bucket: string): Promise<void> {
  await db.deleteFrom('s3_bucket_policies').where('bucket', '=', bucket).execute();
  await db.deleteFrom('s3_public_access_blocks').where('bucket', '=', bucket).execute();
}

const MAX_CACHED = 1_000;

/**
 * The bucket policies in force, read at each decision (so a changed or
 * deleted policy counts at once on every node), compiled once per text.
 */
export class BucketPolicySource {
  private readonly compiled = new Map<string, CompiledPolicySet>();

  constructor(private readonly db: Db) {}

  async policyOf(bucket: string): Promise<CompiledPolicySet | null> {
    const row = await this.db.selectFrom('s3_bucket_policies').select('policy').where('bucket', '=', bucket).executeTakeFirst();
    if (!row) return null;
    let set = this.compiled.get(row.policy);
    if (set === undefined) {
      set = compilePolicies([parseStored(row.policy)]);
      this.compiled.set(row.policy, set);
      if (this.compiled.size > MAX_CACHED) this.compiled.delete(this.compiled.keys().next().value!);
    }
    return set;
  }
}

/** A stored policy passed validation when it was written. */
function parseStored(text: string): PolicyDocument {
  return parsePolicyDocument(text, 'iam', { kind: 'resource', maxChars: Number.MAX_SAFE_INTEGER });
}
