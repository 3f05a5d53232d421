/**
 * STS for operators (issue 20): AssumeRole and GetSessionToken with AWS's
 * same-account rules, protocol-free. A trust policy naming the caller (its
 * user ARN, or for a role session its session or role ARN) grants by itself;
 * one naming the account (`arn:aws:iam::A:root` or `A`) only delegates to the
 * caller's identity policies, which must then allow `sts:AssumeRole` on the
 * role; an explicit Deny in either refuses.
 *
 *   const out = await sts.assumeRole(caller, { roleArn, sessionName: 'deploy' }, context);
 */
import { deflateRawSync } from 'node:zlib';
import { recordDecision } from '../audit/scope.js';
import { denied, invalidInput } from '../errors.js';
import { evaluateTrust, nonBlankLength, parsePolicyDocument, type ConditionContext, type PolicyDocument, type RequestPrincipal } from '../policy/index.js';
import type { Authorizer, RequestContext } from './authorizer.js';
import type { PolicyDocuments } from './documents.js';
import type { Caller } from './principal.js';
import type { Role, Roles } from './roles.js';
import type { Sessions, TemporaryCredentials } from './sessions.js';
import { requiredString, optionalString, type StringRule } from './validate.js';

export interface AssumeRoleRequest {
  roleArn: string;
  sessionName: string;
  durationSeconds?: number | undefined;
  externalId?: string | undefined;
  /** Inline session policy (JSON). */
  policy?: string | undefined;
  /** Managed session policies. */
  policyArns?: string[] | undefined;
  sourceIdentity?: string | undefined;
}

export interface AssumedRole {
  credentials: TemporaryCredentials;
  /** arn:aws:sts::A:assumed-role/ROLE/NAME */
  arn: string;
  /** ROLEID:NAME */
  assumedRoleId: string;
  /** How much of the packed allotment the session policies use, in percent (when there are any). */
  packedPolicySize?: number;
  sourceIdentity?: string;
}

/** Looks a managed policy's default document up (the account's or AWS-managed). */
export type ManagedDocumentLookup = (arn: string) => Promise<{ document: string } | undefined>;

const NAME: StringRule = { min: 2, max: 64, pattern: /^[\w+=,.@-]*$/, patternText: '[\\w+=,.@-]*' };
const EXTERNAL_ID: StringRule = { min: 2, max: 1224, pattern: /^[\w+=,.@:/-]*$/, patternText: '[\\w+=,.@:\\/-]*' };
const ARN: StringRule = { min: 20, max: 2048, pattern: /^[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD]+$/, patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+' };

/** AssumeRole's limits (STS API reference). */
export const MIN_DURATION = 900;
export const DEFAULT_DURATION = 3600;
/** A role session assuming a role (role chaining) gets at most an hour. */
export const CHAINED_MAX_DURATION = 3600;
/** Inline session policy: 2,048 characters; at most 10 managed ones. */
const MAX_SESSION_POLICY = 2048;
const MAX_POLICY_ARNS = 10;
/**
 * Session policies are packed (compressed) into the session; the packed form
 * has its own allotment. Ferry packs with DEFLATE into 1,024 bytes: the
 * percentage is what AssumeRole answers as PackedPolicySize.
 */
const PACKED_ALLOTMENT = 1024;

/** GetSessionToken's limits: 15 minutes to 36 hours for users, at most an hour for the root. */
export const SESSION_TOKEN_LIMITS = { min: 900, max: 129600, rootMax: 3600, default: 43200, rootDefault: 3600 } as const;

export class SecurityTokens {
  constructor(
    private readonly deps: {
      accountId: string;
      roles: Roles;
      sessions: Sessions;
      authorizer: Authorizer;
      documents: PolicyDocuments;
      managedDocument: ManagedDocumentLookup;
    },
  ) {}

  async assumeRole(caller: Caller, request: AssumeRoleRequest, context: RequestContext = {}): Promise<AssumedRole> {
    if (caller.kind === 'certificate') throw denied('A device certificate may not call AssumeRole.', 'not-authorized');
    // AWS refuses the root user's credentials outright.
    if (caller.kind === 'root') throw denied('Roles may not be assumed by root accounts.', 'not-authorized');
    requiredString(request.roleArn, 'roleArn', ARN);
    const sessionName = requiredString(request.sessionName, 'roleSessionName', NAME);
    const externalId = optionalString(request.externalId, 'externalId', EXTERNAL_ID);
    const newSource = optionalString(request.sourceIdentity, 'sourceIdentity', NAME);
    if (newSource?.toLowerCase().startsWith('aws:')) throw invalidInput('The source identity cannot start with "aws:".', 'validation');
    const sessionPolicy = await this.sessionPolicyOf(request.policy, request.policyArns ?? []);

    const role = await this.deps.roles.findByArn(request.roleArn);
    const refusal = denied(`User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${request.roleArn}`, 'not-authorized');
    if (!role) throw this.refused(refusal, request.roleArn);
    const inherited = caller.kind === 'role-session' ? caller.sourceIdentity : undefined;
    if (newSource !== undefined && inherited !== undefined && newSource !== inherited) {
      throw this.refused(denied(`User: ${caller.arn} is not authorized to perform: sts:SetSourceIdentity on resource: ${role.arn}: the source identity of a chained session cannot change`, 'not-authorized'), role.arn);
    }
    const sourceIdentity = inherited ?? newSource;
    const durationSeconds = this.durationFor(caller, role, request.durationSeconds);

    const trustContext: ConditionContext = {
      ...(externalId !== undefined ? { 'sts:ExternalId': externalId } : {}),
      'sts:RoleSessionName': sessionName,
      ...(sourceIdentity !== undefined ? { 'sts:SourceIdentity': sourceIdentity, 'aws:SourceIdentity': sourceIdentity } : {}),
      ...principalKeys(caller),
      ...(context.sourceIp ? { 'aws:SourceIp': context.sourceIp } : {}),
      'aws:SecureTransport': context.secureTransport ?? true,
      ...context.keys,
    };
    await this.requireTrusted(caller, role, 'sts:AssumeRole', trustContext, context, refusal);
    if (newSource !== undefined && inherited === undefined) {
      const why = denied(`User: ${caller.arn} is not authorized to perform: sts:SetSourceIdentity on resource: ${role.arn}`, 'not-authorized');
      await this.requireTrusted(caller, role, 'sts:SetSourceIdentity', trustContext, context, why);
    }

    const credentials = await this.deps.sessions.issue(role, {
      sessionName,
      durationSeconds,
      ...(sessionPolicy ? { sessionPolicy: sessionPolicy.document } : {}),
      ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
      // Chained sessions keep the SourceIdentity as a condition key of every decision.
      ...(sourceIdentity !== undefined ? { variables: { 'aws:SourceIdentity': sourceIdentity } } : {}),
    });
    return {
      credentials,
      arn: `arn:aws:sts::${this.deps.accountId}:assumed-role/${role.roleName}/${sessionName}`,
      assumedRoleId: `${role.roleId}:${sessionName}`,
      ...(sessionPolicy ? { packedPolicySize: sessionPolicy.packedPercent } : {}),
      ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
    };
  }

  /** GetSessionToken: for IAM users and the root; a session's credentials are refused as AWS does. */
  async getSessionToken(caller: Caller, durationSeconds: number | undefined): Promise<TemporaryCredentials> {
    if (caller.kind === 'certificate') throw denied('A device certificate may not call GetSessionToken.', 'not-authorized');
    if (caller.kind === 'role-session' || (caller.kind === 'user' && caller.sessionToken)) {
      throw denied('Cannot call GetSessionToken with session credentials', 'not-authorized');
    }
    const L = SESSION_TOKEN_LIMITS;
    const max = caller.kind === 'root' ? L.rootMax : L.max;
    const seconds = durationSeconds ?? (caller.kind === 'root' ? L.rootDefault : L.default);
    if (seconds < L.min) throw durationViolation(seconds, `Member must have value greater than or equal to ${L.min}`);
    if (seconds > L.max) throw durationViolation(seconds, `Member must have value less than or equal to ${L.max}`);
    // The root's sessions are capped at an hour: AWS shortens them silently; so does Ferry.
    const effective = Math.min(seconds, max);
    if (caller.kind === 'root') return this.deps.sessions.issueForUser({ userId: null, arn: caller.arn }, effective);
    // AWS needs no permission for GetSessionToken; an explicit Deny still refuses it.
    const identity = await this.deps.authorizer.decide(caller, 'sts:GetSessionToken', '*');
    if (identity.effect === 'ExplicitDeny') throw denied(identity.message ?? `User: ${caller.arn} is not authorized to perform: sts:GetSessionToken`, 'not-authorized');
    return this.deps.sessions.issueForUser({ userId: caller.userId, arn: caller.arn }, effective);
  }

  private durationFor(caller: Exclude<Caller, { kind: 'certificate' | 'root' }>, role: Role, requested: number | undefined): number {
    const seconds = requested ?? DEFAULT_DURATION;
    if (seconds < MIN_DURATION) throw durationViolation(seconds, `Member must have value greater than or equal to ${MIN_DURATION}`);
    if (seconds > 43200) throw durationViolation(seconds, 'Member must have value less than or equal to 43200');
    if (caller.kind === 'role-session' && seconds > CHAINED_MAX_DURATION) {
      throw invalidInput('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.', 'validation');
    }
    if (seconds > role.maxSessionDuration) throw invalidInput('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.', 'validation');
    return seconds;
  }

  /**
   * The trust policy must allow `action` for the caller; when it allows only
   * through the account (not naming the caller), the caller's identity
   * policies must allow it too. An identity Deny refuses either way.
   */
  private async requireTrusted(caller: Exclude<Caller, { kind: 'certificate' | 'root' }>, role: Role, action: string, trustContext: ConditionContext, context: RequestContext, refusal: Error): Promise<void> {
    const trust = parseTrust(role.trustPolicy);
    const principals = principalsOf(caller);
    const decide = (doc: PolicyDocument) => {
      const effects = principals.map((p) => evaluateTrust(doc, p, action, trustContext).effect);
      return effects.includes('ExplicitDeny') ? 'ExplicitDeny' : effects.includes('Allow') ? 'Allow' : 'ImplicitDeny';
    };
    const byTrust = decide(trust);
    const named = explicitOnly(role.trustPolicy);
    const byName = byTrust === 'Allow' && named ? decide(named) : 'ImplicitDeny';
    const identity = await this.deps.authorizer.decide(caller, action, role.arn, { ...trustContext, ...(context.keys ?? {}) });
    if (identity.effect === 'ExplicitDeny') throw this.refused(denied(identity.message ?? refusal.message, 'not-authorized'), role.arn, action, 'ExplicitDeny', identity.decidedBy);
    if (byTrust !== 'Allow') throw this.refused(refusal, role.arn, action, byTrust, 'trust policy');
    if (byName !== 'Allow' && !identity.allowed) {
      throw this.refused(denied(identity.message ?? refusal.message, 'not-authorized'), role.arn, action, 'ImplicitDeny');
    }
    recordDecision({ action, resource: role.arn, effect: 'Allowed', decidedBy: byName === 'Allow' ? 'trust policy' : (identity.decidedBy ?? 'identity policy') });
  }

  private refused(error: Error, resource: string, action = 'sts:AssumeRole', effect: 'ExplicitDeny' | 'ImplicitDeny' = 'ImplicitDeny', decidedBy?: string): Error {
    recordDecision({ action, resource, effect, ...(decidedBy ? { decidedBy } : {}) });
    return error;
  }

  /** Policy and PolicyArns as one document (their statements together), with its packed size. */
  private async sessionPolicyOf(policy: string | undefined, arns: string[]): Promise<{ document: string; packedPercent: number } | undefined> {
    if (policy === undefined && arns.length === 0) return undefined;
    if (arns.length > MAX_POLICY_ARNS) throw invalidInput(`1 validation error detected: Value '[${arns.join(', ')}]' at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to ${MAX_POLICY_ARNS}`, 'validation');
    const statements: unknown[] = [];
    if (policy !== undefined) {
      if (policy.length < 1 || nonBlankLength(policy) > MAX_SESSION_POLICY) {
        throw invalidInput(`1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to ${MAX_SESSION_POLICY}`, 'validation');
      }
      this.deps.documents.checkPermissions(policy, Number.MAX_SAFE_INTEGER);
      statements.push(...statementsOf(policy));
    }
    for (const [i, arn] of arns.entries()) {
      requiredString(arn, `policyArns.${i + 1}.member.arn`, ARN);
      const found = await this.deps.managedDocument(arn);
      if (!found) throw invalidInput(`Policy ${arn} does not exist or is not attachable.`, 'validation');
      statements.push(...statementsOf(found.document));
    }
    const packedPercent = Math.ceil((deflateRawSync(Buffer.from([policy ?? '', ...arns].join('\n'))).length * 100) / PACKED_ALLOTMENT);
    if (packedPercent > 100) throw invalidInput(`Packed policy consumes ${packedPercent}% of allotted space, please use smaller policy.`, 'packed-policy-too-large');
    return { document: JSON.stringify({ Version: '2012-10-17', Statement: statements }), packedPercent };
  }
}

const durationViolation = (seconds: number, constraint: string): Error =>
  invalidInput(`1 validation error detected: Value '${seconds}' at 'durationSeconds' failed to satisfy constraint: ${constraint}`, 'validation');

/** Who the caller is, as a trust policy's Principal may name it: a role session by its session ARN or its role's. */
function principalsOf(caller: Exclude<Caller, { kind: 'certificate' | 'root' }>): RequestPrincipal[] {
  return caller.kind === 'role-session' ? [{ aws: caller.arn }, { aws: caller.roleArn }] : [{ aws: caller.arn }];
}

/** The caller's own condition keys, for the trust policy's conditions. */
function principalKeys(caller: Exclude<Caller, { kind: 'certificate' | 'root' }>): ConditionContext {
  const keys: ConditionContext = { 'aws:PrincipalAccount': caller.accountId };
  if (caller.kind === 'user') {
    Object.assign(keys, { 'aws:PrincipalArn': caller.arn, 'aws:PrincipalType': 'User', 'aws:username': caller.userName, 'aws:userid': caller.userId });
  } else {
    Object.assign(keys, { 'aws:PrincipalArn': caller.roleArn, 'aws:PrincipalType': 'AssumedRole' });
  }
  return keys;
}

function parseTrust(text: string): PolicyDocument {
  return parsePolicyDocument(text, 'iam', { kind: 'trust' });
}

type Json = Record<string, unknown>;

function statementsOf(document: string): unknown[] {
  const s = (JSON.parse(document) as Json).Statement;
  return Array.isArray(s) ? s : [s];
}

const ACCOUNT_PRINCIPAL = /^(\d{12}|arn:[^:]+:iam::\d{12}:root)$/;

/**
 * The trust policy with its account-wide AWS principals removed from Allow
 * statements: what it grants by naming callers. Undefined when nothing is
 * left to grant.
 */
function explicitOnly(text: string): PolicyDocument | undefined {
  const doc = JSON.parse(text) as Json;
  const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as Json[];
  const kept: Json[] = [];
  for (const st of statements) {
    const principal = st.Principal;
    if (st.Effect !== 'Allow' || typeof principal !== 'object' || principal === null || !('AWS' in principal)) {
      kept.push(st);
      continue;
    }
    const { AWS: aws, ...rest } = principal as Json;
    const named = (Array.isArray(aws) ? aws : [aws]).filter((a) => typeof a === 'string' && !ACCOUNT_PRINCIPAL.test(a));
    const next: Json = named.length > 0 ? { ...rest, AWS: named } : rest;
    if (Object.keys(next).length > 0) kept.push({ ...st, Principal: next });
  }
  if (!kept.some((st) => st.Effect === 'Allow')) return undefined;
  return parseTrust(JSON.stringify({ ...doc, Statement: kept }));
}
