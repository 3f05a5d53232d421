import { bindCondition, compileCondition, type BoundCondition, type CompiledCondition } from './conditions.js';
import { compilePrincipal, type PrincipalMatcher } from './principal.js';
import { bindTemplate, parseTemplate, type Resolver, type Template } from './template.js';
import type { Decision, PolicyDialect, PolicyDocument, PolicyStatement, PolicyVariables, StatementRef } from './types.js';
import { normalizeName, resolverFor, variableMap } from './variables.js';
import { NEVER, anyOf, compileGlob, type Matcher } from './wildcard.js';

/**
 * Compile once (wildcards into matchers), bind variables once per principal
 * (e.g. per MQTT connection), so evaluate() does no parsing and no I/O.
 */

export interface BoundStatement {
  readonly ref: StatementRef;
  /** Shared, frozen: evaluate() returns it as is. */
  readonly decision: Decision;
  readonly actions: Matcher;
  readonly notAction: boolean;
  /** null: the statement has no Resource element (trust policies) and applies to any resource. */
  readonly resources: Matcher | null;
  readonly notResource: boolean;
  readonly principal: PrincipalMatcher | null;
  readonly notPrincipal: boolean;
  readonly conditions: readonly BoundCondition[];
}

interface CompiledStatement {
  readonly dialect: PolicyDialect;
  readonly deny: boolean;
  /** Resource entries still holding variables; the statement is bound per principal. */
  readonly resourceTemplates?: readonly Template[];
  readonly conditions: readonly CompiledCondition[];
  readonly needsBinding: boolean;
  /** The statement with nothing to bind (or before binding): resources as compiled. */
  readonly bound: BoundStatement;
}

export interface CompiledPolicySet {
  readonly statements: readonly CompiledStatement[];
}

export interface BoundPolicySet {
  /** Deny statements are checked first: any match wins (explicit Deny). */
  readonly denies: readonly BoundStatement[];
  readonly allows: readonly BoundStatement[];
  /** Bound variables, also consulted as condition keys. */
  readonly vars: ReadonlyMap<string, string>;
}

export function compilePolicies(docs: readonly PolicyDocument[]): CompiledPolicySet {
  const statements: CompiledStatement[] = [];
  docs.forEach((doc, policyIndex) => {
    doc.statements.forEach((st, statementIndex) => statements.push(compileStatement(doc, st, policyIndex, statementIndex)));
  });
  return { statements };
}

function compileStatement(doc: PolicyDocument, st: PolicyStatement, policyIndex: number, statementIndex: number): CompiledStatement {
  // Policy variables need Version 2012-10-17 (IAM User Guide, "Policy variables").
  const variables = doc.version === '2012-10-17';
  const ref: StatementRef = Object.freeze(st.sid === undefined ? { policyIndex, statementIndex } : { policyIndex, statementIndex, sid: st.sid });
  const deny = st.effect === 'Deny';
  const decision: Decision = Object.freeze({ effect: deny ? 'ExplicitDeny' : 'Allow', matched: ref });
  const resourceList = st.resource ?? st.notResource;
  const templates = resourceList?.map((r) => parseTemplate(r, variables));
  const conditions = st.conditions.map((c) => compileCondition(c, variables));
  const principal = st.principal ?? st.notPrincipal;
  const bound: BoundStatement = {
    ref,
    decision,
    // IAM: action names are case-insensitive; evaluate() lowercases the request's.
    actions: anyOf((st.action ?? st.notAction ?? []).map((a) => compileGlob([{ text: a, wild: true }], { lowerCase: true }))),
    notAction: st.action === undefined,
    resources: templates === undefined ? null : bindResources(templates, () => undefined),
    notResource: st.notResource !== undefined,
    principal: principal === undefined ? null : compilePrincipal(principal),
    notPrincipal: st.notPrincipal !== undefined,
    conditions: conditions.map((c) => c.fixed ?? bindCondition(c, () => undefined)),
  };
  const needsBinding = (templates?.some((t) => t.hasVars) ?? false) || conditions.some((c) => c.fixed === undefined);
  return { dialect: doc.dialect, deny, conditions, needsBinding, bound, ...(needsBinding && templates ? { resourceTemplates: templates } : {}) };
}

/**
 * An entry whose variable has no value matches no resource (IAM User Guide,
 * "Policy variables with no value"; aws-wire-protocols.md §7: the `${…}` text
 * stays and fails to match). Other entries of the statement still count.
 */
function bindResources(templates: readonly Template[], resolve: Resolver): Matcher {
  return anyOf(
    templates.map((t) => {
      const tokens = bindTemplate(t, resolve);
      return tokens === undefined ? NEVER : compileGlob(tokens, { arn: true });
    }),
  );
}

export function bindVariables(set: CompiledPolicySet, vars: PolicyVariables): BoundPolicySet {
  const map = variableMap(vars);
  const resolvers = new Map<PolicyDialect, Resolver>();
  const resolverOf = (d: PolicyDialect): Resolver => {
    let r = resolvers.get(d);
    if (r === undefined) resolvers.set(d, (r = resolverFor(map, d)));
    return r;
  };
  const denies: BoundStatement[] = [];
  const allows: BoundStatement[] = [];
  for (const st of set.statements) {
    const bound = st.needsBinding ? bindStatement(st, resolverOf(st.dialect)) : st.bound;
    (st.deny ? denies : allows).push(bound);
  }
  return { denies, allows, vars: map };
}

/**
 * The policy variables and condition keys the statements read (names
 * lowercased as variables match, e.g. `credentials-iot:thingname`): of every
 * statement, or of those that apply to `action`. A caller that cannot supply
 * one of them learns so before relying on a decision that silently treats it
 * as absent (issue 24: the credentials provider without x-amzn-iot-thingname).
 */
export function dependencies(set: CompiledPolicySet, action?: string): Set<string> {
  const names = new Set<string>();
  const addVars = (t: Template) => {
    for (const part of t.parts) if (part.kind === 'var') names.add(normalizeName(part.name));
  };
  for (const st of set.statements) {
    if (action !== undefined && st.bound.actions(action.toLowerCase()) === st.bound.notAction) continue;
    st.resourceTemplates?.forEach(addVars);
    for (const c of st.conditions) {
      names.add(c.base.varKey);
      c.templates?.forEach(addVars);
    }
  }
  return names;
}

function bindStatement(st: CompiledStatement, resolve: Resolver): BoundStatement {
  return {
    ...st.bound,
    resources: st.resourceTemplates === undefined ? st.bound.resources : bindResources(st.resourceTemplates, resolve),
    conditions: st.conditions.map((c) => bindCondition(c, resolve)),
  };
}
