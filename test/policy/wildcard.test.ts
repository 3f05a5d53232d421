import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindVariables, compilePolicies, evaluate, parsePolicyDocument } from '../../src/policy/index.js';
import { compileGlob, wildcardWork, type GlobOptions } from '../../src/policy/wildcard.js';
import type { Token } from '../../src/policy/template.js';
import { IOT } from './helpers.js';
import { regexpGlob } from '../../bench/references/regexp-glob.js';

/** A small deterministic generator, so a failure names its seed. */
function random(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

const pick = (r: (n: number) => number, alphabet: string, length: number): string => Array.from({ length }, () => alphabet[r(alphabet.length)]).join('');

test('the automaton decides exactly as the RegExp it replaced, on 40,000 random patterns and subjects', () => {
  const r = random(24);
  for (let i = 0; i < 20_000; i++) {
    // Patterns mix wildcards, colons (ARN parts), slashes and substituted values holding * and ? literally.
    // Half of them shaped like ARNs (five colons), so wildcards in ARN parts are exercised.
    const head = r(2) === 0 ? Array.from({ length: 5 }, () => pick(r, 'ab*?', r(3))).join(':') + ':' : '';
    const tokens: Token[] = [{ text: head + pick(r, 'ab:*?/', r(10)), wild: true }];
    if (r(3) === 0) tokens.push({ text: pick(r, 'a*?:', r(3)), wild: false }, { text: pick(r, 'ab*?:', r(5)), wild: true });
    const options: GlobOptions = { arn: r(2) === 0, lowerCase: r(4) === 0 };
    const ours = compileGlob(tokens, options);
    const theirs = regexpGlob(tokens, options);
    for (let j = 0; j < 2; j++) {
      // ARN-like subjects with four to seven colons up front: a wildcard that crossed a part would show.
      const subjectHead = r(2) === 0 ? Array.from({ length: 4 + r(4) }, () => pick(r, 'ab', r(3))).join(':') + ':' : '';
      const subject = subjectHead + pick(r, 'ab:/*?', r(12));
      assert.equal(ours(subject), theirs(subject), `${JSON.stringify(tokens)} ${JSON.stringify(options)} on ${JSON.stringify(subject)}`);
    }
  }
});

test('patterns longer than one 32-bit word decide as the RegExp did', () => {
  const r = random(2024);
  for (let i = 0; i < 3_000; i++) {
    // Up to four stars so the reference RegExp stays quick; the rest literals and ?, 40 to 100 long.
    let text = '';
    let stars = 0;
    for (let n = 40 + r(60); text.length < n; ) {
      const c = pick(r, 'aaab?:/', 1);
      if (r(15) === 0 && stars < 4) {
        text += '*';
        stars++;
      } else text += c;
    }
    const tokens = [{ text, wild: true }];
    const options: GlobOptions = { arn: r(2) === 0 };
    const ours = compileGlob(tokens, options);
    const theirs = regexpGlob(tokens, options);
    // Subjects made from the pattern itself, wildcards filled in, then sometimes damaged, so many of them match.
    let subject = text.replace(/\*/g, () => pick(r, 'ab:', r(6))).replace(/\?/g, () => pick(r, 'ab:', 1));
    if (r(2) === 0) {
      const at = r(subject.length + 1);
      subject = subject.slice(0, at) + pick(r, 'ab:', r(3)) + subject.slice(at + r(3));
    }
    assert.equal(ours(subject), theirs(subject), `${text} ${JSON.stringify(options)} on ${subject}`);
  }
});

test('code units outside ASCII, and a pattern longer than one machine word, match as before', () => {
  const cases: Array<[string, string, boolean]> = [
    ['caf?', 'café', true],
    ['😀?', '😀x', true],
    ['?', '😀', false], // one code unit, as the RegExp without the u flag
    ['??', '😀', true],
    [`${'a?'.repeat(40)}*`, `${'ab'.repeat(40)}tail`, true],
    [`${'a?'.repeat(40)}*`, `${'ab'.repeat(39)}bb`, false],
    [`*${'x'.repeat(70)}*y`, `${'x'.repeat(71)}zy`, true],
  ];
  for (const [pattern, subject, expected] of cases) {
    const tokens = [{ text: pattern, wild: true }];
    assert.equal(compileGlob(tokens)(subject), expected, `${pattern} on ${subject}`);
    assert.equal(regexpGlob(tokens, {})(subject), expected);
  }
});

const stepsOf = (f: () => unknown): number => {
  const before = wildcardWork.steps;
  f();
  return wildcardWork.steps - before;
};

/**
 * The bound the matcher promises: the literal ends compared once, then one step per subject character
 * and 32-bit word of pattern states — within pattern length × subject length by a factor of about 32.
 */
const bound = (patternLength: number, subjectLength: number): number => (subjectLength + 1) * (Math.ceil((patternLength + 1) / 32) + 1);

// The pattern of issue 24 and the worst shapes within AWS's limits: many `*`, runs of `?`, wildcards in ARN parts.
const TOPIC = `${IOT}:topic/`;
const ARN_PARTS = 'arn:*?*:i*?*t:*?*-*?*:1*?*2:topic/';

/**
 * Worst cases for a subject of `n` characters after the topic ARN: as many wildcards as can still match
 * n characters, and a subject that keeps every wildcard alive to its end and then fails (its literal ends
 * match, so nothing short-cuts). The all-`a` subject is the one that made the RegExp backtrack.
 */
function worstCases(n: number): Array<{ what: string; pattern: string; subjects: string[]; matching: string }> {
  const filler = (k: number) => 'c'.repeat(k);
  return [
    { what: 'issue 24: *a thirty times, then b', pattern: `${TOPIC}${'*a'.repeat(30)}b`, subjects: [`${TOPIC}${'a'.repeat(n)}`, `${TOPIC}${filler(n - 2)}ab`], matching: `${TOPIC}${'a'.repeat(n - 1)}b` },
    { what: 'as many *a as fit', pattern: `${TOPIC}${'*a'.repeat(n / 2 - 1)}b`, subjects: [`${TOPIC}${'a'.repeat(n)}`, `${TOPIC}${filler(n - 2)}ab`], matching: `${TOPIC}${'a'.repeat(n - 1)}b` },
    { what: 'runs of ? between stars', pattern: `${TOPIC}${'*????'.repeat(n / 5)}b`, subjects: [`${TOPIC}${'a'.repeat(n)}`, `${TOPIC}${filler(n - 1)}:`], matching: `${TOPIC}${'a'.repeat(n - 1)}b` },
    { what: 'wildcards in every ARN part', pattern: `${ARN_PARTS}${'*a?'.repeat(n / 3 - 1)}b`, subjects: [`${TOPIC}${'a'.repeat(n)}`, `${TOPIC}${filler(n - 2)}ab`, `arn:${'a:'.repeat(n / 2)}b`], matching: `${TOPIC}${'a'.repeat(n - 1)}b` },
  ];
}

test('the worst patterns against adversarial subjects of the maximum length stay within the step bound', () => {
  // A 256-byte MQTT topic, a 2,048-character TestAuthorization resource, an S3 object ARN with a 1,024-byte key.
  for (const n of [256, 2048 - TOPIC.length - 1, 1024 + 'bucket/'.length]) {
    const cases = worstCases(n - (n % 6));
    for (const { what, pattern, subjects, matching } of cases) {
      for (const arn of [true, false]) {
        const match = compileGlob([{ text: pattern, wild: true }], { arn });
        for (const subject of subjects) {
          const steps = stepsOf(() => assert.equal(match(subject), false, `${what} on ${subject.slice(0, 60)}…`));
          assert.ok(steps <= bound(pattern.length, subject.length), `${what}, ${subject.length} characters: ${steps} steps`);
        }
        // The same patterns still allow what they should.
        assert.equal(match(matching), true, what);
      }
    }
    // The automaton really walked the adversarial subject (nothing short-cut it), and still within the bound.
    const { pattern, subjects } = cases[1]!;
    const walked = stepsOf(() => compileGlob([{ text: pattern, wild: true }], { arn: true })(subjects[1]!));
    assert.ok(walked >= n * Math.floor(pattern.length / 2 / 32), `${walked} steps`);
  }
});

test('a whole evaluation of a maximal policy against a maximal subject is bounded by the policy size × subject length', () => {
  // One IoT policy at the 2,048-character quota: three adversarial resources and an adversarial StringLike condition.
  const resource = `${TOPIC}${'*a'.repeat(120)}b`;
  const doc = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Publish', Resource: [resource, resource.replace('*a*', '*a?'), resource.replace('*a*', 'a*?')] },
      { Effect: 'Deny', Action: 'iot:*', Resource: '*', Condition: { StringLike: { 'iot:ClientId': `${'*?'.repeat(60)}x` } } },
    ],
  };
  const text = JSON.stringify(doc);
  assert.ok(text.length <= 2048, `${text.length}`);
  const forClient = (clientId: string) => bindVariables(compilePolicies([parsePolicyDocument(text, 'iot')]), { 'iot:ClientId': clientId });
  // A 128-character client id that keeps the Deny's wildcards alive and fails at its end.
  const policies = forClient('c'.repeat(128));
  // A 256-byte topic that keeps every wildcard alive and fails at its end; then one that matches.
  const refused = `${TOPIC}${'c'.repeat(254)}ab`;
  const steps = stepsOf(() => assert.equal(evaluate(policies, { action: 'iot:Publish', resource: refused }).effect, 'ImplicitDeny'));
  assert.ok(steps > 3 * 254 + 128, `${steps} steps`);
  assert.ok(steps <= (text.length * refused.length) / 16, `${steps} steps`);
  const allowed = `${TOPIC}${'a'.repeat(255)}b`;
  assert.equal(evaluate(policies, { action: 'iot:Publish', resource: allowed }).effect, 'Allow');
  assert.equal(evaluate(forClient(`${'c'.repeat(127)}x`), { action: 'iot:Publish', resource: allowed }).effect, 'ExplicitDeny');
});
