import {
  bindVariables,
  compilePolicies,
  evaluate,
  parsePolicyDocument,
  type ConditionContext,
  type Decision,
  type PolicyDialect,
  type PolicyVariables,
} from '../../src/policy/index.js';

export const ACCOUNT = '123456789012';
export const IOT = `arn:aws:iot:us-east-1:${ACCOUNT}`;

export type Json = Record<string, unknown>;

export const stmt = (effect: 'Allow' | 'Deny', action: string | string[], resource: string | string[], extra: Json = {}): Json => ({
  Effect: effect,
  Action: action,
  Resource: resource,
  ...extra,
});
export const allow = (action: string | string[], resource: string | string[], extra: Json = {}): Json => stmt('Allow', action, resource, extra);
export const deny = (action: string | string[], resource: string | string[], extra: Json = {}): Json => stmt('Deny', action, resource, extra);
export const doc = (...statements: Json[]): Json => ({ Version: '2012-10-17', Statement: statements });
/** One Allow on iot:Publish to `*` guarded by a Condition block. */
export const when = (condition: Json): Json => doc(allow('iot:Publish', '*', { Condition: condition }));

export interface Case {
  name: string;
  docs: Json[];
  dialect?: PolicyDialect;
  vars?: PolicyVariables;
  action?: string;
  resource?: string;
  context?: ConditionContext;
  expect: Decision['effect'];
  /** [policyIndex, statementIndex] of the deciding statement. */
  matched?: [number, number];
}

export function decide(c: Case): Decision {
  const parsed = c.docs.map((d) => parsePolicyDocument(JSON.stringify(d), c.dialect ?? 'iot'));
  const bound = bindVariables(compilePolicies(parsed), c.vars ?? {});
  const request = { action: c.action ?? 'iot:Publish', resource: c.resource ?? `${IOT}:topic/t` };
  return evaluate(bound, c.context === undefined ? request : { ...request, context: c.context });
}
