/**
 * The fleet-indexing query parser: recursive descent over lexer.ts's tokens,
 * one function per rule of this grammar (AWS query syntax; Lucene's operator
 * precedence, AND binding tighter than OR, AND the default operator):
 *
 *   query   := or END
 *   or      := and ("OR" and)*
 *   and     := unary (["AND"] unary)*
 *   unary   := ("NOT" | "-") unary | primary
 *   primary := "(" or ")"
 *            | FIELD ":" ( "(" or ")" | range | value )      -- the group's terms take FIELD
 *            | FIELD ("<" | "<=" | ">" | ">=") value
 *            | value                                           -- unqualified: every field
 *   range   := ("[" | "{") value "TO" value ("]" | "}")
 *   value   := WORD | PHRASE
 *
 * AWS's limits are checked while parsing: at most 12 terms, at most one term
 * with a leading wildcard and then at most 100 characters, known fields only.
 */
import type { Bound, Match, Query } from './ast.js';
import { invalidQuery } from './errors.js';
import { tokenize, type Token } from './lexer.js';

export const MAX_TERMS = 12;
const MAX_LEADING_WILDCARD_QUERY = 100;
const MAX_QUERY_LENGTH = 1000;

const FIELDS = new Set(['thingName', 'thingId', 'thingTypeName', 'thingGroupNames', 'connectivity.connected', 'connectivity.timestamp', 'connectivity.disconnectReason']);
const ATTRIBUTE = /^attributes\.[a-zA-Z0-9_.,@/:#-]+$/;

export function parseQuery(text: string): Query {
  if (text.trim() === '') throw invalidQuery('the query is empty', 0);
  if (text.length > MAX_QUERY_LENGTH) throw invalidQuery(`a query is at most ${MAX_QUERY_LENGTH} characters`, MAX_QUERY_LENGTH);
  return new Parser(text, tokenize(text)).query();
}

/** The fields a query reads (to know which changes can change its answer). */
export function fieldsOf(query: Query): Set<string> {
  const out = new Set<string>();
  const walk = (q: Query): void => {
    if (q.kind === 'match') out.add(q.field ?? '*');
    else if (q.kind === 'not') walk(q.item);
    else q.items.forEach(walk);
  };
  walk(query);
  return out;
}

class Parser {
  private at = 0;
  private terms = 0;
  private leadingWildcards = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  query(): Query {
    const q = this.or(undefined);
    const rest = this.peek();
    if (rest.kind !== 'end') throw invalidQuery(rest.kind === ')' ? 'this ) closes no (' : 'unexpected text', rest.position);
    return q;
  }

  private or(field: string | undefined): Query {
    const items = [this.and(field)];
    while (this.isOperator('OR')) {
      this.next();
      items.push(this.and(field));
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  }

  private and(field: string | undefined): Query {
    const items = [this.unary(field)];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'end' || t.kind === ')' || this.isOperator('OR')) break;
      if (this.isOperator('AND')) this.next();
      items.push(this.unary(field));
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  }

  private unary(field: string | undefined): Query {
    if (this.isOperator('NOT') || this.peek().kind === '-') {
      this.next();
      return { kind: 'not', item: this.unary(field) };
    }
    return this.primary(field);
  }

  private primary(field: string | undefined): Query {
    const t = this.next();
    if (t.kind === '(') return this.group(field, t);
    if (t.kind === 'word' && isOperatorWord(t.text)) throw invalidQuery(`${t.text} needs a term on each side`, t.position);
    if (t.kind !== 'word' && t.kind !== 'phrase') throw invalidQuery(t.kind === 'end' ? 'the query ends where a term was expected' : `expected a term, found ${t.kind}`, t.position);
    const following = this.peek();
    if (t.kind === 'word' && following.kind === ':') {
      if (field !== undefined) throw invalidQuery(`a field cannot be named inside the group of field ${field}`, t.position);
      this.checkField(t);
      this.next();
      return this.fieldValue(t.text, t.position);
    }
    if (t.kind === 'word' && (following.kind === '<' || following.kind === '<=' || following.kind === '>' || following.kind === '>=')) {
      if (field !== undefined) throw invalidQuery(`a field cannot be named inside the group of field ${field}`, t.position);
      this.checkField(t);
      this.next();
      const value = this.value();
      const bound: Bound = { value: value.text, inclusive: following.kind.length === 2 };
      const match: Match = following.kind.startsWith('<') ? { kind: 'range', upper: bound } : { kind: 'range', lower: bound };
      return this.counted(t.text, match, t.position);
    }
    return this.counted(field, this.termOf(t), t.position);
  }

  /** A term's position is where its field name starts. */
  private fieldValue(field: string, position: number): Query {
    const t = this.peek();
    if (t.kind === '(') return this.group(field, this.next());
    if (t.kind === '[' || t.kind === '{') return this.range(field, position);
    return this.counted(field, this.termOf(this.value()), position);
  }

  private group(field: string | undefined, open: Token): Query {
    const inner = this.or(field);
    const close = this.next();
    if (close.kind !== ')') throw invalidQuery('this ( is never closed', open.position);
    return inner;
  }

  private range(field: string, position: number): Query {
    const open = this.next();
    const lower = this.value();
    const to = this.next();
    if (to.kind !== 'word' || to.text !== 'TO') throw invalidQuery('a range is [LOW TO HIGH]: expected TO', to.position);
    const upper = this.value();
    const close = this.next();
    if (close.kind !== ']' && close.kind !== '}') throw invalidQuery('a range ends with ] or }', close.position);
    const match: Match = { kind: 'range' };
    if (!(lower.kind === 'word' && lower.text === '*')) match.lower = { value: lower.text, inclusive: open.kind === '[' };
    if (!(upper.kind === 'word' && upper.text === '*')) match.upper = { value: upper.text, inclusive: close.kind === ']' };
    return this.counted(field, match, position);
  }

  private value(): Token {
    const t = this.next();
    if (t.kind === 'word' && isOperatorWord(t.text)) throw invalidQuery(`expected a value, found the operator ${t.text}`, t.position);
    if (t.kind !== 'word' && t.kind !== 'phrase') throw invalidQuery(t.kind === 'end' ? 'the query ends where a value was expected' : `expected a value, found ${t.kind}`, t.position);
    if (t.kind === 'word' && t.text === '') throw invalidQuery('expected a value', t.position);
    return t;
  }

  private termOf(t: Token): Match {
    if (t.kind === 'phrase') return { kind: 'term', text: t.text, quoted: true };
    const first = t.text[0];
    const leading = (first === '*' || first === '?') && t.escaped?.[0] === false && t.text !== '*';
    if (leading) {
      this.leadingWildcards++;
      if (this.leadingWildcards > 1) throw invalidQuery('only one term of a query may start with a wildcard', t.position);
      if (this.text.length > MAX_LEADING_WILDCARD_QUERY) throw invalidQuery(`a query with a leading wildcard is at most ${MAX_LEADING_WILDCARD_QUERY} characters`, t.position);
    }
    // Escaped wildcards are literal: carried as their escapes so the matcher can tell.
    const text = t.escaped?.some((e, i) => e && (t.text[i] === '*' || t.text[i] === '?' || t.text[i] === '\\'))
      ? [...t.text].map((c, i) => (t.escaped![i] && (c === '*' || c === '?' || c === '\\') ? `\\${c}` : c)).join('')
      : t.text;
    return { kind: 'term', text, quoted: false };
  }

  private counted(field: string | undefined, match: Match, position: number): Query {
    this.terms++;
    if (this.terms > MAX_TERMS) throw invalidQuery(`a query has at most ${MAX_TERMS} terms; this is term ${this.terms}`, position);
    return field === undefined ? { kind: 'match', match, position } : { kind: 'match', field, match, position };
  }

  private checkField(t: Token): void {
    checkField(t.text, t.position);
  }

  private isOperator(word: 'AND' | 'OR' | 'NOT'): boolean {
    const t = this.peek();
    return t.kind === 'word' && t.text === word && t.escaped?.every((e) => !e) === true;
  }

  private peek(): Token {
    return this.tokens[this.at]!;
  }

  private next(): Token {
    const t = this.tokens[this.at]!;
    if (t.kind !== 'end') this.at++;
    return t;
  }
}

/** Refuses a name that is not a field of the AWS_Things index (InvalidQueryException at `position`). */
export function checkField(name: string, position = 0): void {
  if (FIELDS.has(name) || ATTRIBUTE.test(name)) return;
  if (name.startsWith('shadow.')) throw invalidQuery(`Ferry keeps no device shadows yet, so ${name} cannot be searched`, position);
  throw invalidQuery(`${name} is not a field of the AWS_Things index (thingName, thingId, thingTypeName, thingGroupNames, attributes.NAME, connectivity.connected, connectivity.timestamp, connectivity.disconnectReason)`, position);
}

const isOperatorWord = (text: string) => text === 'AND' || text === 'OR' || text === 'NOT' || text === 'TO';
