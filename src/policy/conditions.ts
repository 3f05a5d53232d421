import { cidrContains, parseCidr, parseIp } from './ip.js';
import { OPERATORS, readBool, readDate, readNumber, type Comparison, type OperatorInfo } from './operators.js';
import { bindTemplate, parseTemplate, tokensText, type Resolver, type Template } from './template.js';
import type { ConditionClause, ConditionContext, ConditionValue, ContextScalar } from './types.js';
import { normalizeName } from './variables.js';
import { anyOf, compileGlob } from './wildcard.js';

/** Does one context value match any of the clause's policy values (the positive operator)? */
type ValueTest = (v: ContextScalar) => boolean;
const MATCHES_NOTHING: ValueTest = () => false;

export interface BoundCondition {
  readonly key: string;
  readonly lowerKey: string;
  readonly varKey: string;
  readonly negated: boolean;
  readonly set: 'none' | 'any' | 'all';
  readonly ifExists: boolean;
  /** Null: the values say whether absence (true) or presence (false) is wanted. */
  readonly nullWants?: readonly boolean[];
  readonly test: ValueTest;
}

export interface CompiledCondition {
  readonly base: Omit<BoundCondition, 'test'>;
  readonly info: OperatorInfo;
  /** Present when the clause's values hold variables; else `fixed` is ready. */
  readonly templates?: readonly Template[];
  readonly fixed?: BoundCondition;
}

const STRING_FAMILIES = new Set(['string', 'stringIgnoreCase', 'stringLike', 'arn']);

export function compileCondition(clause: ConditionClause, variables: boolean): CompiledCondition {
  const info = OPERATORS[clause.base];
  const base = {
    key: clause.key,
    lowerKey: clause.key.toLowerCase(),
    varKey: normalizeName(clause.key),
    negated: info.negated,
    set: clause.set === 'ForAnyValue' ? 'any' : clause.set === 'ForAllValues' ? 'all' : 'none',
    ifExists: clause.ifExists,
    ...(info.family === 'null' ? { nullWants: clause.values.map((v) => readBool(v) === true) } : {}),
  } as const;
  if (STRING_FAMILIES.has(info.family)) {
    // IAM: policy variables are allowed in the values of String and Arn operators.
    const templates = clause.values.map((v) => parseTemplate(v, variables));
    if (templates.some((t) => t.hasVars)) return { base, info, templates };
    return { base, info, fixed: { ...base, test: stringTest(info, templates, () => undefined) } };
  }
  return { base, info, fixed: { ...base, test: typedTest(info, clause.values) } };
}

export function bindCondition(c: CompiledCondition, resolve: Resolver): BoundCondition {
  if (c.fixed !== undefined) return c.fixed;
  return { ...c.base, test: stringTest(c.info, c.templates ?? [], resolve) };
}

/**
 * A value whose variable has no value matches nothing: "the value is
 * effectively null. There is no equal or like value" (IAM User Guide,
 * "Policy variables with no value").
 */
function stringTest(info: OperatorInfo, templates: readonly Template[], resolve: Resolver): ValueTest {
  const bound = templates.map((t) => bindTemplate(t, resolve)).filter((t) => t !== undefined);
  if (bound.length === 0) return MATCHES_NOTHING;
  switch (info.family) {
    case 'string': {
      const set = new Set(bound.map(tokensText));
      return (v) => set.has(toText(v));
    }
    case 'stringIgnoreCase': {
      const set = new Set(bound.map((t) => tokensText(t).toLowerCase()));
      return (v) => set.has(toText(v).toLowerCase());
    }
    default: {
      const m = anyOf(bound.map((t) => compileGlob(t, { arn: info.family === 'arn' })));
      return (v) => m(toText(v));
    }
  }
}

function typedTest(info: OperatorInfo, values: readonly string[]): ValueTest {
  switch (info.family) {
    case 'numeric': {
      const nums = values.map((v) => readNumber(v) as number);
      return (v) => compareAny(toNumber(v), nums, info.cmp);
    }
    case 'date': {
      const times = values.map((v) => readDate(v) as number);
      return (v) => compareAny(toTime(v), times, info.cmp);
    }
    case 'bool': {
      const bools = values.map((v) => readBool(v) as boolean);
      return (v) => {
        const b = typeof v === 'boolean' ? v : typeof v === 'string' ? readBool(v) : undefined;
        return b !== undefined && bools.includes(b);
      };
    }
    case 'ip': {
      const cidrs = values.map((v) => parseCidr(v)).filter((c) => c !== undefined);
      return (v) => {
        const ip = typeof v === 'string' ? parseIp(v) : undefined;
        return ip !== undefined && cidrs.some((c) => cidrContains(c, ip));
      };
    }
    case 'binary': {
      const set = new Set(values);
      return (v) => set.has(toText(v));
    }
    default:
      return MATCHES_NOTHING; // Null is decided by presence alone.
  }
}

function compareAny(n: number, values: readonly number[], cmp: Comparison): boolean {
  if (Number.isNaN(n)) return false;
  for (const p of values) {
    if (cmp === 'eq' ? n === p : cmp === 'lt' ? n < p : cmp === 'le' ? n <= p : cmp === 'gt' ? n > p : n >= p) return true;
  }
  return false;
}

const toText = (v: ContextScalar): string =>
  typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : String(v);

function toNumber(v: ContextScalar): number {
  if (typeof v === 'number') return v;
  return typeof v === 'string' ? (readNumber(v) ?? NaN) : NaN;
}

function toTime(v: ContextScalar): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v * 1000; // epoch seconds, as aws:EpochTime
  return typeof v === 'string' ? (readDate(v) ?? NaN) : NaN;
}

/**
 * IAM's rules (IAM User Guide, "Condition operators" and "Conditions with
 * multiple context keys or values"): values of one key are ORed, a negated
 * operator NORs them; a missing key makes a condition false, or true for a
 * negated operator; `…IfExists` makes a missing key true; ForAllValues is true
 * for a missing or empty key, ForAnyValue false; Null tests presence only.
 */
export function conditionHolds(c: BoundCondition, value: ConditionValue): boolean {
  const missing = value === undefined || (Array.isArray(value) && value.length === 0);
  if (c.nullWants !== undefined) return c.nullWants.includes(missing);
  if (missing) {
    if (c.set === 'all') return true;
    return c.ifExists || (c.set === 'none' && c.negated);
  }
  if (c.set === 'none') {
    const hit = Array.isArray(value) ? value.some(c.test) : c.test(value as ContextScalar);
    return c.negated ? !hit : hit;
  }
  if (!Array.isArray(value)) return c.test(value as ContextScalar) !== c.negated;
  if (c.set === 'any') {
    for (const v of value) if (c.test(v) !== c.negated) return true;
    return false;
  }
  for (const v of value) if (c.test(v) === c.negated) return false;
  return true;
}

/**
 * The request's value for a condition key: the request context first (keys
 * case-insensitive, IAM User Guide "Condition": "Context key names are not
 * case-sensitive"), then the variables bound for the principal, so keys such as
 * iot:ClientId or iot:Connection.Thing.IsAttached work as condition keys.
 */
export function lookupKey(c: BoundCondition, ctx: ConditionContext | undefined, vars: ReadonlyMap<string, string>): ConditionValue {
  if (ctx !== undefined) {
    const exact = ctx[c.key];
    if (exact !== undefined) return exact;
    for (const k in ctx) {
      if (k.length === c.lowerKey.length && k !== c.key && k.toLowerCase() === c.lowerKey) {
        const v = ctx[k];
        if (v !== undefined) return v;
      }
    }
  }
  return vars.get(c.varKey);
}
