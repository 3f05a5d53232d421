import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { alreadyExists, conflict, limitExceeded, notFound, versionConflict } from '../errors.js';
import type { Database } from '../store/schema.js';
import type { IamPoliciesTable, IamPolicyVersionsTable } from '../store/tables/iam.js';
import { policyArn } from './arns.js';
import type { PolicyDocuments } from './documents.js';
import { newIamId } from './ids.js';
import { DEFAULT_MAX_ITEMS, decodeMarker, pageOf, type Page, type PageRequest } from './paging.js';
import { startsWith } from './sql.js';
import { isUniqueViolation } from './store-errors.js';
import type { Tag } from './validate.js';

export interface ManagedPolicy {
  policyId: string;
  policyName: string;
  path: string;
  arn: string;
  description?: string;
  defaultVersionId: string;
  attachmentCount: number;
  tags: Tag[];
  createdAt: number;
  updatedAt: number;
}

export interface PolicyVersion {
  versionId: string;
  isDefault: boolean;
  document: string;
  createdAt: number;
}

export interface CreatePolicyInput {
  policyName: string;
  document: string;
  path?: string | undefined;
  description?: string | undefined;
  tags?: Tag[] | undefined;
}

type Db = Kysely<Database> | Transaction<Database>;

/** AWS keeps at most five versions of a managed policy. */
export const MAX_VERSIONS = 5;

export const policyNotFound = (arn: string) => notFound('policy', `Policy ${arn} was not found.`);

export async function policyRow(db: Db, arn: string): Promise<IamPoliciesTable> {
  const row = await db.selectFrom('iam_policies').selectAll().where('arn', '=', arn).executeTakeFirst();
  if (!row) throw policyNotFound(arn);
  return row;
}

async function attachmentCounts(db: Db, policyIds: string[]): Promise<Map<string, number>> {
  if (policyIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('iam_role_policy_attachments')
    .select(['policy_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('policy_id', 'in', policyIds)
    .groupBy('policy_id')
    .execute();
  return new Map(rows.map((r) => [r.policy_id, Number(r.n)]));
}

function toPolicy(row: IamPoliciesTable, attachmentCount: number): ManagedPolicy {
  return {
    policyId: row.policy_id,
    policyName: row.policy_name,
    path: row.path,
    arn: row.arn,
    ...(row.description !== null ? { description: row.description } : {}),
    defaultVersionId: row.default_version_id,
    attachmentCount,
    tags: JSON.parse(row.tags) as Tag[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const toVersion = (row: IamPolicyVersionsTable, defaultVersionId: string): PolicyVersion => ({
  versionId: row.version_id,
  isDefault: row.version_id === defaultVersionId,
  document: row.document,
  createdAt: row.created_at,
});

/** Customer-managed policies and their versions (v1, v2… one of them the default). */
export class ManagedPolicies {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly accountId: string,
    private readonly documents: PolicyDocuments,
  ) {}

  async create(input: CreatePolicyInput): Promise<ManagedPolicy> {
    this.documents.checkPermissions(input.document);
    const path = input.path ?? '/';
    const now = this.clock.now();
    const row: IamPoliciesTable = {
      policy_id: newIamId('ANPA'),
      policy_name: input.policyName,
      name_key: input.policyName.toLowerCase(),
      path,
      arn: policyArn(this.accountId, path, input.policyName),
      description: input.description ?? null,
      default_version_id: 'v1',
      next_version: 2,
      tags: JSON.stringify(input.tags ?? []),
      created_at: now,
      updated_at: now,
    };
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('iam_policies').values(row).execute();
        await trx.insertInto('iam_policy_versions').values({ policy_id: row.policy_id, version_id: 'v1', document: input.document, created_at: now }).execute();
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyExists('policy', `A policy called ${input.policyName} already exists. Duplicate names are not allowed.`);
      throw error;
    }
    return toPolicy(row, 0);
  }

  async get(arn: string): Promise<ManagedPolicy> {
    const row = await policyRow(this.db, arn);
    const counts = await attachmentCounts(this.db, [row.policy_id]);
    return toPolicy(row, counts.get(row.policy_id) ?? 0);
  }

  async list(request: PageRequest & { pathPrefix?: string | undefined; onlyAttached?: boolean | undefined; scope?: string | undefined }): Promise<Page<ManagedPolicy>> {
    // Ferry has no AWS-managed policies: scope AWS lists nothing.
    if (request.scope === 'AWS') return { items: [] };
    const limit = request.maxItems ?? DEFAULT_MAX_ITEMS;
    const after = decodeMarker(request.marker);
    let query = this.db.selectFrom('iam_policies').selectAll().orderBy('name_key').limit(limit + 1);
    if (after !== undefined) query = query.where('name_key', '>', after);
    if (request.pathPrefix !== undefined && request.pathPrefix !== '/') query = query.where(startsWith('path', request.pathPrefix));
    if (request.onlyAttached) {
      query = query.where((eb) => eb.exists(eb.selectFrom('iam_role_policy_attachments as a').select('a.policy_id').whereRef('a.policy_id', '=', 'iam_policies.policy_id')));
    }
    const rows = await query.execute();
    const counts = await attachmentCounts(this.db, rows.map((r) => r.policy_id));
    return pageOf(rows, limit, (r) => r.name_key, (r) => toPolicy(r, counts.get(r.policy_id) ?? 0));
  }

  /** Refused while attached, and while versions other than the default remain (AWS's DeleteConflict). */
  async delete(arn: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const row = await policyRow(trx, arn);
      const attached = await trx.selectFrom('iam_role_policy_attachments').select('role_id').where('policy_id', '=', row.policy_id).executeTakeFirst();
      const toUser = await trx.selectFrom('iam_user_policy_attachments').select('owner_id').where('policy_arn', '=', arn).executeTakeFirst();
      const toGroup = await trx.selectFrom('iam_group_policy_attachments').select('owner_id').where('policy_arn', '=', arn).executeTakeFirst();
      if (attached || toUser || toGroup) throw conflict('policy', 'Cannot delete a policy attached to entities.');
      const others = await trx
        .selectFrom('iam_policy_versions')
        .select('version_id')
        .where('policy_id', '=', row.policy_id)
        .where('version_id', '!=', row.default_version_id)
        .executeTakeFirst();
      if (others) {
        throw conflict('policy', "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.");
      }
      await trx.deleteFrom('iam_policy_versions').where('policy_id', '=', row.policy_id).execute();
      await trx.deleteFrom('iam_policies').where('policy_id', '=', row.policy_id).execute();
    });
  }

  async getVersion(arn: string, versionId: string): Promise<PolicyVersion> {
    const policy = await policyRow(this.db, arn);
    const row = await this.db
      .selectFrom('iam_policy_versions')
      .selectAll()
      .where('policy_id', '=', policy.policy_id)
      .where('version_id', '=', versionId)
      .executeTakeFirst();
    if (!row) throw notFound('policy-version', `Policy ${arn} version ${versionId} does not exist or is not attachable.`);
    return toVersion(row, policy.default_version_id);
  }

  async listVersions(arn: string): Promise<PolicyVersion[]> {
    const policy = await policyRow(this.db, arn);
    const rows = await this.db.selectFrom('iam_policy_versions').selectAll().where('policy_id', '=', policy.policy_id).orderBy('created_at', 'desc').execute();
    // Newest first, as AWS lists them; created_at ties broken by version number.
    rows.sort((a, b) => b.created_at - a.created_at || versionNumber(b.version_id) - versionNumber(a.version_id));
    return rows.map((r) => toVersion(r, policy.default_version_id));
  }

  async createVersion(arn: string, document: string, setAsDefault: boolean): Promise<PolicyVersion> {
    this.documents.checkPermissions(document);
    const now = this.clock.now();
    return this.db.transaction().execute(async (trx) => {
      const policy = await policyRow(trx, arn);
      const count = await trx.selectFrom('iam_policy_versions').select((eb) => eb.fn.countAll<number | string>().as('n')).where('policy_id', '=', policy.policy_id).executeTakeFirstOrThrow();
      if (Number(count.n) >= MAX_VERSIONS) {
        throw limitExceeded('policy-version', 'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.');
      }
      const versionId = `v${policy.next_version}`;
      // Bumping next_version first serialises concurrent creators on the policy row.
      const bumped = await trx
        .updateTable('iam_policies')
        .set({ next_version: policy.next_version + 1, updated_at: now, ...(setAsDefault ? { default_version_id: versionId } : {}) })
        .where('policy_id', '=', policy.policy_id)
        .where('next_version', '=', policy.next_version)
        .executeTakeFirst();
      if (Number(bumped.numUpdatedRows) !== 1) throw versionConflict('policy', `Policy ${arn} was changed by another request; try again.`);
      await trx.insertInto('iam_policy_versions').values({ policy_id: policy.policy_id, version_id: versionId, document, created_at: now }).execute();
      return { versionId, isDefault: setAsDefault, document, createdAt: now };
    });
  }

  async setDefaultVersion(arn: string, versionId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const policy = await policyRow(trx, arn);
      const exists = await trx.selectFrom('iam_policy_versions').select('version_id').where('policy_id', '=', policy.policy_id).where('version_id', '=', versionId).executeTakeFirst();
      if (!exists) throw notFound('policy-version', `Policy ${arn} version ${versionId} does not exist or is not attachable.`);
      await trx.updateTable('iam_policies').set({ default_version_id: versionId, updated_at: this.clock.now() }).where('policy_id', '=', policy.policy_id).execute();
    });
  }

  async deleteVersion(arn: string, versionId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const policy = await policyRow(trx, arn);
      if (policy.default_version_id === versionId) throw conflict('policy-version', 'Cannot delete the default version of a policy.');
      const deleted = await trx.deleteFrom('iam_policy_versions').where('policy_id', '=', policy.policy_id).where('version_id', '=', versionId).executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) throw notFound('policy-version', `Policy ${arn} version ${versionId} does not exist or is not attachable.`);
    });
  }
}

const versionNumber = (versionId: string): number => Number.parseInt(versionId.slice(1), 10) || 0;
