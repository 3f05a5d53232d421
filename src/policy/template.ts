/**
 * Policy strings with variables: `${name}`, `${name, 'default'}` and the
 * literal escapes `${*}`, `${?}`, `${$}` (aws-wire-protocols.md §7; IAM User
 * Guide, "Policy variables" / "Special characters"). Parsed once at compile
 * time, bound once per principal.
 */

export type TemplatePart =
  /** Policy text: `*` and `?` in it are wildcards where the element allows them. */
  | { readonly kind: 'text'; readonly text: string }
  /** Text that is never a wildcard: an escape or a substituted value. */
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'var'; readonly name: string; readonly fallback?: string };

export interface Template {
  readonly parts: readonly TemplatePart[];
  readonly hasVars: boolean;
}

/** Bound pieces: `wild` says whether `*`/`?` in the text are wildcards. */
export interface Token {
  readonly text: string;
  readonly wild: boolean;
}

export type Resolver = (name: string) => string | undefined;

const ESCAPES = new Set(['*', '?', '$']);
// `${aws:username}` or `${aws:username, 'anonymous'}` (IAM "Specifying default values").
const VARIABLE = /^\s*([^\s,'{}$]+)\s*(?:,\s*'([^']*)'\s*)?$/;

/**
 * `variables` is false for Version 2008-10-17 documents, where IAM treats
 * `${…}` as plain text (IAM User Guide, "Policy variables": requires 2012-10-17).
 */
export function parseTemplate(raw: string, variables: boolean): Template {
  if (!variables || !raw.includes('${')) return { parts: [{ kind: 'text', text: raw }], hasVars: false };
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  while (i < raw.length) {
    const start = raw.indexOf('${', i);
    const end = start < 0 ? -1 : raw.indexOf('}', start + 2);
    if (end < 0) {
      text += raw.slice(i);
      break;
    }
    text += raw.slice(i, start);
    const part = variablePart(raw.slice(start + 2, end));
    if (part === undefined) {
      // Not a variable we understand: keep the characters as policy text.
      text += raw.slice(start, end + 1);
    } else {
      if (text !== '') parts.push({ kind: 'text', text });
      text = '';
      parts.push(part);
    }
    i = end + 1;
  }
  if (text !== '') parts.push({ kind: 'text', text });
  return { parts, hasVars: parts.some((p) => p.kind === 'var') };
}

function variablePart(body: string): TemplatePart | undefined {
  if (ESCAPES.has(body)) return { kind: 'literal', text: body };
  const m = VARIABLE.exec(body);
  if (m === null) return undefined;
  const name = m[1] as string;
  return m[2] === undefined ? { kind: 'var', name } : { kind: 'var', name, fallback: m[2] };
}

/** Substitutes variables; undefined when one has no value (and no default). */
export function bindTemplate(t: Template, resolve: Resolver): Token[] | undefined {
  const tokens: Token[] = [];
  for (const p of t.parts) {
    if (p.kind === 'text') tokens.push({ text: p.text, wild: true });
    else if (p.kind === 'literal') tokens.push({ text: p.text, wild: false });
    else {
      const value = resolve(p.name) ?? p.fallback;
      if (value === undefined) return undefined;
      tokens.push({ text: value, wild: false });
    }
  }
  return tokens;
}

export const tokensText = (tokens: readonly Token[]): string => tokens.map((t) => t.text).join('');
