import { InvalidArgumentError } from 'commander';

/** Option parsers shared by the verbs; commander turns their errors into a usage error (exit 2). */

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Repeatable and comma-separated: `--targets a,b --targets c` → [a, b, c]. */
export const collectList = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

/** `k=v` pairs into a record. */
export function collectPairs(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected KEY=VALUE, got ${JSON.stringify(value)}`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** A duration as `90`, `90s`, `15m`, `12h` or `7d`, in whole seconds. */
export function durationSeconds(value: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(value.trim());
  const n = m ? Number(m[1]) * UNIT_SECONDS[m[2] || 's']! : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a duration such as 90s, 15m, 12h or 7d');
  return n;
}
