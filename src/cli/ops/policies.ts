import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DetachPolicyCommand,
  GetPolicyCommand,
  ListPoliciesCommand,
  TestAuthorizationCommand,
  type AuthResult,
  type Policy,
} from '@aws-sdk/client-iot';
import type { Connection } from '../client-config.js';
import { iotArn } from '../arns.js';
import { compileGlob } from '../../policy/wildcard.js';
import { UsageError } from '../io.js';
import { thingPrincipals } from './things.js';

import { JOBS_HTTPS_ACTIONS } from '../../registry/device-policy.js';
export { devicePolicy, type DevicePolicyOptions } from '../../registry/device-policy.js';

export async function createPolicy(conn: Connection, name: string, document: string) {
  const out = await conn.iot().send(new CreatePolicyCommand({ policyName: name, policyDocument: document }));
  return { policyName: out.policyName!, policyArn: out.policyArn!, policyVersionId: out.policyVersionId };
}

export interface PolicyTarget {
  thing?: string | undefined;
  cert?: string | undefined;
  group?: string | undefined;
}

/** The certificate ARNs (or thing-group ARN) a policy verb acts on. */
export async function targetsOf(conn: Connection, t: PolicyTarget): Promise<string[]> {
  const given = [t.thing, t.cert, t.group].filter((x) => x !== undefined).length;
  if (given !== 1) throw new UsageError('name exactly one target: --thing NAME, --cert ID|ARN or --group NAME');
  if (t.cert) return [await certificateArn(conn, t.cert)];
  if (t.group) return [iotArn(conn.region, await conn.accountId(), `thinggroup/${t.group}`)];
  const certs = (await thingPrincipals(conn, t.thing!)).filter((p) => p.includes(':cert/'));
  if (certs.length === 0) throw new UsageError(`thing ${t.thing} has no certificate attached (create one with \`ferry thing create\`)`);
  return certs;
}

export async function certificateArn(conn: Connection, idOrArn: string): Promise<string> {
  return idOrArn.startsWith('arn:') ? idOrArn : iotArn(conn.region, await conn.accountId(), `cert/${idOrArn}`);
}

export async function attachPolicy(conn: Connection, policyName: string, target: PolicyTarget, detach = false) {
  const targets = await targetsOf(conn, target);
  for (const arn of targets) {
    const input = { policyName, target: arn };
    await conn.iot().send(detach ? new DetachPolicyCommand(input) : new AttachPolicyCommand(input));
  }
  return { policyName, targets, [detach ? 'detached' : 'attached']: true };
}

export async function listPolicies(conn: Connection): Promise<Policy[]> {
  const policies: Policy[] = [];
  let marker: string | undefined;
  do {
    const page = await conn.iot().send(new ListPoliciesCommand({ pageSize: 250, ...(marker ? { marker } : {}) }));
    policies.push(...(page.policies ?? []));
    marker = page.nextMarker;
  } while (marker);
  return policies;
}

export async function getPolicy(conn: Connection, name: string) {
  const { $metadata: _, ...policy } = await conn.iot().send(new GetPolicyCommand({ policyName: name }));
  return policy;
}

export async function deletePolicy(conn: Connection, name: string) {
  await conn.iot().send(new DeletePolicyCommand({ policyName: name }));
  return { policyName: name, deleted: true };
}

/** `--action` words: the MQTT ones, then the Jobs HTTPS data plane's (get-pending-job-executions…). */
const JOBS_HTTPS_ACTION_TYPES = JOBS_HTTPS_ACTIONS.map((a) => a.replace(/[A-Z]/g, (c, i: number) => `${i ? '-' : ''}${c.toLowerCase()}`));
export const ACTION_TYPES = ['connect', 'publish', 'subscribe', 'receive', ...JOBS_HTTPS_ACTION_TYPES] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

const RESOURCE_KIND: Record<string, string> = { connect: 'client', publish: 'topic', subscribe: 'topicfilter', receive: 'topic' };
const isJobsHttps = (action: ActionType) => JOBS_HTTPS_ACTION_TYPES.includes(action);
/** The IoT policy action: iot:Connect, iot:GetPendingJobExecutions… */
const iotAction = (action: ActionType) => `iot:${action.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}`;

export interface AuthorizationQuestion {
  target: { thing?: string | undefined; cert?: string | undefined };
  clientId?: string | undefined;
  action: ActionType;
  /** Client ids, topics or topic filters (by action), or full ARNs. Default for connect: the client id. */
  resources: string[];
}

export interface AuthorizationAnswer {
  principal: string;
  clientId?: string | undefined;
  action: string;
  results: Array<{ resource: string; decision: string; allowedBy: string[]; deniedBy: string[]; why: string; missingContextValues: string[] }>;
}

/**
 * TestAuthorization, explained: for each resource, the decision and the
 * policies behind it in words an operator can act on.
 */
export async function testAuthorization(conn: Connection, q: AuthorizationQuestion): Promise<AuthorizationAnswer> {
  const principal = (await targetsOf(conn, q.target))[0]!;
  const clientId = q.clientId ?? q.target.thing;
  const account = await conn.accountId();
  // Over HTTPS the resource is a thing (default: the one tested); over MQTT the client id for connect.
  const fallback = isJobsHttps(q.action) ? q.target.thing : q.action === 'connect' ? clientId : undefined;
  const given = q.resources.length ? q.resources : fallback ? [fallback] : [];
  if (given.length === 0) throw new UsageError(`name the ${q.action === 'connect' ? 'client id (--client-id)' : isJobsHttps(q.action) ? 'thing (--resource)' : 'topic (--resource)'} to test`);
  const resources = given.map((r) => (r.startsWith('arn:') ? r : iotArn(conn.region, account, `${RESOURCE_KIND[q.action] ?? 'thing'}/${r}`)));
  const out = await conn.iot().send(
    new TestAuthorizationCommand({
      principal,
      ...(clientId ? { clientId } : {}),
      // Ferry's TestAuthorization also takes the Jobs HTTPS actions (GET_PENDING_JOB_EXECUTIONS…), judged as an HTTPS request is.
      authInfos: resources.map((resource) => ({ actionType: q.action.toUpperCase().replaceAll('-', '_') as 'CONNECT', resources: [resource] })),
    }),
  );
  const action = iotAction(q.action);
  const allowing = await allowedResources(conn, out.authResults ?? [], action);
  return {
    principal,
    clientId,
    action,
    results: (out.authResults ?? []).map((r, i) => explain(r, resources[i] ?? '', action, clientId, allowing)),
  };
}

/**
 * For the policies behind an implicit deny: the resources their Allow
 * statements for `action` name, so the explanation shows what would be allowed.
 */
async function allowedResources(conn: Connection, results: AuthResult[], action: string): Promise<Map<string, string[]>> {
  const policies = new Set(results.filter((r) => r.authDecision === 'IMPLICIT_DENY').flatMap((r) => names(r.denied?.implicitDeny?.policies)));
  const found = new Map<string, string[]>();
  for (const name of policies) {
    const document = (await conn.iot().send(new GetPolicyCommand({ policyName: name }))).policyDocument;
    found.set(name, allowStatementResources(document ?? '', action));
  }
  return found;
}

/** The Resource values of a policy's Allow statements whose Action covers `action` (IoT actions match case-insensitively, with * and ?). */
export function allowStatementResources(document: string, action: string): string[] {
  let statements: unknown;
  try {
    statements = (JSON.parse(document) as { Statement?: unknown }).Statement;
  } catch {
    return [];
  }
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);
  // The policy engine's bounded matcher: a policy's Action is somebody's input, never a RegExp.
  const covers = (pattern: string) => compileGlob([{ text: pattern, wild: true }], { lowerCase: true })(action.toLowerCase());
  const out: string[] = [];
  for (const st of Array.isArray(statements) ? statements : [statements]) {
    const s = (st ?? {}) as Record<string, unknown>;
    if (s.Effect !== 'Allow') continue;
    const applies = s.Action !== undefined ? list(s.Action).some(covers) : s.NotAction !== undefined && !list(s.NotAction).some(covers);
    if (applies) out.push(...(s.Resource !== undefined ? list(s.Resource) : list(s.NotResource).map((r) => `anything but ${r}`)));
  }
  return out;
}

/** `; its iot:Connect statements allow only client/miso*` — or that it has none. */
function allowedElsewhere(policies: string[], action: string, allowing: Map<string, string[]>): string {
  const resources = [...new Set(policies.flatMap((p) => allowing.get(p) ?? []))];
  const whose = policies.length === 1 ? 'its' : 'their';
  return resources.length ? ` (${whose} ${action} statements allow only ${resources.join(', ')})` : ` (${whose} statements have no Allow for ${action})`;
}

const names = (list: Array<{ policyName?: string | undefined }> | undefined) => (list ?? []).map((p) => p.policyName ?? '?');

function explain(r: AuthResult, fallback: string, action: string, clientId: string | undefined, allowing: Map<string, string[]>) {
  const resource = r.authInfo?.resources?.[0] ?? fallback;
  const allowedBy = names(r.allowed?.policies);
  const explicit = names(r.denied?.explicitDeny?.policies);
  const implicit = names(r.denied?.implicitDeny?.policies);
  const missing = r.missingContextValues ?? [];
  const decision = r.authDecision ?? 'UNKNOWN';
  let why: string;
  if (decision === 'ALLOWED') why = `allowed by ${allowedBy.join(', ')}`;
  else if (decision === 'EXPLICIT_DENY') why = `a Deny statement in ${explicit.join(', ')} refuses it (a Deny wins over any Allow)`;
  else if (implicit.length === 0) why = 'no policy is attached to this certificate or its thing groups, so everything is denied';
  else why = `no statement in ${implicit.join(', ')} allows ${action} on this resource${allowedElsewhere(implicit, action, allowing)}`;
  if (decision !== 'ALLOWED' && missing.length) {
    why += `; policy variables ${missing.join(', ')} have no value${
      missing.some((m) => m.startsWith('iot:Connection.Thing')) ? ` (client id ${clientId ?? '(none)'} names no thing this certificate is attached to)` : ''
    }`;
  }
  return { resource, decision, allowedBy, deniedBy: [...explicit, ...implicit], why, missingContextValues: missing };
}
