import { bindVariables, dependencies, explain, normalizeName, type BoundPolicySet } from '../policy/index.js';
import { invalidInput, notFound } from '../errors.js';
import type { Certificates } from './certificates.js';
import { OFF_MQTT, THING_VARIABLES_OFF_MQTT } from './device-requests.js';
import type { RegistryDeps } from './deps.js';
import type { Identities } from './identity.js';
import type { EffectiveDocument, Policies } from './policies.js';
import type { PolicyTargets } from './policy-targets.js';
import type { ThingGroups } from './thing-groups.js';
import type { Things } from './things.js';
import { oneOf } from './validate.js';

// AWS's ActionType enum, then Ferry's own: the Jobs HTTPS data plane's actions, judged as such a
// request is (no client id, thing policy variables unresolved, device-requests.ts).
export const AUTH_ACTION_TYPES = [
  'PUBLISH',
  'SUBSCRIBE',
  'RECEIVE',
  'CONNECT',
  'GET_PENDING_JOB_EXECUTIONS',
  'START_NEXT_PENDING_JOB_EXECUTION',
  'DESCRIBE_JOB_EXECUTION',
  'UPDATE_JOB_EXECUTION',
] as const;
export type AuthActionType = (typeof AUTH_ACTION_TYPES)[number];

// aws-wire-protocols.md §7: the IoT action each TestAuthorization actionType stands for.
const ACTIONS: Record<AuthActionType, string> = {
  PUBLISH: 'iot:Publish',
  SUBSCRIBE: 'iot:Subscribe',
  RECEIVE: 'iot:Receive',
  CONNECT: 'iot:Connect',
  GET_PENDING_JOB_EXECUTIONS: 'iot:GetPendingJobExecutions',
  START_NEXT_PENDING_JOB_EXECUTION: 'iot:StartNextPendingJobExecution',
  DESCRIBE_JOB_EXECUTION: 'iot:DescribeJobExecution',
  UPDATE_JOB_EXECUTION: 'iot:UpdateJobExecution',
};

/** The actions asked on an MQTT connection; the others come over HTTPS. */
const overMqtt = (type: AuthActionType) => type === 'PUBLISH' || type === 'SUBSCRIBE' || type === 'RECEIVE' || type === 'CONNECT';

export interface AuthInfo {
  actionType: string;
  resources: string[];
}

export interface PolicyRef {
  name: string;
  arn: string;
}

export interface AuthResult {
  authInfo: { actionType: AuthActionType; resources: string[] };
  decision: 'ALLOWED' | 'EXPLICIT_DENY' | 'IMPLICIT_DENY';
  allowedBy: PolicyRef[];
  explicitlyDeniedBy: PolicyRef[];
  /** When implicitly denied: the policies that matched nothing. */
  implicitlyDeniedBy: PolicyRef[];
  /** Policy variables the documents use that have no value for this principal. */
  missingContextValues: string[];
}

export interface TestAuthorizationInput {
  principal?: string | undefined;
  clientId?: string | undefined;
  authInfos: AuthInfo[];
  policyNamesToAdd?: string[] | undefined;
  policyNamesToSkip?: string[] | undefined;
}

/** GetEffectivePolicies and TestAuthorization: the tools for "why can't my device connect?". */
export class Authorization {
  constructor(
    private readonly deps: RegistryDeps,
    private readonly parts: {
      identities: Identities;
      certificates: Certificates;
      things: Things;
      groups: ThingGroups;
      targets: PolicyTargets;
      policies: Policies;
    },
  ) {}

  /** The policies that apply to a certificate and, with `thingName`, to the thing's groups. */
  async effectivePolicies(input: { principal?: string | undefined; thingName?: string | undefined }): Promise<EffectiveDocument[]> {
    const targets: string[] = [];
    if (input.principal !== undefined) targets.push((await this.parts.targets.requireTarget(input.principal)).arn);
    if (input.thingName !== undefined) await this.parts.things.describe(input.thingName);
    return this.parts.identities.documentsFor(targets, input.thingName);
  }

  /**
   * Evaluates each action on each resource with the engine the broker uses, for a
   * certificate (resolving the thing from the client id as a connection would) or a thing
   * group. The Jobs HTTPS actions are judged as an HTTPS request is: no client id and no
   * thing policy variables, which missingContextValues then names with the reason.
   */
  async test(input: TestAuthorizationInput): Promise<AuthResult[]> {
    if (input.principal === undefined) throw invalidInput('principal is required: a certificate or thing group ARN.');
    if (input.authInfos.length === 0) throw invalidInput('authInfos must name at least one action.');
    const infos = input.authInfos.map((info) => ({ actionType: oneOf(info.actionType, AUTH_ACTION_TYPES, 'actionType'), resources: info.resources }));
    const judges = new Map<boolean, Judge>();
    const judgeFor = async (mqtt: boolean): Promise<Judge> => {
      let judge = judges.get(mqtt);
      if (!judge) {
        const { documents, variables } = await this.principalPolicies(input.principal!, mqtt ? input.clientId : undefined, mqtt);
        const chosen = await this.adjust(documents, input.policyNamesToAdd ?? [], input.policyNamesToSkip ?? []);
        const compiled = this.parts.identities.compile(chosen);
        const missing = (action: string) =>
          missingVariables(chosen, variables, dependencies(compiled, action)).map((name) => (!mqtt && name.startsWith('iot:Connection.Thing.') ? `${name} (${THING_VARIABLES_OFF_MQTT})` : name));
        judge = { chosen, bound: bindVariables(compiled, variables), missing };
        judges.set(mqtt, judge);
      }
      return judge;
    };
    const results: AuthResult[] = [];
    for (const info of infos) results.push(judged(info, await judgeFor(overMqtt(info.actionType))));
    return results;
  }

  private async principalPolicies(
    principal: string,
    clientId: string | undefined,
    mqtt: boolean,
  ): Promise<{ documents: EffectiveDocument[]; variables: Record<string, string | undefined> }> {
    const target = await this.parts.targets.requireTarget(principal);
    if (target.kind === 'thing-group') {
      const groups = await this.parts.groups.withAncestors(this.deps.db, [target.name]);
      return { documents: await this.parts.identities.documentsFor(groups.map((g) => this.deps.arns.thingGroup(g))), variables: { 'iot:ClientId': clientId } };
    }
    const certificate = await this.parts.certificates.describe(target.id);
    const view = await this.parts.identities.view(certificate, mqtt ? { clientId } : OFF_MQTT);
    return { documents: view.documents, variables: view.variables };
  }

  private async adjust(documents: EffectiveDocument[], add: string[], skip: string[]): Promise<EffectiveDocument[]> {
    const missing = [];
    for (const name of add) if (!(await this.parts.policies.exists(name))) missing.push(name);
    if (missing.length > 0) throw notFound('policy', `Policy ${missing.join(', ')} does not exist.`);
    const have = new Set(documents.map((d) => d.policyName));
    const extra = await this.parts.policies.effectiveDocuments(this.deps.db, add.filter((n) => !have.has(n)));
    const skipped = new Set(skip);
    return [...documents, ...extra].filter((d) => !skipped.has(d.policyName));
  }
}

/**
 * One way of judging (over MQTT, or over HTTPS): the policies chosen, bound,
 * and the variables left without a value in the statements that apply to an action.
 */
interface Judge {
  chosen: EffectiveDocument[];
  bound: BoundPolicySet;
  missing(action: string): string[];
}

function judged(info: { actionType: AuthActionType; resources: string[] }, judge: Judge): AuthResult {
  const { chosen, bound } = judge;
  const explanations = info.resources.map((resource) => explain(bound, { action: ACTIONS[info.actionType], resource }));
  const effects = explanations.map((e) => e.effect);
  const decision = effects.includes('ExplicitDeny') ? 'EXPLICIT_DENY' : effects.length > 0 && effects.every((e) => e === 'Allow') ? 'ALLOWED' : 'IMPLICIT_DENY';
  const policiesOf = (refs: Array<readonly { policyIndex: number }[]>) => {
    const indexes = new Set(refs.flatMap((list) => list.map((r) => r.policyIndex)));
    return chosen.filter((_, i) => indexes.has(i)).map((d) => ({ name: d.policyName, arn: d.policyArn }));
  };
  const denying = policiesOf(explanations.map((e) => e.deniedBy));
  return {
    authInfo: info,
    decision,
    allowedBy: decision === 'ALLOWED' ? policiesOf(explanations.map((e) => e.allowedBy)) : [],
    explicitlyDeniedBy: denying,
    // AWS lists the policies that neither allowed nor denied the request.
    implicitlyDeniedBy: decision === 'IMPLICIT_DENY' ? chosen.filter((d) => !denying.some((p) => p.name === d.policyName)).map((d) => ({ name: d.policyName, arn: d.policyArn })) : [],
    // Only the statements about this action: a Publish statement's variable does not explain a Connect refusal.
    missingContextValues: judge.missing(ACTIONS[info.actionType]),
  };
}

/**
 * `${var}` references whose variable has no value here (aws-wire-protocols.md §7: such
 * statements never match), among the names `read` (dependencies(): lowercased).
 */
function missingVariables(documents: EffectiveDocument[], variables: Record<string, string | undefined>, read: ReadonlySet<string>): string[] {
  const missing = new Set<string>();
  for (const d of documents) {
    for (const m of d.document.matchAll(/\$\{([^}*?$]+)\}/g)) {
      const name = m[1]!;
      if (name.startsWith('iot:') && variables[name] === undefined && read.has(normalizeName(name))) missing.add(name);
    }
  }
  return [...missing].sort();
}
