import { describeType, isSetting, SCHEMA, type Setting } from './schema.js';

/** One problem in a configuration, naming the key and what it accepts. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** A configuration as read from a file: only what the file sets, by dotted path. */
export type ConfigValues = Map<string, string | number | boolean | string[]>;

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    super(`${source}: ${problems.length === 1 ? 'invalid setting' : `${problems.length} invalid settings`}\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Checks a parsed file against the schema: every key known (a near miss is
 * named), every value of its type and within its bounds. Returns the values
 * the file sets; throws a ConfigError listing every problem at once.
 */
export function validateConfig(parsed: unknown, source: string): ConfigValues {
  const problems: ConfigProblem[] = [];
  const values: ConfigValues = new Map();
  if (!isPlainObject(parsed)) throw new ConfigError(source, [{ path: '(file)', message: 'must be a table (TOML) or an object (JSON) of settings' }]);
  walk(parsed, SCHEMA, '', problems, values);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return values;
}

function walk(node: Record<string, unknown>, schema: object, prefix: string, problems: ConfigProblem[], values: ConfigValues): void {
  const known = Object.keys(schema);
  for (const [key, value] of Object.entries(node)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const spec = (schema as Record<string, unknown>)[key];
    if (spec === undefined) {
      const near = nearest(key, known);
      problems.push({ path, message: `unknown setting${near ? ` (did you mean ${prefix ? `${prefix}.` : ''}${near}?)` : ''}; known here: ${known.join(', ')}` });
      continue;
    }
    if (isSetting(spec)) {
      const problem = check(spec, value);
      if (problem) problems.push({ path, message: problem });
      else values.set(path, value as string | number | boolean | string[]);
      continue;
    }
    if (!isPlainObject(value)) {
      problems.push({ path, message: `must be a section (a [${path}] table) holding: ${Object.keys(spec as object).join(', ')}` });
      continue;
    }
    walk(value, spec as object, path, problems, values);
  }
}

/** Why `value` does not fit the setting, or undefined when it does. */
export function check(setting: Setting, value: unknown): string | undefined {
  const type = setting.type;
  const wanted = `must be ${describeType(type)} (got ${show(value)})`;
  switch (type.kind) {
    case 'string':
      if (typeof value !== 'string') return wanted;
      if (type.pattern && !type.pattern.test(value)) return wanted;
      return undefined;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && value >= type.min && value <= type.max ? undefined : wanted;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : wanted;
    case 'enum':
      return typeof value === 'string' && type.values.includes(value) ? undefined : wanted;
    case 'string-list':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? undefined : wanted;
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return String(value);
  if (value instanceof Date) return `a date ${value.toISOString()}`;
  return JSON.stringify(value) ?? String(value);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** The known key closest to a misspelt one (case and one or two typos), if any is close. */
function nearest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = candidate.toLowerCase() === key.toLowerCase() ? 0 : distance(candidate.toLowerCase(), key.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
