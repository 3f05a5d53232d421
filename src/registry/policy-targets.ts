import { invalidInput, limitExceeded, notFound } from '../errors.js';
import type { Certificates } from './certificates.js';
import type { Db, RegistryDeps } from './deps.js';
import { DEFAULT_PAGE, decodeToken, isString, pageOf, type Page, type PageRequest } from './paging.js';
import type { Policies } from './policies.js';
import type { ThingGroups } from './thing-groups.js';

// AWS IoT quota: at most 10 policies attached to a certificate (or other target).
export const MAX_POLICIES_PER_TARGET = 10;

/** What a policy target ARN names. */
export type PolicyTarget = { kind: 'certificate'; id: string; arn: string } | { kind: 'thing-group'; name: string; arn: string };

/** AttachPolicy/DetachPolicy on certificates and thing groups, and the lists around them. */
export class PolicyTargets {
  constructor(
    private readonly deps: RegistryDeps,
    private readonly policies: Policies,
    private readonly certificates: Certificates,
    private readonly groups: ThingGroups,
  ) {}

  /** Idempotent; an eleventh policy on one target is LimitExceededException (410). */
  async attach(policyName: string, targetArn: string): Promise<void> {
    await this.policies.get(policyName);
    const target = await this.requireTarget(targetArn);
    if (target.kind === 'thing-group' && (await this.groups.get(this.deps.db, target.name))?.dynamic) {
      // A fleet-indexing query must never grant a connection permissions.
      throw invalidInput(`Thing group ${target.name} is a dynamic thing group: policies cannot be attached to dynamic thing groups.`);
    }
    const attached = await this.deps.db.transaction().execute(async (trx) => {
      // On PostgreSQL, serialize attachments to one target (the 10-policy limit).
      if (this.deps.dialect === 'postgres') {
        if (target.kind === 'certificate') await trx.selectFrom('iot_certificates').select('certificate_id').where('certificate_id', '=', target.id).forUpdate().execute();
        else await trx.selectFrom('iot_thing_groups').select('group_name').where('group_name', '=', target.name).forUpdate().execute();
      }
      const current = await trx.selectFrom('iot_policy_targets').select('policy_name').where('target', '=', target.arn).execute();
      if (current.some((r) => r.policy_name === policyName)) return false;
      if (current.length >= MAX_POLICIES_PER_TARGET) {
        throw limitExceeded('policy', `${target.arn} already has ${MAX_POLICIES_PER_TARGET} policies attached, the most a target can have.`);
      }
      await trx.insertInto('iot_policy_targets').values({ policy_name: policyName, target: target.arn, attached_at: this.deps.clock.now() }).execute();
      return true;
    });
    if (attached) await this.deps.feed.emit('policy-attachment', { policyName, target: target.arn, attached: true });
  }

  /** Detaching what is not attached is a no-op. */
  async detach(policyName: string, targetArn: string): Promise<void> {
    await this.policies.get(policyName);
    const target = this.parseTarget(targetArn);
    const result = await this.deps.db.deleteFrom('iot_policy_targets').where('policy_name', '=', policyName).where('target', '=', target.arn).executeTakeFirst();
    if (result.numDeletedRows > 0n) await this.deps.feed.emit('policy-attachment', { policyName, target: target.arn, attached: false });
  }

  /** The policies attached to a target; `recursive` adds a thing group's ancestors' policies. */
  async listForTarget(targetArn: string, request: PageRequest & { recursive?: boolean | undefined }): Promise<Page<{ name: string; arn: string }>> {
    const target = await this.requireTarget(targetArn);
    const limit = request.limit ?? DEFAULT_PAGE;
    const after = decodeToken(request.token, isString);
    let targets = [target.arn];
    if (target.kind === 'thing-group' && request.recursive) {
      targets = (await this.groups.withAncestors(this.deps.db, [target.name])).map((g) => this.deps.arns.thingGroup(g));
    }
    let query = this.deps.db.selectFrom('iot_policy_targets').select('policy_name').distinct().where('target', 'in', targets);
    if (after !== undefined) query = query.where('policy_name', '>', after);
    const rows = await query.orderBy('policy_name').limit(limit + 1).execute();
    return pageOf(rows, limit, (r) => r.policy_name, (r) => ({ name: r.policy_name, arn: this.deps.arns.policy(r.policy_name) }));
  }

  async targetsOf(policyName: string, request: PageRequest): Promise<Page<string>> {
    await this.policies.get(policyName);
    const limit = request.limit ?? DEFAULT_PAGE;
    const after = decodeToken(request.token, isString);
    let query = this.deps.db.selectFrom('iot_policy_targets').select('target').where('policy_name', '=', policyName);
    if (after !== undefined) query = query.where('target', '>', after);
    const rows = await query.orderBy('target').limit(limit + 1).execute();
    return pageOf(rows, limit, (r) => r.target, (r) => r.target);
  }

  /** Names of the policies attached to any of these target ARNs, in attachment order. */
  async policyNamesFor(db: Db, targets: string[]): Promise<string[]> {
    if (targets.length === 0) return [];
    const rows = await db.selectFrom('iot_policy_targets').select('policy_name').where('target', 'in', targets).orderBy('attached_at').orderBy('policy_name').execute();
    return [...new Set(rows.map((r) => r.policy_name))];
  }

  /** A certificate ARN or thing-group ARN of this account; anything else is InvalidRequestException. */
  parseTarget(arn: string): PolicyTarget {
    const id = this.deps.arns.nameIn(arn, 'cert');
    if (id !== undefined) return { kind: 'certificate', id, arn };
    const name = this.deps.arns.nameIn(arn, 'thinggroup');
    if (name !== undefined) return { kind: 'thing-group', name, arn };
    throw invalidInput(`Target ${arn} is not a certificate or thing group ARN of this account and region; Ferry has no Cognito identities.`);
  }

  async requireTarget(arn: string): Promise<PolicyTarget> {
    const target = this.parseTarget(arn);
    const exists = target.kind === 'certificate' ? await this.certificates.exists(target.id) : await this.groups.exists(target.name);
    if (!exists) throw notFound(target.kind, `${target.kind === 'certificate' ? 'Certificate' : 'Thing group'} ${arn} does not exist.`);
    return target;
  }
}
