import { FerryError, alreadyExists, conflict, invalidInput, notFound } from '../errors.js';
import { randomHex } from '../ids.js';
import { parsePolicyDocument } from '../policy/index.js';
import type { IotPoliciesTable, IotPolicyVersionsTable } from '../store/tables/registry.js';
import { isUniqueViolation, type Db, type RegistryDeps } from './deps.js';
import { DEFAULT_PAGE, decodeToken, isString, pageOf, type Page, type PageRequest } from './paging.js';
import type { Tags } from './tags.js';
import type { Policy, PolicyVersion, Tag } from './types.js';
import { policyName } from './validate.js';

// aws-wire-protocols.md §3.2 (VersionsLimitExceededException): a policy has at most 5 versions.
export const MAX_POLICY_VERSIONS = 5;

/** The default version of a policy, as the evaluator needs it. */
export interface EffectiveDocument {
  policyName: string;
  policyArn: string;
  versionId: string;
  document: string;
}

/** IoT policies and their versions. */
export class Policies {
  constructor(
    private readonly deps: RegistryDeps,
    private readonly tags: Tags,
  ) {}

  /** Not idempotent: an existing name is ResourceAlreadyExistsException. */
  async create(name: string, document: string, tags: Tag[] = []): Promise<Policy> {
    policyName(name);
    validDocument(document);
    const now = this.deps.clock.now();
    const row: IotPoliciesTable = { policy_name: name, default_version_id: 1, next_version_id: 2, created_at: now, modified_at: now, generation_id: randomHex(16) };
    try {
      await this.deps.db.transaction().execute(async (trx) => {
        await trx.insertInto('iot_policies').values(row).execute();
        await trx.insertInto('iot_policy_versions').values({ policy_name: name, version_id: 1, document, created_at: now }).execute();
        await this.tags.put(trx, this.deps.arns.policy(name), tags);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyExists('policy', `Policy cannot be created - name already exists (name=${name})`);
      throw error;
    }
    return this.toPolicy(row, document);
  }

  async get(name: string): Promise<Policy> {
    const row = await this.row(this.deps.db, name);
    const version = await this.deps.db
      .selectFrom('iot_policy_versions')
      .select('document')
      .where('policy_name', '=', name)
      .where('version_id', '=', row.default_version_id)
      .executeTakeFirstOrThrow();
    return this.toPolicy(row, version.document);
  }

  async exists(name: string): Promise<boolean> {
    const row = await this.deps.db.selectFrom('iot_policies').select('policy_name').where('policy_name', '=', name).executeTakeFirst();
    return row !== undefined;
  }

  async list(request: PageRequest & { ascending?: boolean | undefined }): Promise<Page<{ name: string; arn: string }>> {
    const limit = request.limit ?? DEFAULT_PAGE;
    const after = decodeToken(request.token, isString);
    const ascending = request.ascending ?? true;
    let query = this.deps.db.selectFrom('iot_policies').select('policy_name');
    if (after !== undefined) query = query.where('policy_name', ascending ? '>' : '<', after);
    const rows = await query.orderBy('policy_name', ascending ? 'asc' : 'desc').limit(limit + 1).execute();
    return pageOf(rows, limit, (r) => r.policy_name, (r) => ({ name: r.policy_name, arn: this.deps.arns.policy(r.policy_name) }));
  }

  /** API_DeletePolicy: refused while attached or while it has versions other than the default. */
  async delete(name: string): Promise<void> {
    const row = await this.row(this.deps.db, name);
    const target = await this.deps.db.selectFrom('iot_policy_targets').select('target').where('policy_name', '=', name).executeTakeFirst();
    if (target) throw conflict('policy', `The policy cannot be deleted as the policy is attached to one or more principals (name=${name})`);
    const versions = await this.deps.db.selectFrom('iot_policy_versions').select('version_id').where('policy_name', '=', name).execute();
    if (versions.some((v) => v.version_id !== row.default_version_id)) {
      throw conflict('policy', `Cannot delete the policy because it has one or more policy versions attached to it (name=${name})`);
    }
    await this.deps.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('iot_policy_versions').where('policy_name', '=', name).execute();
      await trx.deleteFrom('iot_policies').where('policy_name', '=', name).execute();
      await this.tags.removeAll(trx, this.deps.arns.policy(name));
    });
    await this.deps.feed.emit('policy-changed', { policyName: name });
  }

  /** At most 5 versions (VersionsLimitExceededException); `setAsDefault` makes it effective at once. */
  async createVersion(name: string, document: string, setAsDefault: boolean): Promise<PolicyVersion> {
    validDocument(document);
    const now = this.deps.clock.now();
    const versionId = await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.row(trx, name, true);
      const count = await trx.selectFrom('iot_policy_versions').select((eb) => eb.fn.countAll<string>().as('n')).where('policy_name', '=', name).executeTakeFirstOrThrow();
      if (Number(count.n) >= MAX_POLICY_VERSIONS) {
        throw new FerryError('LimitExceeded', `The policy ${name} already has the maximum number of versions (${MAX_POLICY_VERSIONS})`, { resource: 'policy', reason: 'versions-limit' });
      }
      const id = row.next_version_id;
      await trx.insertInto('iot_policy_versions').values({ policy_name: name, version_id: id, document, created_at: now }).execute();
      await trx
        .updateTable('iot_policies')
        .set({ next_version_id: id + 1, modified_at: now, generation_id: randomHex(16), ...(setAsDefault ? { default_version_id: id } : {}) })
        .where('policy_name', '=', name)
        .execute();
      return id;
    });
    if (setAsDefault) await this.deps.feed.emit('policy-changed', { policyName: name });
    return { policyName: name, arn: this.deps.arns.policy(name), versionId: String(versionId), document, isDefault: setAsDefault, createdAt: now };
  }

  async getVersion(name: string, versionId: string): Promise<PolicyVersion> {
    const row = await this.row(this.deps.db, name);
    const version = await this.versionRow(name, versionId);
    return this.toVersion(version, row.default_version_id);
  }

  async listVersions(name: string): Promise<PolicyVersion[]> {
    const row = await this.row(this.deps.db, name);
    const versions = await this.deps.db.selectFrom('iot_policy_versions').selectAll().where('policy_name', '=', name).orderBy('version_id', 'desc').execute();
    return versions.map((v) => this.toVersion(v, row.default_version_id));
  }

  async setDefaultVersion(name: string, versionId: string): Promise<void> {
    const row = await this.row(this.deps.db, name);
    const version = await this.versionRow(name, versionId);
    if (version.version_id === row.default_version_id) return;
    await this.deps.db
      .updateTable('iot_policies')
      .set({ default_version_id: version.version_id, modified_at: this.deps.clock.now(), generation_id: randomHex(16) })
      .where('policy_name', '=', name)
      .execute();
    await this.deps.feed.emit('policy-changed', { policyName: name });
  }

  /** The default version cannot be deleted (DeletePolicy deletes the policy). */
  async deleteVersion(name: string, versionId: string): Promise<void> {
    const row = await this.row(this.deps.db, name);
    const version = await this.versionRow(name, versionId);
    if (version.version_id === row.default_version_id) {
      throw conflict('policy', 'Cannot delete the default version of a policy; use DeletePolicy to delete the policy.');
    }
    await this.deps.db.deleteFrom('iot_policy_versions').where('policy_name', '=', name).where('version_id', '=', version.version_id).execute();
  }

  /** The default documents of these policies (unknown names are skipped), in the order given. */
  async effectiveDocuments(db: Db, names: string[]): Promise<EffectiveDocument[]> {
    if (names.length === 0) return [];
    const rows = await db
      .selectFrom('iot_policies as p')
      .innerJoin('iot_policy_versions as v', (join) => join.onRef('v.policy_name', '=', 'p.policy_name').onRef('v.version_id', '=', 'p.default_version_id'))
      .select(['p.policy_name', 'v.version_id', 'v.document'])
      .where('p.policy_name', 'in', names)
      .execute();
    const byName = new Map(rows.map((r) => [r.policy_name, r]));
    return names.flatMap((name) => {
      const r = byName.get(name);
      return r ? [{ policyName: name, policyArn: this.deps.arns.policy(name), versionId: String(r.version_id), document: r.document }] : [];
    });
  }

  private async row(db: Db, name: string, lock = false): Promise<IotPoliciesTable> {
    let query = db.selectFrom('iot_policies').selectAll().where('policy_name', '=', name);
    // On PostgreSQL, serialize version changes of one policy (the 5-version limit, version ids).
    if (lock && this.deps.dialect === 'postgres') query = query.forUpdate();
    const row = await query.executeTakeFirst();
    if (!row) throw notFound('policy', `Policy ${name} does not exist.`);
    return row;
  }

  private async versionRow(name: string, versionId: string): Promise<IotPolicyVersionsTable> {
    if (!/^\d{1,9}$/.test(versionId)) throw invalidInput(`Policy version id ${JSON.stringify(versionId)} is not valid: it must be a number.`);
    const row = await this.deps.db.selectFrom('iot_policy_versions').selectAll().where('policy_name', '=', name).where('version_id', '=', Number(versionId)).executeTakeFirst();
    if (!row) throw notFound('policy-version', `Policy ${name} has no version ${versionId}.`);
    return row;
  }

  private toPolicy(row: IotPoliciesTable, document: string): Policy {
    return {
      name: row.policy_name,
      arn: this.deps.arns.policy(row.policy_name),
      document,
      defaultVersionId: String(row.default_version_id),
      createdAt: row.created_at,
      modifiedAt: row.modified_at,
      generationId: row.generation_id,
    };
  }

  private toVersion(row: IotPolicyVersionsTable, defaultId: number): PolicyVersion {
    return {
      policyName: row.policy_name,
      arn: this.deps.arns.policy(row.policy_name),
      versionId: String(row.version_id),
      document: row.document,
      isDefault: row.version_id === defaultId,
      createdAt: row.created_at,
    };
  }
}

/** Parses with the policy engine: MalformedPolicyException with a pointed message, including the 2048-character quota. */
function validDocument(document: string): void {
  parsePolicyDocument(document, 'iot');
}
