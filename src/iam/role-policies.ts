import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { invalidInput, limitExceeded, notFound } from '../errors.js';
import type { Database } from '../store/schema.js';
import { INLINE_POLICIES_SIZE, sizeOf, type PolicyDocuments } from './documents.js';
import { DEFAULT_MAX_ITEMS, decodeMarker, pageOf, type Page, type PageRequest } from './paging.js';
import { roleRow } from './roles.js';
import { awsManagedPolicy } from './aws-managed-policies.js';
import { startsWith } from './sql.js';
import { isForeignKeyViolation, isUniqueViolation } from './store-errors.js';

export interface AttachedPolicy {
  policyName: string;
  policyArn: string;
}

/** IAM's default quota of managed policies per role. */
export const MAX_ATTACHED_PER_ROLE = 10;

const POLICY_ARN = /^arn:aws:iam::(\d{12}|aws):policy\/.+$/;
const AWS_POLICY_PREFIX = 'arn:aws:iam::aws:policy/';
const AWS_TABLE = 'iam_role_aws_policy_attachments' as const;

/** What a role may do: attached managed policies and inline policies. */
export class RolePolicies {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly documents: PolicyDocuments,
  ) {}

  /** Attaching an attached policy again changes nothing, as on AWS. */
  async attach(roleName: string, policyArn: string): Promise<void> {
    if (!POLICY_ARN.test(policyArn)) throw invalidInput(`ARN ${policyArn} is not valid.`);
    if (policyArn.startsWith(AWS_POLICY_PREFIX)) return this.attachAwsManaged(roleName, policyArn);
    await this.db.transaction().execute(async (trx) => {
      const role = await roleRow(trx, roleName);
      const attachedAws = await trx.selectFrom(AWS_TABLE).select('policy_arn').where('owner_id', '=', role.role_id).execute();
      const policy = await trx.selectFrom('iam_policies').select('policy_id').where('arn', '=', policyArn).executeTakeFirst();
      if (!policy) throw notFound('policy', `Policy ${policyArn} does not exist or is not attachable.`);
      const attached = await trx.selectFrom('iam_role_policy_attachments').select('policy_id').where('role_id', '=', role.role_id).execute();
      if (attached.some((a) => a.policy_id === policy.policy_id)) return;
      if (attached.length + attachedAws.length >= MAX_ATTACHED_PER_ROLE) throw limitExceeded('role', `Cannot exceed quota for PoliciesPerRole: ${MAX_ATTACHED_PER_ROLE}`);
      try {
        await trx.insertInto('iam_role_policy_attachments').values({ role_id: role.role_id, policy_id: policy.policy_id, attached_at: this.clock.now() }).execute();
      } catch (error) {
        // A concurrent attach of the same pair won; a concurrent delete of either side is a not-found.
        if (isUniqueViolation(error)) return;
        if (isForeignKeyViolation(error)) throw notFound('policy', `Policy ${policyArn} does not exist or is not attachable.`);
        throw error;
      }
    });
  }

  /** An AWS-managed policy (kept by ARN: it lives in code), within the same quota. */
  private async attachAwsManaged(roleName: string, policyArn: string): Promise<void> {
    if (!awsManagedPolicy(policyArn)) throw notFound('policy', `Policy ${policyArn} does not exist or is not attachable.`);
    await this.db.transaction().execute(async (trx) => {
      const role = await roleRow(trx, roleName);
      const aws = await trx.selectFrom(AWS_TABLE).select('policy_arn').where('owner_id', '=', role.role_id).execute();
      if (aws.some((a) => a.policy_arn === policyArn)) return;
      const own = await trx.selectFrom('iam_role_policy_attachments').select('policy_id').where('role_id', '=', role.role_id).execute();
      if (aws.length + own.length >= MAX_ATTACHED_PER_ROLE) throw limitExceeded('role', `Cannot exceed quota for PoliciesPerRole: ${MAX_ATTACHED_PER_ROLE}`);
      try {
        await trx.insertInto(AWS_TABLE).values({ owner_id: role.role_id, policy_arn: policyArn, attached_at: this.clock.now() }).execute();
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
    });
  }

  async detach(roleName: string, policyArn: string): Promise<void> {
    if (!POLICY_ARN.test(policyArn)) throw invalidInput(`ARN ${policyArn} is not valid.`);
    const role = await roleRow(this.db, roleName);
    if (policyArn.startsWith(AWS_POLICY_PREFIX)) {
      const gone = await this.db.deleteFrom(AWS_TABLE).where('owner_id', '=', role.role_id).where('policy_arn', '=', policyArn).executeTakeFirst();
      if (Number(gone.numDeletedRows) === 0) throw notFound('policy', `Policy ${policyArn} was not found.`);
      return;
    }
    const policy = await this.db.selectFrom('iam_policies').select('policy_id').where('arn', '=', policyArn).executeTakeFirst();
    const deleted = policy
      ? await this.db.deleteFrom('iam_role_policy_attachments').where('role_id', '=', role.role_id).where('policy_id', '=', policy.policy_id).executeTakeFirst()
      : undefined;
    if (!deleted || Number(deleted.numDeletedRows) === 0) throw notFound('policy', `Policy ${policyArn} was not found.`);
  }

  async listAttached(roleName: string, request: PageRequest & { pathPrefix?: string | undefined }): Promise<Page<AttachedPolicy>> {
    const role = await roleRow(this.db, roleName);
    const limit = request.maxItems ?? DEFAULT_MAX_ITEMS;
    const after = decodeMarker(request.marker);
    // At most ten per role: the account's and the AWS-managed ones are merged and paged here.
    let own = this.db
      .selectFrom('iam_role_policy_attachments as a')
      .innerJoin('iam_policies as p', 'p.policy_id', 'a.policy_id')
      .select(['p.policy_name', 'p.arn', 'p.name_key'])
      .where('a.role_id', '=', role.role_id);
    if (request.pathPrefix !== undefined && request.pathPrefix !== '/') own = own.where(startsWith('p.path', request.pathPrefix));
    const aws = request.pathPrefix !== undefined && request.pathPrefix !== '/' ? [] : await this.db.selectFrom(AWS_TABLE).select('policy_arn').where('owner_id', '=', role.role_id).execute();
    const rows = [
      ...(await own.execute()),
      ...aws.map((a) => {
        const name = a.policy_arn.slice(AWS_POLICY_PREFIX.length);
        return { policy_name: name, arn: a.policy_arn, name_key: name.toLowerCase() };
      }),
    ]
      .filter((r) => after === undefined || r.name_key > after)
      .sort((a, b) => (a.name_key < b.name_key ? -1 : a.name_key > b.name_key ? 1 : 0))
      .slice(0, limit + 1);
    return pageOf(rows, limit, (r) => r.name_key, (r) => ({ policyName: r.policy_name, policyArn: r.arn }));
  }

  /** Creates or replaces an inline policy; a role's inline policies together stay within 10,240 characters. */
  async putInline(roleName: string, policyName: string, document: string): Promise<void> {
    this.documents.checkPermissions(document, INLINE_POLICIES_SIZE);
    await this.db.transaction().execute(async (trx) => {
      const role = await roleRow(trx, roleName);
      const others = await trx.selectFrom('iam_role_inline_policies').select(['policy_name', 'document']).where('role_id', '=', role.role_id).execute();
      const total = others.filter((o) => o.policy_name !== policyName).reduce((n, o) => n + sizeOf(o.document), 0);
      if (total + sizeOf(document) > INLINE_POLICIES_SIZE) {
        throw limitExceeded('role-policy', `Maximum policy size of ${INLINE_POLICIES_SIZE} bytes exceeded for role ${role.role_name}`);
      }
      const now = this.clock.now();
      await trx
        .insertInto('iam_role_inline_policies')
        .values({ role_id: role.role_id, policy_name: policyName, document, updated_at: now })
        .onConflict((oc) => oc.columns(['role_id', 'policy_name']).doUpdateSet({ document, updated_at: now }))
        .execute();
    });
  }

  async getInline(roleName: string, policyName: string): Promise<{ roleName: string; policyName: string; document: string }> {
    const role = await roleRow(this.db, roleName);
    const row = await this.db
      .selectFrom('iam_role_inline_policies')
      .select(['policy_name', 'document'])
      .where('role_id', '=', role.role_id)
      .where('policy_name', '=', policyName)
      .executeTakeFirst();
    if (!row) throw notFound('role-policy', `The role policy with name ${policyName} cannot be found.`);
    return { roleName: role.role_name, policyName: row.policy_name, document: row.document };
  }

  async deleteInline(roleName: string, policyName: string): Promise<void> {
    const role = await roleRow(this.db, roleName);
    const deleted = await this.db.deleteFrom('iam_role_inline_policies').where('role_id', '=', role.role_id).where('policy_name', '=', policyName).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw notFound('role-policy', `The role policy with name ${policyName} cannot be found.`);
  }

  async listInline(roleName: string, request: PageRequest): Promise<Page<string>> {
    const role = await roleRow(this.db, roleName);
    const limit = request.maxItems ?? DEFAULT_MAX_ITEMS;
    const after = decodeMarker(request.marker);
    let query = this.db.selectFrom('iam_role_inline_policies').select('policy_name').where('role_id', '=', role.role_id).orderBy('policy_name').limit(limit + 1);
    if (after !== undefined) query = query.where('policy_name', '>', after);
    const rows = await query.execute();
    return pageOf(rows, limit, (r) => r.policy_name, (r) => r.policy_name);
  }
}
