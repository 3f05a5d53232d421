import { malformedPolicy } from '../errors.js';
import { checkIamCharacters, checkSize, defaultMaxChars } from './limits.js';
import { isObject, parseConditionBlock } from './parse-condition.js';
import { parsePrincipal } from './parse-principal.js';
import type { Effect, PolicyDialect, PolicyDocument, PolicyKind, PolicyStatement, PolicyVersion } from './types.js';
import { parseJson as parseJsonText } from '../json-syntax.js';

/**
 * Validates and normalises an IoT or IAM policy document
 * (aws-wire-protocols.md §7: IAM grammar; IAM User Guide, "Grammar of the
 * IAM JSON policy language"). Every problem is a MalformedPolicy error whose
 * message names the element, e.g. `Statement[2].Effect must be "Allow" or "Deny"`;
 * an oversized IAM document is LimitExceeded (see limits.ts).
 */
export interface ParseOptions {
  /** Default 'identity'. IoT policies are always identity policies. */
  kind?: PolicyKind;
  /** Override the size quota, e.g. for IAM inline policies (10,240 per role together). */
  maxChars?: number;
}

const VERSIONS: readonly PolicyVersion[] = ['2012-10-17', '2008-10-17'];
const TOP_KEYS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Principal', 'NotPrincipal', 'Condition']);
const ACTION = /^(\*|[A-Za-z0-9_-]+:[A-Za-z0-9_*?-]+)$/;

interface Ctx {
  dialect: PolicyDialect;
  kind: PolicyKind;
}

export function parsePolicyDocument(text: string, dialect: PolicyDialect, options: ParseOptions = {}): PolicyDocument {
  if (typeof text !== 'string') throw malformedPolicy('Policy document must be a string');
  const kind: PolicyKind = dialect === 'iot' ? 'identity' : (options.kind ?? 'identity');
  checkSize(text, dialect, kind, options.maxChars ?? defaultMaxChars(dialect, kind));
  if (dialect === 'iam') checkIamCharacters(text);
  const raw = parseJson(text);
  if (!isObject(raw)) throw malformedPolicy('Policy document must be a JSON object');
  for (const key of Object.keys(raw)) {
    if (!TOP_KEYS.has(key)) throw malformedPolicy(`Unknown top-level key "${key}" (expected Version, Id, Statement)`);
  }
  const doc: PolicyDocument = { dialect, kind, version: parseVersion(raw.Version), statements: [] };
  if (raw.Id !== undefined) {
    if (typeof raw.Id !== 'string') throw malformedPolicy('Id must be a string');
    doc.id = raw.Id;
  }
  doc.statements = parseStatements(raw.Statement, { dialect, kind });
  return doc;
}

function parseJson(text: string): unknown {
  try {
    return parseJsonText(text);
  } catch (e) {
    throw malformedPolicy(`Policy document is not valid JSON: ${(e as Error).message}`);
  }
}

/** IAM's default without Version is 2008-10-17 (IAM User Guide, "Version"). */
function parseVersion(v: unknown): PolicyVersion {
  if (v === undefined) return '2008-10-17';
  if (typeof v === 'string' && (VERSIONS as readonly string[]).includes(v)) return v as PolicyVersion;
  throw malformedPolicy('Version must be "2012-10-17" or "2008-10-17"');
}

function parseStatements(raw: unknown, ctx: Ctx): PolicyStatement[] {
  if (raw === undefined) throw malformedPolicy('Policy document must contain Statement');
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw malformedPolicy('Statement must not be empty');
  const statements = list.map((s, i) => parseStatement(s, Array.isArray(raw) ? `Statement[${i}]` : 'Statement', ctx));
  if (ctx.dialect === 'iam') checkUniqueSids(statements);
  return statements;
}

function parseStatement(raw: unknown, path: string, ctx: Ctx): PolicyStatement {
  if (!isObject(raw)) throw malformedPolicy(`${path} must be an object`);
  for (const key of Object.keys(raw)) {
    if (!STATEMENT_KEYS.has(key)) throw malformedPolicy(`${path} has unknown key "${key}"`);
  }
  const st: PolicyStatement = { effect: parseEffect(raw.Effect, path), conditions: [] };
  if (raw.Sid !== undefined) st.sid = parseSid(raw.Sid, path, ctx);
  const [actionKey, actions] = pair(raw, 'Action', 'NotAction', path);
  const actionList = stringList(actions, `${path}.${actionKey}`);
  for (const a of actionList) {
    if (!ACTION.test(a)) throw malformedPolicy(`${path}.${actionKey}: "${a}" is not a valid action (expected "service:action" or "*")`);
  }
  if (actionKey === 'Action') st.action = actionList;
  else st.notAction = actionList;
  parseTargets(raw, st, path, ctx);
  if (raw.Condition !== undefined) st.conditions = parseConditionBlock(raw.Condition, `${path}.Condition`);
  return st;
}

/** Resource/NotResource and Principal/NotPrincipal, as the document's kind requires. */
function parseTargets(raw: Record<string, unknown>, st: PolicyStatement, path: string, ctx: Ctx): void {
  const hasPrincipal = raw.Principal !== undefined || raw.NotPrincipal !== undefined;
  const hasResource = raw.Resource !== undefined || raw.NotResource !== undefined;
  if (ctx.dialect === 'iot' && hasPrincipal) throw malformedPolicy(`${path}: Principal is not supported in IoT policies`);
  if (ctx.kind === 'identity' && hasPrincipal) throw malformedPolicy(`${path}: Principal is not allowed in an identity policy`);
  if (ctx.kind === 'trust' && hasResource) throw malformedPolicy(`${path}: Resource is not allowed in a trust policy`);
  if (ctx.kind !== 'trust') {
    const [key, value] = pair(raw, 'Resource', 'NotResource', path);
    const list = stringList(value, `${path}.${key}`);
    if (ctx.dialect === 'iam') list.forEach((r) => checkArn(r, `${path}.${key}`));
    if (key === 'Resource') st.resource = list;
    else st.notResource = list;
  }
  if (ctx.kind !== 'identity') {
    const [key, value] = pair(raw, 'Principal', 'NotPrincipal', path);
    const spec = parsePrincipal(value, `${path}.${key}`);
    if (key === 'Principal') st.principal = spec;
    else st.notPrincipal = spec;
  }
}

function parseEffect(v: unknown, path: string): Effect {
  if (v === 'Allow' || v === 'Deny') return v;
  if (v === undefined) throw malformedPolicy(`${path} must contain Effect`);
  throw malformedPolicy(`${path}.Effect must be "Allow" or "Deny"`);
}

function parseSid(v: unknown, path: string, ctx: Ctx): string {
  if (typeof v !== 'string') throw malformedPolicy(`${path}.Sid must be a string`);
  // IAM identity and trust policies take only alphanumeric Sids (IAM User Guide, "Sid").
  if (ctx.dialect === 'iam' && ctx.kind !== 'resource' && !/^[A-Za-z0-9]*$/.test(v)) {
    throw malformedPolicy(`${path}.Sid must be alphanumeric (A-Z, a-z, 0-9)`);
  }
  return v;
}

function checkUniqueSids(statements: PolicyStatement[]): void {
  const seen = new Map<string, number>();
  statements.forEach((s, i) => {
    if (s.sid === undefined || s.sid === '') return;
    const first = seen.get(s.sid);
    if (first !== undefined) throw malformedPolicy(`Statement[${i}].Sid "${s.sid}" repeats Statement[${first}].Sid; statement IDs must be unique`);
    seen.set(s.sid, i);
  });
}

/** Exactly one of a mutually exclusive pair; returns [key, value]. */
function pair(raw: Record<string, unknown>, a: string, b: string, path: string): [string, unknown] {
  const hasA = raw[a] !== undefined;
  const hasB = raw[b] !== undefined;
  if (hasA && hasB) throw malformedPolicy(`${path} must not contain both ${a} and ${b}`);
  if (hasA) return [a, raw[a]];
  if (hasB) return [b, raw[b]];
  throw malformedPolicy(`${path} must contain ${a} or ${b}`);
}

function stringList(value: unknown, at: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw malformedPolicy(`${at} must not be empty`);
  return list.map((v, i) => {
    if (typeof v !== 'string') throw malformedPolicy(`${at} must be a string or an array of strings`);
    if (v === '') throw malformedPolicy(`${at}${Array.isArray(value) ? `[${i}]` : ''} must not be empty`);
    return v;
  });
}

/** IAM: "Resource … must be in ARN format or "*"". */
function checkArn(r: string, at: string): void {
  if (r === '*' || /^arn:[^:]*:[^:]*:[^:]*:[^:]*:/.test(r)) return;
  throw malformedPolicy(`${at}: "${r}" must be in ARN format or "*"`);
}
