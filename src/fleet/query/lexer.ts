/**
 * The fleet-indexing query tokenizer: words, quoted phrases, operators and
 * punctuation, each with its position (0-based character offset) so an error
 * can say where the query went wrong.
 */
import { invalidQuery } from './errors.js';

export type TokenKind = 'word' | 'phrase' | '(' | ')' | '[' | ']' | '{' | '}' | ':' | '<' | '<=' | '>' | '>=' | '-' | 'end';

export interface Token {
  kind: TokenKind;
  /** The word or phrase with escapes resolved (empty for punctuation). */
  text: string;
  position: number;
  /** A word's characters that came from `\` escapes are literal, never wildcards. */
  escaped?: boolean[];
}

// AWS query syntax: these are not supported outside a quoted phrase.
const UNSUPPORTED = new Set(['`', '@', '#', '%', '/', "'", ';', ',']);
const PUNCTUATION = new Set(['(', ')', '[', ']', '{', '}', ':', '"', '<', '>']);
// Java's Character.isWhitespace, which AWS names as the word separator.
const WHITESPACE = /[\s\u001c-\u001f]/u;

export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i]!;
    if (WHITESPACE.test(c)) {
      i++;
    } else if (c === '"') {
      i = phrase(query, i, tokens);
    } else if (c === '<' || c === '>') {
      const op = query[i + 1] === '=' ? `${c}=` : c;
      tokens.push({ kind: op as TokenKind, text: '', position: i });
      i += op.length;
    } else if (PUNCTUATION.has(c)) {
      tokens.push({ kind: c as TokenKind, text: '', position: i });
      i++;
    } else if (c === '-' && startsTerm(tokens, query, i)) {
      tokens.push({ kind: '-', text: '', position: i });
      i++;
    } else {
      i = word(query, i, tokens);
    }
  }
  tokens.push({ kind: 'end', text: '', position: query.length });
  return tokens;
}

/** A hyphen excludes only where a term starts (after a space, `(` or at the start), so `my-thing` stays one word. */
function startsTerm(tokens: Token[], query: string, i: number): boolean {
  const previous = query[i - 1];
  const next = query[i + 1];
  const before = previous === undefined || WHITESPACE.test(previous) || previous === '(';
  const after = next !== undefined && !WHITESPACE.test(next);
  return before && after && tokens.at(-1)?.kind !== ':';
}

function word(query: string, start: number, tokens: Token[]): number {
  let text = '';
  const escaped: boolean[] = [];
  let i = start;
  while (i < query.length) {
    const c = query[i]!;
    if (WHITESPACE.test(c) || PUNCTUATION.has(c)) break;
    if (c === '\\') {
      const next = query[i + 1];
      if (next === undefined) throw invalidQuery('an escape character (\\) ends the query', i);
      text += next;
      escaped.push(true);
      i += 2;
      continue;
    }
    if (UNSUPPORTED.has(c)) throw invalidQuery(`the character ${JSON.stringify(c)} is not supported in a query (quote the value or escape it with \\)`, i);
    text += c;
    escaped.push(false);
    i++;
  }
  tokens.push({ kind: 'word', text, position: start, escaped });
  return i;
}

function phrase(query: string, start: number, tokens: Token[]): number {
  let text = '';
  let i = start + 1;
  while (i < query.length && query[i] !== '"') {
    if (query[i] === '\\' && i + 1 < query.length) i++;
    text += query[i];
    i++;
  }
  if (i >= query.length) throw invalidQuery('the quoted value that starts here is never closed', start);
  tokens.push({ kind: 'phrase', text, position: start });
  return i + 1;
}
