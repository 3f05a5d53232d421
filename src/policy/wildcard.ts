import type { Token } from './template.js';

/**
 * Wildcard patterns compiled once into the cheapest matcher that works:
 * equality, prefix, or a RegExp. `*` is any run of characters and `?` one
 * character; MQTT's `+` and `#` are ordinary characters, and `*` crosses `/`
 * levels (aws-wire-protocols.md §7).
 */
export type Matcher = (s: string) => boolean;

export const ANY: Matcher = () => true;
export const NEVER: Matcher = () => false;

export interface GlobOptions {
  /**
   * ARN mode: when the pattern has the six colon-separated parts of an ARN,
   * a wildcard in the first five parts stays within its part (IAM User Guide,
   * "Resource" and ArnLike: "each of the six colon-delimited components … is
   * checked separately"); the resource part may contain colons.
   */
  arn?: boolean;
  /** Lowercase the pattern; the caller lowercases the subject (actions). */
  lowerCase?: boolean;
}

type Piece = { lit: string } | { wild: '*' | '?'; inSegment: boolean };

export function compileGlob(tokens: readonly Token[], options: GlobOptions = {}): Matcher {
  const { pieces, colons } = toPieces(tokens, options.lowerCase === true);
  const arnMode = options.arn === true && colons >= 5;
  const wilds = pieces.filter((p) => 'wild' in p);
  if (wilds.length === 0) {
    const exact = pieces.map((p) => ('lit' in p ? p.lit : '')).join('');
    return (s) => s === exact;
  }
  const last = pieces[pieces.length - 1];
  if (wilds.length === 1 && last !== undefined && 'wild' in last && last.wild === '*' && !(arnMode && last.inSegment)) {
    const prefix = pieces.length === 1 ? '' : (pieces[0] as { lit: string }).lit;
    return prefix === '' ? ANY : (s) => s.startsWith(prefix);
  }
  const re = new RegExp(`^${pieces.map((p) => pieceSource(p, arnMode)).join('')}$`, 's');
  return (s) => re.test(s);
}

/** Splits tokens into literal runs and wildcards, counting the pattern's own colons. */
function toPieces(tokens: readonly Token[], lower: boolean): { pieces: Piece[]; colons: number } {
  const pieces: Piece[] = [];
  let lit = '';
  let colons = 0;
  const flush = (): void => {
    if (lit !== '') pieces.push({ lit: lower ? lit.toLowerCase() : lit });
    lit = '';
  };
  for (const t of tokens) {
    if (!t.wild) {
      lit += t.text;
      continue;
    }
    for (const c of t.text) {
      if (c === '*' || c === '?') {
        flush();
        pieces.push({ wild: c, inSegment: colons < 5 });
      } else {
        if (c === ':') colons++;
        lit += c;
      }
    }
  }
  flush();
  return { pieces, colons };
}

function pieceSource(p: Piece, arnMode: boolean): string {
  if ('lit' in p) return escapeRegExp(p.lit);
  const bounded = arnMode && p.inSegment;
  if (p.wild === '*') return bounded ? '[^:]*' : '.*';
  return bounded ? '[^:]' : '.';
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Any of several matchers; the common one-entry case costs no extra call. */
export function anyOf(matchers: readonly Matcher[]): Matcher {
  if (matchers.length === 0) return NEVER;
  if (matchers.length === 1) return matchers[0] as Matcher;
  if (matchers.includes(ANY)) return ANY;
  const live = matchers.filter((m) => m !== NEVER);
  if (live.length === 0) return NEVER;
  if (live.length === 1) return live[0] as Matcher;
  return (s) => {
    for (const m of live) if (m(s)) return true;
    return false;
  };
}
