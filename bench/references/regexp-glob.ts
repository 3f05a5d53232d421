import type { Token } from '../../src/policy/template.js';
import type { GlobOptions, Matcher } from '../../src/policy/wildcard.js';

/**
 * The wildcard matcher Ferry had before issue 24: each `*` compiled into `.*`
 * (`[^:]*` in an ARN part) of a backtracking RegExp. Kept as the reference the
 * automaton is checked against (test/policy/wildcard.test.ts, small inputs)
 * and measured beside (bench/wildcard.ts). Never use it on client input.
 */
export function regexpGlob(tokens: readonly Token[], options: GlobOptions = {}): Matcher {
  const pieces: Array<{ lit: string } | { wild: string; inSegment: boolean }> = [];
  let colons = 0;
  let lit = '';
  const flush = () => {
    if (lit !== '') pieces.push({ lit: options.lowerCase ? lit.toLowerCase() : lit });
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
  const arnMode = options.arn === true && colons >= 5;
  let source = '';
  for (const p of pieces) {
    if ('lit' in p) source += p.lit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (p.wild === '*') source += arnMode && p.inSegment ? '[^:]*' : '.*';
    else source += arnMode && p.inSegment ? '[^:]' : '.';
  }
  const re = new RegExp(`^${source}$`, 's');
  return (s) => re.test(s);
}
