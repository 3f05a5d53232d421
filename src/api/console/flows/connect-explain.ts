/**
 * Why a device's CONNECT was refused, in the terms the author has to act on: the action
 * denied (iot:Connect on client/{clientId}), the decision TestAuthorization reaches for the
 * certificate (run as the signed-in identity), and the statements that would have to change —
 * the Connect statements of the policies that did not allow it, or the Deny that matched.
 */
import type { AppContext } from '../../../server/context.js';
import type { DeviceEvent } from '../../../mqtt/device-events.js';
import type { SignedCall } from '../dispatch.js';

export interface ConnectExplanation {
  action: string;
  resource: string;
  decision?: string;
  /** One line per statement that would have to change, or what to add. */
  statements: Array<{ policyName: string; statement?: unknown; change: string }>;
}

type Call = (call: Omit<SignedCall, 'service' | 'query'> & { query?: Record<string, string> }) => Promise<Record<string, unknown>>;

interface Statement {
  Effect?: string;
  Action?: string | string[];
  Resource?: string | string[];
}

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const aboutConnect = (s: Statement) => list(s.Action).some((a) => /^(\*|iot:\*|iot:connect)$/i.test(a));

export async function explainConnectRefusal(call: Call, ctx: Pick<AppContext, 'region' | 'accountId'>, event: Extract<DeviceEvent, { type: 'connect-refused' }>): Promise<ConnectExplanation | undefined> {
  if (!event.reason.includes('iot:Connect') || !event.certificateId) return undefined;
  const action = 'iot:Connect';
  const resource = `arn:aws:iot:${ctx.region}:${ctx.accountId}:client/${event.clientId}`;
  const principal = `arn:aws:iot:${ctx.region}:${ctx.accountId}:cert/${event.certificateId}`;
  const tested = await call({ method: 'POST', path: '/test-authorization', query: { clientId: event.clientId }, body: { principal, authInfos: [{ actionType: 'CONNECT', resources: [resource] }] } });
  const result = ((tested.authResults ?? []) as Array<Record<string, unknown>>)[0] ?? {};
  const denials = (result.denied ?? {}) as { explicitDeny?: { policies?: Array<{ policyName: string }> }; implicitDeny?: { policies?: Array<{ policyName: string }> } };
  const explicit = (denials.explicitDeny?.policies ?? []).map((p) => p.policyName);
  const implicit = (denials.implicitDeny?.policies ?? []).map((p) => p.policyName);
  const statements: ConnectExplanation['statements'] = [];
  for (const policyName of [...explicit, ...implicit]) {
    const policy = await call({ method: 'GET', path: `/policies/${encodeURIComponent(policyName)}` });
    const document = JSON.parse(String(policy.policyDocument ?? '{}')) as { Statement?: Statement | Statement[] };
    const all = Array.isArray(document.Statement) ? document.Statement : document.Statement ? [document.Statement] : [];
    const relevant = all.map((s, i) => ({ s, i })).filter(({ s }) => aboutConnect(s) && (explicit.includes(policyName) ? s.Effect === 'Deny' : s.Effect === 'Allow'));
    if (relevant.length === 0) {
      statements.push({ policyName, change: `add a statement {"Effect": "Allow", "Action": "iot:Connect", "Resource": "arn:aws:iot:${ctx.region}:${ctx.accountId}:client/\${iot:Connection.Thing.ThingName}"}` });
    }
    for (const { s, i } of relevant) {
      statements.push({
        policyName,
        statement: s,
        change: s.Effect === 'Deny' ? `statement ${i + 1} denies iot:Connect on ${list(s.Resource).join(', ')}: narrow or remove it` : `statement ${i + 1} allows iot:Connect only on ${list(s.Resource).join(', ')}: its Resource must match ${resource} (e.g. client/\${iot:Connection.Thing.ThingName})`,
      });
    }
  }
  if (explicit.length + implicit.length === 0) statements.push({ policyName: '(none)', change: 'no policy is attached to the certificate: attach the device policy to it' });
  return { action, resource, ...(typeof result.authDecision === 'string' ? { decision: result.authDecision } : {}), statements };
}
