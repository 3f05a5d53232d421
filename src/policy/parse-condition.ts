import { malformedPolicy } from '../errors.js';
import { parseCidr } from './ip.js';
import { OPERATORS, parseOperator, readBool, readDate, readNumber, type Family } from './operators.js';
import type { ConditionClause } from './types.js';

/**
 * A statement's Condition block: `{ operator: { key: value | [values] } }`
 * (IAM User Guide, "Condition"). Values of typed operators are checked here
 * so evaluation never meets a value it cannot read.
 */
export function parseConditionBlock(raw: unknown, path: string): ConditionClause[] {
  if (!isObject(raw)) throw malformedPolicy(`${path} must be an object of condition operators`);
  const clauses: ConditionClause[] = [];
  for (const [name, block] of Object.entries(raw)) {
    const op = parseOperator(name);
    if (op === undefined) throw malformedPolicy(`${path}: unknown condition operator "${name}"`);
    const at = `${path}.${name}`;
    // IAM rejects Null with IfExists (Access Analyzer "Null with if exists"); a set qualifier makes no sense on it either.
    if (op.base === 'Null' && (op.ifExists || op.set !== undefined)) {
      throw malformedPolicy(`${path}: operator "${name}" is not valid; Null takes no IfExists or set qualifier`);
    }
    if (!isObject(block)) throw malformedPolicy(`${at} must be an object of condition keys`);
    for (const [key, value] of Object.entries(block)) {
      const keyAt = `${at}["${key}"]`;
      // IAM: "Actions/Conditions must be prefaced by a vendor".
      if (!/^[^:\s]+:\S/.test(key)) throw malformedPolicy(`${keyAt}: condition key must be prefixed with a service, e.g. "aws:SourceIp"`);
      const values = conditionValues(value, keyAt);
      for (const v of values) checkValue(OPERATORS[op.base].family, v, keyAt);
      const clause: ConditionClause = { operator: op.canonical, base: op.base, ifExists: op.ifExists, key, values };
      if (op.set !== undefined) clause.set = op.set;
      clauses.push(clause);
    }
  }
  return clauses;
}

function conditionValues(value: unknown, at: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw malformedPolicy(`${at} must have at least one value`);
  return list.map((v) => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw malformedPolicy(`${at} values must be strings, numbers or booleans`);
  });
}

function checkValue(family: Family, v: string, at: string): void {
  const bad = (what: string): never => {
    throw malformedPolicy(`${at} value "${v}" is not ${what}`);
  };
  switch (family) {
    case 'numeric':
      if (readNumber(v) === undefined) bad('a number');
      return;
    case 'date':
      if (readDate(v) === undefined) bad('a date (ISO 8601 or epoch seconds)');
      return;
    case 'bool':
    case 'null':
      if (readBool(v) === undefined) bad('"true" or "false"');
      return;
    case 'ip':
      if (parseCidr(v) === undefined) bad('an IPv4 or IPv6 address or CIDR block');
      return;
    default:
      return;
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
