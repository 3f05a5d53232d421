import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { invalidInput, limitExceeded, notFound } from '../errors.js';
import type { Database } from '../store/schema.js';
import { awsManagedPolicy } from './aws-managed-policies.js';
import { INLINE_POLICIES_SIZE, sizeOf, type PolicyDocuments } from './documents.js';
import { groupRow } from './groups.js';
import { DEFAULT_MAX_ITEMS, decodeMarker, pageOf, type Page, type PageRequest } from './paging.js';
import type { AttachedPolicy } from './role-policies.js';
import { isUniqueViolation } from './store-errors.js';
import { userRow } from './users.js';

export type PolicyOwner = 'user' | 'group';

/** IAM's default quotas: managed policies per user and per group. */
export const MAX_ATTACHED: Record<PolicyOwner, number> = { user: 10, group: 10 };
/** Inline policies' total size (characters without white space). */
const INLINE_SIZE: Record<PolicyOwner, number> = { user: 2048, group: 5120 };
const QUOTA_NAME: Record<PolicyOwner, string> = { user: 'PoliciesPerUser', group: 'PoliciesPerGroup' };

const POLICY_ARN = /^arn:aws:iam::(\d{12}|aws):policy\/.+$/;

/** A managed policy's name and default document, AWS-managed or the account's; undefined when there is none. */
export async function managedPolicyDocument(db: Kysely<Database>, arn: string): Promise<{ policyName: string; document: string } | undefined> {
  const aws = awsManagedPolicy(arn);
  if (aws) return { policyName: aws.policyName, document: aws.document };
  const row = await db
    .selectFrom('iam_policies as p')
    .innerJoin('iam_policy_versions as v', (join) => join.onRef('v.policy_id', '=', 'p.policy_id').onRef('v.version_id', '=', 'p.default_version_id'))
    .select(['p.policy_name', 'v.document'])
    .where('p.arn', '=', arn)
    .executeTakeFirst();
  return row && { policyName: row.policy_name, document: row.document };
}

/**
 * The managed and inline policies of users or groups (one class, two
 * owners): AttachUserPolicy/AttachGroupPolicy and their kin.
 */
export class OwnerPolicies {
  constructor(
    private readonly owner: PolicyOwner,
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly documents: PolicyDocuments,
  ) {}

  private get attachments() {
    return this.owner === 'user' ? ('iam_user_policy_attachments' as const) : ('iam_group_policy_attachments' as const);
  }
  private get inline() {
    return this.owner === 'user' ? ('iam_user_inline_policies' as const) : ('iam_group_inline_policies' as const);
  }

  /** The owner's id and its name as stored. */
  private async ownerOf(name: string): Promise<{ id: string; name: string }> {
    if (this.owner === 'user') {
      const row = await userRow(this.db, name);
      return { id: row.user_id, name: row.user_name };
    }
    const row = await groupRow(this.db, name);
    return { id: row.group_id, name: row.group_name };
  }

  async attach(ownerName: string, policyArn: string): Promise<void> {
    if (!POLICY_ARN.test(policyArn)) throw invalidInput(`ARN ${policyArn} is not valid.`);
    const owner = await this.ownerOf(ownerName);
    if (!(await managedPolicyDocument(this.db, policyArn))) throw notFound('policy', `Policy ${policyArn} does not exist or is not attachable.`);
    const attached = await this.db.selectFrom(this.attachments).select('policy_arn').where('owner_id', '=', owner.id).execute();
    if (attached.some((a) => a.policy_arn === policyArn)) return;
    const max = MAX_ATTACHED[this.owner];
    if (attached.length >= max) throw limitExceeded(this.owner, `Cannot exceed quota for ${QUOTA_NAME[this.owner]}: ${max}`);
    try {
      await this.db.insertInto(this.attachments).values({ owner_id: owner.id, policy_arn: policyArn, attached_at: this.clock.now() }).execute();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }

  async detach(ownerName: string, policyArn: string): Promise<void> {
    if (!POLICY_ARN.test(policyArn)) throw invalidInput(`ARN ${policyArn} is not valid.`);
    const owner = await this.ownerOf(ownerName);
    const deleted = await this.db.deleteFrom(this.attachments).where('owner_id', '=', owner.id).where('policy_arn', '=', policyArn).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw notFound('policy', `Policy ${policyArn} was not found.`);
  }

  async listAttached(ownerName: string, request: PageRequest): Promise<Page<AttachedPolicy>> {
    const owner = await this.ownerOf(ownerName);
    const limit = request.maxItems ?? DEFAULT_MAX_ITEMS;
    const after = decodeMarker(request.marker);
    let query = this.db.selectFrom(this.attachments).select('policy_arn').where('owner_id', '=', owner.id).orderBy('policy_arn').limit(limit + 1);
    if (after !== undefined) query = query.where('policy_arn', '>', after);
    const rows = await query.execute();
    return pageOf(rows, limit, (r) => r.policy_arn, (r) => ({ policyArn: r.policy_arn, policyName: r.policy_arn.slice(r.policy_arn.lastIndexOf('/') + 1) }));
  }

  async putInline(ownerName: string, policyName: string, document: string): Promise<void> {
    const max = INLINE_SIZE[this.owner];
    this.documents.checkPermissions(document, Math.max(max, INLINE_POLICIES_SIZE));
    const owner = await this.ownerOf(ownerName);
    const others = await this.db.selectFrom(this.inline).select(['policy_name', 'document']).where('owner_id', '=', owner.id).execute();
    const total = others.filter((o) => o.policy_name !== policyName).reduce((n, o) => n + sizeOf(o.document), 0);
    if (total + sizeOf(document) > max) throw limitExceeded(`${this.owner}-policy`, `Maximum policy size of ${max} bytes exceeded for ${this.owner} ${owner.name}`);
    const now = this.clock.now();
    await this.db
      .insertInto(this.inline)
      .values({ owner_id: owner.id, policy_name: policyName, document, updated_at: now })
      .onConflict((oc) => oc.columns(['owner_id', 'policy_name']).doUpdateSet({ document, updated_at: now }))
      .execute();
  }

  async getInline(ownerName: string, policyName: string): Promise<{ ownerName: string; policyName: string; document: string }> {
    const owner = await this.ownerOf(ownerName);
    const row = await this.db.selectFrom(this.inline).select(['policy_name', 'document']).where('owner_id', '=', owner.id).where('policy_name', '=', policyName).executeTakeFirst();
    if (!row) throw notFound(`${this.owner}-policy`, `The ${this.owner} policy with name ${policyName} cannot be found.`);
    return { ownerName: owner.name, policyName: row.policy_name, document: row.document };
  }

  async deleteInline(ownerName: string, policyName: string): Promise<void> {
    const owner = await this.ownerOf(ownerName);
    const deleted = await this.db.deleteFrom(this.inline).where('owner_id', '=', owner.id).where('policy_name', '=', policyName).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw notFound(`${this.owner}-policy`, `The ${this.owner} policy with name ${policyName} cannot be found.`);
  }

  async listInline(ownerName: string, request: PageRequest): Promise<Page<string>> {
    const owner = await this.ownerOf(ownerName);
    const limit = request.maxItems ?? DEFAULT_MAX_ITEMS;
    const after = decodeMarker(request.marker);
    let query = this.db.selectFrom(this.inline).select('policy_name').where('owner_id', '=', owner.id).orderBy('policy_name').limit(limit + 1);
    if (after !== undefined) query = query.where('policy_name', '>', after);
    return pageOf(await query.execute(), limit, (r) => r.policy_name, (r) => r.policy_name);
  }
}

/** A policy in force for a caller, labelled as IAM names it in an explanation. */
export interface LabelledPolicy {
  /** The managed policy's ARN, or `user/NAME/INLINE` style for inline ones. */
  label: string;
  document: string;
}

/** Every policy in force for the user `userId`: its own and its groups', managed and inline, read now. */
export async function userPolicyDocuments(db: Kysely<Database>, userId: string): Promise<LabelledPolicy[]> {
  const groups = await db.selectFrom('iam_group_members').select('group_id').where('user_id', '=', userId).execute();
  const groupIds = groups.map((g) => g.group_id);
  const out: LabelledPolicy[] = [];
  const attached = await db.selectFrom('iam_user_policy_attachments').select('policy_arn').where('owner_id', '=', userId).execute();
  const inline = await db.selectFrom('iam_user_inline_policies').select(['policy_name', 'document']).where('owner_id', '=', userId).execute();
  for (const row of inline) out.push({ label: `inline policy ${row.policy_name}`, document: row.document });
  const arns = attached.map((a) => a.policy_arn);
  if (groupIds.length > 0) {
    const groupAttached = await db.selectFrom('iam_group_policy_attachments').select('policy_arn').where('owner_id', 'in', groupIds).execute();
    arns.push(...groupAttached.map((a) => a.policy_arn));
    const groupInline = await db
      .selectFrom('iam_group_inline_policies as i')
      .innerJoin('iam_groups as g', 'g.group_id', 'i.owner_id')
      .select(['g.group_name', 'i.policy_name', 'i.document'])
      .where('i.owner_id', 'in', groupIds)
      .execute();
    for (const row of groupInline) out.push({ label: `group ${row.group_name} inline policy ${row.policy_name}`, document: row.document });
  }
  for (const arn of new Set(arns)) {
    const policy = await managedPolicyDocument(db, arn);
    if (policy) out.push({ label: arn, document: policy.document });
  }
  return out;
}
