import type { Token } from './template.js';

/**
 * Wildcard patterns compiled once into the cheapest matcher that works:
 * equality, literal ends compared as strings, and a bit-parallel automaton for
 * what lies between the first and the last wildcard. `*` is any run of
 * characters and `?` one character; MQTT's `+` and `#` are ordinary
 * characters, and `*` crosses `/` levels (aws-wire-protocols.md §7).
 *
 * The subject comes from the client (a topic, a client id, an S3 key, a
 * resource ARN), so no pattern may make matching slow: every matcher runs in
 * at most subject length × ⌈(pattern length + 1) / 32⌉ + 1 word steps — no
 * backtracking (issue 24: a backtracking RegExp took minutes on `*a` × 30).
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

/**
 * Work done by every matcher since the process started, in word steps of the
 * automaton (a fast path counts one step per character compared). Tests and
 * bench/ read it to bound the cost of an evaluation without timing it.
 */
export const wildcardWork = { steps: 0 };

/** One element of a pattern: a literal code unit, `?` (one of any), or `*` (a run). */
type Item = { kind: 'char'; code: number } | { kind: 'one' | 'run'; inSegment: boolean };

export function compileGlob(tokens: readonly Token[], options: GlobOptions = {}): Matcher {
  const { items, colons } = toItems(tokens, options.lowerCase === true);
  const arnMode = options.arn === true && colons >= 5;
  const text = (list: readonly Item[]): string => list.map((i) => String.fromCharCode((i as { code: number }).code)).join('');
  let p = 0;
  while (p < items.length && items[p]!.kind === 'char') p++;
  if (p === items.length) {
    const exact = text(items);
    return (s) => {
      wildcardWork.steps += Math.min(s.length, exact.length) + 1;
      return s === exact;
    };
  }
  let q = 0;
  while (items[items.length - 1 - q]!.kind === 'char') q++;
  // Literal ends are compared as strings; only what lies between the first and the last wildcard needs the automaton.
  const prefix = text(items.slice(0, p));
  const suffix = text(items.slice(items.length - q));
  const middle = items.slice(p, items.length - q);
  const only = middle.length === 1 ? middle[0]! : undefined;
  const anything = only?.kind === 'run' && !(arnMode && only.inSegment);
  if (anything && p + q === 0) return ANY;
  const inner = anything ? undefined : automaton(middle, arnMode);
  const ends = p + q;
  return (s) => {
    wildcardWork.steps += ends + 1;
    if (s.length < ends || !s.startsWith(prefix) || !s.endsWith(suffix)) return false;
    return inner === undefined || inner(s, p, s.length - q);
  };
}

/**
 * Splits tokens into code units and wildcards, counting the pattern's own
 * colons (those of substituted values do not delimit ARN parts). Adjacent
 * `*`s collapse into one, so a `*` is never followed by another.
 */
function toItems(tokens: readonly Token[], lower: boolean): { items: Item[]; colons: number } {
  const items: Item[] = [];
  let colons = 0;
  let lit = '';
  const flush = (): void => {
    const text = lower ? lit.toLowerCase() : lit;
    for (let i = 0; i < text.length; i++) items.push({ kind: 'char', code: text.charCodeAt(i) });
    lit = '';
  };
  for (const t of tokens) {
    if (!t.wild) {
      lit += t.text;
      continue;
    }
    for (const c of t.text) {
      if (c !== '*' && c !== '?') {
        if (c === ':') colons++;
        lit += c;
        continue;
      }
      flush();
      const item: Item = { kind: c === '*' ? 'run' : 'one', inSegment: colons < 5 };
      const last = items[items.length - 1];
      // `[^:]*.*`, `.*[^:]*` and `.*.*` all mean `.*`; two in-segment runs mean one.
      if (item.kind === 'run' && last?.kind === 'run') last.inSegment = last.inSegment && item.inSegment;
      else items.push(item);
    }
  }
  flush();
  return { items, colons };
}

const COLON = 0x3a;
const WORD = 32;

/** Does `s` from `from` to `to` (exclusive) match the items? */
type Span = (s: string, from: number, to: number) => boolean;

/**
 * A nondeterministic automaton run bit-parallel (Baeza-Yates and Gonnet's
 * Shift-And, extended to character classes and repeats). State k means "the first k items matched"; the
 * set of live states is a bit vector of ⌈(items + 1) / 32⌉ words, updated once
 * per subject character: no choice is ever undone, so the cost is fixed by
 * the lengths alone. Matches what `^…$` with `.`/`[^:]` and `.*`/`[^:]*`
 * matched before, code unit for code unit.
 */
function automaton(items: readonly Item[], arnMode: boolean): Span {
  const states = items.length + 1;
  const words = Math.ceil(states / WORD);
  const bits = (): Uint32Array => new Uint32Array(words);
  const set = (v: Uint32Array, k: number): void => {
    v[k >>> 5]! |= 1 << (k & 31);
  };
  const onColon = bits(); // item k accepts ':' (and every other code unit): `?` or `*` outside ARN parts
  const onOther = bits(); // item k accepts every code unit but ':' (every wildcard)
  const run = bits(); // item k repeats (and may match nothing)
  // Item k is this code unit: an array for ASCII (every subject character looks here), a map beyond.
  const ascii: Array<Uint32Array | undefined> = new Array(128).fill(undefined);
  const beyond = new Map<number, Uint32Array>();
  let minLength = 0;
  items.forEach((item, k) => {
    if (item.kind === 'char') {
      let v = item.code < 128 ? ascii[item.code] : beyond.get(item.code);
      if (v === undefined) {
        v = bits();
        if (item.code < 128) ascii[item.code] = v;
        else beyond.set(item.code, v);
      }
      set(v, k);
    } else {
      set(onOther, k);
      if (!(arnMode && item.inSegment)) set(onColon, k);
      if (item.kind === 'run') set(run, k);
    }
    if (item.kind !== 'run') minLength++;
  });
  const bounded = items.every((i) => i.kind !== 'run');
  const last = states - 1;
  const none = bits();
  const buffers = [bits(), bits()] as const;

  return (s, from, to) => {
    const n = to - from;
    if (n < minLength || (bounded && n !== minLength)) {
      wildcardWork.steps += 1;
      return false;
    }
    let live = buffers[0];
    let next = buffers[1];
    live.fill(0);
    // State 0, and state 1 when item 0 is a run (it may match nothing).
    live[0] = 1 | ((run[0]! & 1) << 1);
    for (let i = from; i < to; i++) {
      const code = s.charCodeAt(i);
      const wild = code === COLON ? onColon : onOther;
      const literal = (code < 128 ? ascii[code] : beyond.get(code)) ?? none;
      let carry = 0;
      let skipCarry = 0;
      let alive = 0;
      for (let w = 0; w < words; w++) {
        const moved = live[w]! & (wild[w]! | literal[w]!);
        const runs = run[w]!;
        const advance = moved & ~runs;
        // A non-repeating item moves its state on by one; a run stays where it is…
        let v = (advance << 1) | carry | (moved & runs);
        carry = advance >>> 31;
        // …and, matching nothing more, lets the state after it live too (runs are never adjacent).
        const skip = v & runs;
        v |= (skip << 1) | skipCarry;
        skipCarry = skip >>> 31;
        next[w] = v;
        alive |= v;
      }
      const was = live;
      live = next;
      next = was;
      if (alive === 0) {
        wildcardWork.steps += (i - from + 1) * words + 1;
        return false;
      }
    }
    wildcardWork.steps += n * words + 1;
    return (live[last >>> 5]! & (1 << (last & 31))) !== 0;
  };
}

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
