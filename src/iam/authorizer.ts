/**
 * The one authorizer of operator requests (issue 20): every IoT control-plane,
 * IAM, STS, S3 and Jobs data-plane request by a user or a role session is
 * decided here, by the policy engine, against the caller's identity policies
 * — a user's own and its groups', or a role's, narrowed by a session policy
 * when the session has one. Deny by default; an explicit Deny wins. The root
 * key may do everything. Policies are read at each decision, so a removed
 * group membership or a detached policy takes effect on the next request.
 *
 *   const decision = await authorizer.authorize(caller, 'iot:CreateJob', [jobArn, groupArn], { sourceIp });
 *   decision.allowed, decision.statement (the deciding one), decision.message (AWS's wording)
 */
import type { Kysely } from 'kysely';
import { denied } from '../errors.js';
import { recordDecision } from '../audit/scope.js';
import type { Clock } from '../clock.js';
import { bindVariables, compilePolicies, evaluate, type ConditionContext, type DecisionEffect, type PolicyDocument, type StatementRef } from '../policy/index.js';
import { ParsedPolicies } from './parsed-policies.js';
import type { Database } from '../store/schema.js';
import { userPolicyDocuments, type LabelledPolicy } from './identity-policies.js';
import type { Caller } from './principal.js';
import type { RolePermissions } from './role-permissions.js';
import type { Tag } from './validate.js';

/** What the request adds to the decision: condition keys AWS sets from the request itself. */
export interface RequestContext {
  /** aws:SourceIp */
  sourceIp?: string | undefined;
  /** aws:SecureTransport (every Ferry listener is TLS: true unless said otherwise). */
  secureTransport?: boolean | undefined;
  /** Service-specific condition keys (e.g. s3:prefix, iot:ThingGroupArn). */
  keys?: ConditionContext | undefined;
}

/** Tags of tagged resources, for aws:ResourceTag/… (the registry provides them for IoT resources). */
export interface ResourceTagSource {
  tagsOf(arn: string): Promise<Record<string, string> | undefined>;
}

export interface DecidingStatement {
  /** The managed policy's ARN, or a description of the inline policy. */
  policy: string;
  sid?: string;
  statementIndex: number;
}

export interface AuthorizationDecision {
  allowed: boolean;
  /** Allow, or what refused the first refused resource. */
  effect: DecisionEffect;
  /** The statement that decided: the Allow that allowed the last resource, or the Deny that refused. */
  statement?: DecidingStatement;
  /** The first resource refused. */
  resource?: string;
  /** AWS's refusal wording, when refused. */
  message?: string;
}

/** What the object store asks of IAM: the identity-policy half of an S3 decision. */
export interface IdentityDecision {
  allowed: boolean;
  effect: DecisionEffect;
  message?: string;
  /** The deciding statement, in words. */
  decidedBy?: string;
}

/** `identity policy arn:aws:iam::A:policy/P Statement[1] (Sid X)`. */
export function describeDeciding(st: DecidingStatement): string {
  return `${st.policy} Statement[${st.statementIndex}]${st.sid !== undefined ? ` (Sid ${st.sid})` : ''}`;
}

const ALLOW_ROOT: AuthorizationDecision = Object.freeze({ allowed: true, effect: 'Allow' as const });

interface PolicySet {
  labels: string[];
  documents: PolicyDocument[];
  variables: Record<string, string>;
  /** Role sessions' session policy: it must allow too (an intersection). */
  session?: PolicyDocument;
}

export class Authorizer {
  private readonly parsed = new ParsedPolicies();
  private tags: ResourceTagSource = { tagsOf: async () => undefined };

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly roles: RolePermissions,
  ) {}

  /** The registry tells the tags of IoT resources (set once the registry exists). */
  useResourceTags(source: ResourceTagSource): void {
    this.tags = source;
  }

  /**
   * May `caller` perform `action` on every one of `resources`? Each resource
   * is decided on its own, as AWS does for actions naming several; the first
   * refused one is named in the answer.
   */
  async authorize(caller: Caller, action: string, resources: readonly string[], context: RequestContext = {}): Promise<AuthorizationDecision> {
    const decision = await this.decideAll(caller, action, resources, context);
    // The request's audit event names what decided (src/audit/scope.ts).
    recordDecision({
      action,
      resource: decision.resource ?? resources[0] ?? '*',
      effect: decision.allowed ? 'Allowed' : decision.effect === 'ExplicitDeny' ? 'ExplicitDeny' : 'ImplicitDeny',
      ...(caller.kind === 'root' ? { decidedBy: 'root' } : decision.statement ? { decidedBy: describeDeciding(decision.statement) } : {}),
    });
    return decision;
  }

  private async decideAll(caller: Caller, action: string, resources: readonly string[], context: RequestContext): Promise<AuthorizationDecision> {
    if (caller.kind === 'root') return ALLOW_ROOT;
    if (caller.kind === 'certificate') {
      const resource = resources[0] ?? '*';
      return { allowed: false, effect: 'ImplicitDeny', resource, message: `A device certificate may not perform: ${action} on resource: ${resource}` };
    }
    const set = await this.policySetOf(caller);
    const bound = bindVariables(compilePolicies(set.documents), set.variables);
    const session = set.session ? bindVariables(compilePolicies([set.session]), set.variables) : undefined;
    const base = this.baseContext(set.variables, context);
    let last: AuthorizationDecision = ALLOW_ROOT;
    for (const resource of resources.length > 0 ? resources : ['*']) {
      const keys = await this.withResourceTags(base, resource);
      const decision = evaluate(bound, { action, resource, context: keys });
      if (decision.effect !== 'Allow') return this.refusal(caller.arn, action, resource, decision.effect, 'identity-based', set.labels, decision.matched);
      if (session) {
        const narrowed = evaluate(session, { action, resource, context: keys });
        if (narrowed.effect !== 'Allow') return this.refusal(caller.arn, action, resource, narrowed.effect, 'session', ['session policy'], narrowed.matched);
      }
      last = { allowed: true, effect: 'Allow', ...(decision.matched ? { statement: this.statementOf(set.labels, decision.matched) } : {}) };
    }
    return last;
  }

  /**
   * The caller's policies bound once and decided without I/O, for a long-lived
   * connection whose checks cannot wait (the broker's: MQTT over WebSocket).
   * `variables` join the caller's (e.g. `iot:ClientId`); condition keys are
   * those of the moment of compiling, and resource tags are not read (topics
   * and client ids have none). Compile again when the caller's policies change.
   */
  async compile(caller: Exclude<Caller, { kind: 'certificate' }>, opts: { variables?: Record<string, string>; context?: RequestContext } = {}): Promise<(action: string, resource: string) => boolean> {
    if (caller.kind === 'root') return () => true;
    const set = await this.policySetOf(caller);
    const variables = { ...set.variables, ...opts.variables };
    const bound = bindVariables(compilePolicies(set.documents), variables);
    const session = set.session ? bindVariables(compilePolicies([set.session]), variables) : undefined;
    const keys = this.baseContext(variables, opts.context ?? {});
    return (action, resource) =>
      evaluate(bound, { action, resource, context: keys }).effect === 'Allow' && (!session || evaluate(session, { action, resource, context: keys }).effect === 'Allow');
  }

  /** The object store's AccessPolicySource (src/objects/access.ts): one resource at a time. */
  async decide(caller: Caller, action: string, resource: string, keys?: ConditionContext): Promise<IdentityDecision> {
    // Not recorded here: the object store records its combined decision (identity and bucket policy).
    const decision = await this.decideAll(caller, action, [resource], keys ? { keys } : {});
    return {
      allowed: decision.allowed,
      effect: decision.effect,
      ...(decision.message !== undefined ? { message: decision.message } : {}),
      ...(decision.statement ? { decidedBy: describeDeciding(decision.statement) } : {}),
    };
  }

  /** AccessPolicySource's older half: a role session's policies bound (presigned URLs of jobs use them). */
  policiesFor(caller: Caller): ReturnType<RolePermissions['policiesFor']> {
    return this.roles.policiesFor(caller);
  }

  /** Like authorize(), throwing AccessDenied in AWS's words when refused. */
  async require(caller: Caller, action: string, resources: readonly string[], context?: RequestContext): Promise<AuthorizationDecision> {
    const decision = await this.authorize(caller, action, resources, context);
    if (!decision.allowed) throw denied(decision.message ?? `Not authorized to perform: ${action}`, 'not-authorized');
    return decision;
  }

  /**
   * iam:PassRole on `roleArn`: handing a role to a service (a job's presigned
   * URLs, a role alias, a job template). The refusal names the role.
   */
  requirePassRole(caller: Caller, roleArn: string, context?: RequestContext): Promise<AuthorizationDecision> {
    return this.require(caller, 'iam:PassRole', [roleArn], context);
  }

  private refusal(arn: string, action: string, resource: string, effect: DecisionEffect, kind: 'identity-based' | 'session', labels: string[], matched?: StatementRef): AuthorizationDecision {
    const why = effect === 'ExplicitDeny' ? `with an explicit deny in ${kind === 'session' ? 'a session' : 'an identity-based'} policy` : `because no ${kind} policy allows the ${action} action`;
    return {
      allowed: false,
      effect,
      resource,
      ...(matched ? { statement: this.statementOf(labels, matched) } : {}),
      message: `User: ${arn} is not authorized to perform: ${action} on resource: ${resource} ${why}`,
    };
  }

  private statementOf(labels: string[], ref: StatementRef): DecidingStatement {
    return { policy: labels[ref.policyIndex] ?? 'policy', statementIndex: ref.statementIndex, ...(ref.sid !== undefined ? { sid: ref.sid } : {}) };
  }

  private async policySetOf(caller: Exclude<Caller, { kind: 'root' } | { kind: 'certificate' }>): Promise<PolicySet> {
    if (caller.kind === 'user') {
      const user = await this.db.selectFrom('iam_users').select(['tags']).where('user_id', '=', caller.userId).executeTakeFirst();
      const policies = user ? await userPolicyDocuments(this.db, caller.userId) : [];
      const variables: Record<string, string> = {
        'aws:username': caller.userName,
        'aws:userid': caller.userId,
        'aws:PrincipalArn': caller.arn,
        'aws:PrincipalType': 'User',
        'aws:PrincipalAccount': caller.accountId,
        ...principalTags(user ? (JSON.parse(user.tags) as Tag[]) : []),
      };
      return { ...this.parseAll(policies), variables };
    }
    const { roleId, documents } = await this.roles.documentsOf(caller.roleArn);
    const role = await this.db.selectFrom('iam_roles').select('tags').where('arn', '=', caller.roleArn).executeTakeFirst();
    const sessionName = caller.arn.split('/').pop() ?? '';
    const variables: Record<string, string> = {
      ...caller.variables,
      'aws:PrincipalArn': caller.roleArn,
      'aws:PrincipalType': 'AssumedRole',
      'aws:PrincipalAccount': caller.accountId,
      ...(roleId !== undefined ? { 'aws:userid': `${roleId}:${sessionName}` } : {}),
      ...principalTags(role ? (JSON.parse(role.tags) as Tag[]) : []),
    };
    const set = this.parseAll(documents.map((document, i) => ({ label: `${caller.roleArn} policy ${i + 1}`, document })));
    return { ...set, variables, ...(caller.sessionPolicy ? { session: this.parse(caller.sessionPolicy) } : {}) };
  }

  private baseContext(variables: Record<string, string>, context: RequestContext): ConditionContext {
    const now = this.clock.now();
    const keys: ConditionContext = {
      ...variables,
      'aws:CurrentTime': new Date(now),
      'aws:EpochTime': Math.floor(now / 1000),
      'aws:SecureTransport': context.secureTransport ?? true,
      ...(context.sourceIp ? { 'aws:SourceIp': context.sourceIp } : {}),
      ...context.keys,
    };
    return keys;
  }

  private async withResourceTags(base: ConditionContext, resource: string): Promise<ConditionContext> {
    if (resource === '*') return base;
    const tags = await this.tags.tagsOf(resource);
    if (!tags) return base;
    const keys: ConditionContext = { ...base };
    for (const [k, v] of Object.entries(tags)) keys[`aws:ResourceTag/${k}`] = v;
    return keys;
  }

  private parseAll(policies: LabelledPolicy[]): { labels: string[]; documents: PolicyDocument[] } {
    return { labels: policies.map((p) => p.label), documents: policies.map((p) => this.parse(p.document)) };
  }

  private parse(document: string): PolicyDocument {
    return this.parsed.get(document);
  }
}

const principalTags = (tags: Tag[]): Record<string, string> => Object.fromEntries(tags.map((t) => [`aws:PrincipalTag/${t.Key}`, t.Value]));
