/**
 * JSON with its syntax errors placed: `line 3, column 5: expected ',' or '}'
 * after a property value`. JSON.parse's own messages differ between Node
 * versions and often give no place at all ("Unexpected token '}', … is not
 * valid JSON"), so when it refuses a text a small scanner finds where.
 */

export class JsonSyntaxError extends Error {
  override name = 'JsonSyntaxError';
  constructor(
    /** 1-based, counted in lines of the text. */
    readonly line: number,
    /** 1-based, in characters of that line. */
    readonly column: number,
    readonly problem: string,
  ) {
    super(`line ${line}, column ${column}: ${problem}`);
  }
}

/** JSON.parse, whose syntax errors are JsonSyntaxError naming the line and column. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const found = firstSyntaxError(text) ?? { offset: text.length, problem: error.message };
    const { line, column } = placeOf(text, found.offset);
    throw new JsonSyntaxError(line, column, found.problem);
  }
}

function placeOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

interface Found {
  offset: number;
  problem: string;
}

type Want = 'value' | 'value-or-]' | 'key' | 'key-or-}' | ':' | ',-or-}' | ',-or-]' | 'end';

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;
const LITERALS = ['true', 'false', 'null'];

/**
 * Where the first syntax error of a JSON text is (RFC 8259). Iterative, with
 * its own stack, so no nesting depth can overflow the call stack.
 */
export function firstSyntaxError(text: string): Found | undefined {
  const open: string[] = [];
  let want = 'value' as Want;
  let i = 0;
  const valueEnded = () => {
    const top = open.at(-1);
    want = top === '{' ? ',-or-}' : top === '[' ? ',-or-]' : 'end';
  };
  const close = () => {
    open.pop();
    i++;
    valueEnded();
  };
  for (;;) {
    WHITESPACE.lastIndex = i;
    WHITESPACE.exec(text);
    i = WHITESPACE.lastIndex;
    if (i >= text.length) return want === 'end' ? undefined : { offset: i, problem: endProblem(want, open) };
    const c = text[i]!;
    const at = (problem: string): Found => ({ offset: i, problem: `${problem}, found ${shown(c)}` });
    switch (want) {
      case 'end':
        return { offset: i, problem: `unexpected ${shown(c)} after the end of the document` };
      case ':':
        if (c !== ':') return at("expected ':' after the property name");
        i++;
        want = 'value';
        continue;
      case ',-or-}':
      case ',-or-]': {
        const closer = want === ',-or-}' ? '}' : ']';
        if (c === closer) close();
        else if (c === ',') {
          i++;
          want = closer === '}' ? 'key' : 'value';
        } else return at(`expected ',' or '${closer}' after ${closer === '}' ? 'a property value' : 'an array element'}`);
        continue;
      }
      case 'key':
      case 'key-or-}': {
        if (c === '}' && want === 'key-or-}') {
          close();
          continue;
        }
        if (c !== '"') return at(want === 'key' ? 'expected a double-quoted property name after the comma' : "expected a double-quoted property name or '}'");
        const bad = scanString(text, i);
        if (typeof bad !== 'number') return bad;
        i = bad;
        want = ':';
        continue;
      }
      case 'value':
      case 'value-or-]': {
        if (c === ']' && want === 'value-or-]') {
          close();
          continue;
        }
        if (c === '{' || c === '[') {
          open.push(c);
          i++;
          want = c === '{' ? 'key-or-}' : 'value-or-]';
          continue;
        }
        const end = scanScalar(text, i);
        if (typeof end !== 'number') return end;
        i = end;
        valueEnded();
        continue;
      }
    }
  }
}

function endProblem(want: Want, open: string[]): string {
  if (want === 'value' && open.length === 0) return 'the document is empty';
  const unclosed = open.at(-1) === '{' ? "an object ('{') is not closed" : "an array ('[') is not closed";
  return `the text ends early: ${unclosed}`;
}

/** The end of the string, number or literal starting at `i`, or the error in it. */
function scanScalar(text: string, i: number): number | Found {
  const c = text[i]!;
  if (c === '"') return scanString(text, i);
  for (const literal of LITERALS) if (text.startsWith(literal, i)) return i + literal.length;
  NUMBER.lastIndex = i;
  if ((c === '-' || (c >= '0' && c <= '9')) && NUMBER.exec(text)) return NUMBER.lastIndex;
  const hint = c === "'" ? ' (JSON strings take double quotes)' : '';
  return { offset: i, problem: `expected a value (a string, number, object, array, true, false or null), found ${shown(c)}${hint}` };
}

const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/** The index after the closing quote of the string opening at `i`, or the error in it. */
function scanString(text: string, i: number): number | Found {
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j]!;
    if (c === '"') return j + 1;
    if (c < ' ') return { offset: j, problem: `a string may not hold a raw control character (${shown(c)}): write it as an escape such as \\n` };
    if (c !== '\\') continue;
    const next = text[j + 1];
    if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) j += 5;
    else if (next !== undefined && ESCAPES.has(next)) j++;
    else return { offset: j, problem: `a string has an invalid escape \\${next ?? ''}` };
  }
  return { offset: i, problem: 'a string is not closed (no closing double quote)' };
}

function shown(c: string): string {
  if (c === '\n') return 'a line break';
  if (c === '\uFEFF') return 'a byte-order mark (U+FEFF)';
  if (c === "'") return `"'"`;
  if (c < ' ') return `character U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${c}'`;
}
