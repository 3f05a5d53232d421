/**
 * Whether a thing document matches a parsed query. Matching is
 * case-insensitive (AWS: "search is case insensitive"); a term matches a whole
 * value, `*` any run of characters and `?` one, unless quoted or escaped.
 */
import { valuesOf, type ThingDocument } from '../document.js';
import type { Bound, Match, Query } from './ast.js';
import { compileGlob, type Matcher } from '../../policy/wildcard.js';
import type { Token } from '../../policy/template.js';

export function matches(query: Query, doc: ThingDocument): boolean {
  switch (query.kind) {
    case 'and':
      return query.items.every((q) => matches(q, doc));
    case 'or':
      return query.items.some((q) => matches(q, doc));
    case 'not':
      return !matches(query.item, doc);
    case 'match':
      return valuesOf(doc, query.field ?? '*').some((v) => valueMatches(query.match, v));
  }
}

const compiled = new WeakMap<Match, Matcher>();

function valueMatches(match: Match, value: string): boolean {
  if (match.kind === 'range') return inRange(value, match.lower, match.upper);
  let matcher = compiled.get(match);
  if (!matcher) {
    matcher = termMatcher(match.text, match.quoted);
    compiled.set(match, matcher);
  }
  return matcher(value.toLowerCase());
}

/**
 * The policy engine's wildcard matcher, not a RegExp: a query comes from the
 * caller, and `.*` runs in a backtracking RegExp take time exponential in
 * their number (issue 24). Escaped and quoted characters are never wildcards.
 */
function termMatcher(text: string, quoted: boolean): Matcher {
  if (quoted) return compileGlob([{ text, wild: false }], { lowerCase: true });
  const tokens: Token[] = [];
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\' && i + 1 < chars.length) tokens.push({ text: chars[++i]!, wild: false });
    else tokens.push({ text: c, wild: c === '*' || c === '?' });
  }
  return compileGlob(tokens, { lowerCase: true });
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/** Numbers compare as numbers when both sides are numbers; anything else compares as lower-case text. */
function compare(value: string, bound: string): number {
  if (NUMBER.test(value) && NUMBER.test(bound)) return Number(value) - Number(bound);
  const a = value.toLowerCase();
  const b = bound.toLowerCase();
  return a < b ? -1 : a > b ? 1 : 0;
}

function inRange(value: string, lower: Bound | undefined, upper: Bound | undefined): boolean {
  if (lower) {
    const c = compare(value, lower.value);
    if (c < 0 || (c === 0 && !lower.inclusive)) return false;
  }
  if (upper) {
    const c = compare(value, upper.value);
    if (c > 0 || (c === 0 && !upper.inclusive)) return false;
  }
  return true;
}
