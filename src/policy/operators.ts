import type { BaseOperator, SetQualifier } from './types.js';

/**
 * The condition operators IAM defines (IAM User Guide, "Condition
 * operators"). Each negated operator is its positive family with `negated`.
 */
export type Family = 'string' | 'stringIgnoreCase' | 'stringLike' | 'arn' | 'numeric' | 'date' | 'bool' | 'binary' | 'ip' | 'null';
export type Comparison = 'eq' | 'lt' | 'le' | 'gt' | 'ge';

export interface OperatorInfo {
  readonly family: Family;
  readonly negated: boolean;
  readonly cmp: Comparison;
}

const op = (family: Family, negated = false, cmp: Comparison = 'eq'): OperatorInfo => ({ family, negated, cmp });

export const OPERATORS: Readonly<Record<BaseOperator, OperatorInfo>> = {
  StringEquals: op('string'),
  StringNotEquals: op('string', true),
  StringEqualsIgnoreCase: op('stringIgnoreCase'),
  StringNotEqualsIgnoreCase: op('stringIgnoreCase', true),
  StringLike: op('stringLike'),
  StringNotLike: op('stringLike', true),
  // ArnEquals and ArnLike behave the same: both take wildcards per ARN part.
  ArnEquals: op('arn'),
  ArnLike: op('arn'),
  ArnNotEquals: op('arn', true),
  ArnNotLike: op('arn', true),
  NumericEquals: op('numeric'),
  NumericNotEquals: op('numeric', true),
  NumericLessThan: op('numeric', false, 'lt'),
  NumericLessThanEquals: op('numeric', false, 'le'),
  NumericGreaterThan: op('numeric', false, 'gt'),
  NumericGreaterThanEquals: op('numeric', false, 'ge'),
  DateEquals: op('date'),
  DateNotEquals: op('date', true),
  DateLessThan: op('date', false, 'lt'),
  DateLessThanEquals: op('date', false, 'le'),
  DateGreaterThan: op('date', false, 'gt'),
  DateGreaterThanEquals: op('date', false, 'ge'),
  Bool: op('bool'),
  BinaryEquals: op('binary'),
  IpAddress: op('ip'),
  NotIpAddress: op('ip', true),
  Null: op('null'),
};

const BY_LOWER = new Map<string, BaseOperator>(
  (Object.keys(OPERATORS) as BaseOperator[]).map((name) => [name.toLowerCase(), name]),
);

export interface ParsedOperator {
  base: BaseOperator;
  set?: SetQualifier;
  ifExists: boolean;
  canonical: string;
}

/** `ForAnyValue:StringLikeIfExists` → parts; undefined when unknown. Names match case-insensitively. */
export function parseOperator(name: string): ParsedOperator | undefined {
  let rest = name;
  let set: SetQualifier | undefined;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const qualifier = rest.slice(0, colon).toLowerCase();
    if (qualifier === 'foranyvalue') set = 'ForAnyValue';
    else if (qualifier === 'forallvalues') set = 'ForAllValues';
    else return undefined;
    rest = rest.slice(colon + 1);
  }
  let ifExists = false;
  if (rest.toLowerCase().endsWith('ifexists')) {
    ifExists = true;
    rest = rest.slice(0, -'ifexists'.length);
  }
  const base = BY_LOWER.get(rest.toLowerCase());
  if (base === undefined) return undefined;
  const canonical = `${set === undefined ? '' : `${set}:`}${base}${ifExists ? 'IfExists' : ''}`;
  return set === undefined ? { base, ifExists, canonical } : { base, set, ifExists, canonical };
}

// Value readers shared by validation (parse.ts) and compilation (conditions.ts).

export function readNumber(s: string): number | undefined {
  if (s.trim() === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** ISO 8601 or epoch seconds (as aws:EpochTime), in milliseconds. */
export function readDate(s: string): number | undefined {
  const t = s.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

export function readBool(s: string): boolean | undefined {
  const t = s.toLowerCase();
  return t === 'true' ? true : t === 'false' ? false : undefined;
}
