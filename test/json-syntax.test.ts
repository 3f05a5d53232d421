import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonSyntaxError, firstSyntaxError, parseJson } from '../src/json-syntax.js';

function refusal(text: string): JsonSyntaxError {
  try {
    parseJson(text);
  } catch (error) {
    assert.ok(error instanceof JsonSyntaxError, String(error));
    return error;
  }
  return assert.fail(`parsed: ${JSON.stringify(text)}`);
}

test('a syntax error is placed by line and column, with what was expected and found', () => {
  const cases: Array<[string, number, number, RegExp]> = [
    ['{"a":}', 1, 6, /^expected a value .*found '\}'$/],
    ['{\n  "a": 1,\n}', 3, 1, /^expected a double-quoted property name after the comma, found '\}'$/],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, /^expected ',' or '\}' after a property value, found '"'$/],
    ['[1, 2,\n]', 2, 1, /^expected a value .*found '\]'$/],
    ['[1 2]', 1, 4, /^expected ',' or '\]' after an array element, found '2'$/],
    ["{'a': 1}", 1, 2, /^expected a double-quoted property name or '\}', found "'"$/],
    ['{"a": \'x\'}', 1, 7, /double quotes/],
    ['{"a" 1}', 1, 6, /^expected ':' after the property name, found '1'$/],
    ['{"a": "x\ny"}', 1, 9, /raw control character \(a line break\)/],
    ['{"a": "\\q"}', 1, 8, /invalid escape \\q/],
    ['{"a": "open}', 1, 7, /string is not closed/],
    ['{"a": [1, 2', 1, 12, /ends early: an array \('\['\) is not closed/],
    ['{"a": 1', 1, 8, /ends early: an object \('\{'\) is not closed/],
    ['', 1, 1, /the document is empty/],
    ['  \n ', 2, 2, /the document is empty/],
    ['{} {}', 1, 4, /unexpected '\{' after the end of the document/],
    ['{"a": nul}', 1, 7, /expected a value/],
    ['{"a": 01}', 1, 8, /expected ',' or '\}' after a property value, found '1'/],
    ['{"a": -}', 1, 7, /expected a value/],
    ['\uFEFF{}', 1, 1, /byte-order mark/],
    ['{"é": "ü", x}', 1, 12, /property name/],
  ];
  for (const [text, line, column, problem] of cases) {
    const e = refusal(text);
    assert.deepEqual([e.line, e.column], [line, column], `${JSON.stringify(text)}: ${e.message}`);
    assert.match(e.problem, problem, JSON.stringify(text));
    assert.equal(e.message, `line ${line}, column ${column}: ${e.problem}`);
  }
  assert.deepEqual(parseJson('{"a": [1, -2.5e3, true, false, null, "\\u00e9\\n"], "b": {}}'), { a: [1, -2500, true, false, null, 'é\n'], b: {} });
});

test('the scanner agrees with JSON.parse on which texts are JSON (mutations of valid documents)', () => {
  const documents = [
    JSON.stringify({ operation: 'download', files: [{ url: 'https://x/y?z=1', size: 12, sha256: 'ab' }], nested: { deep: [[[]]], n: -0.5e-3 } }, null, 2),
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iot:Connect'], Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }] }),
    '[1, "two", {"three": [true, false, null]}, "\\"quoted\\" \\\\ \\/ \\b\\f\\n\\r\\t \\u12aB"]',
  ];
  const alphabet = ['{', '}', '[', ']', ',', ':', '"', '\\', '0', '1', '-', '.', 'e', 'E', '+', ' ', '\n', 'a', 't', 'n', 'u', '\u0001'];
  let seed = 20261202;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  let refused = 0;
  for (let i = 0; i < 4000; i++) {
    const doc = documents[i % documents.length]!;
    const at = random(doc.length);
    const mutated = random(3) === 0 ? doc.slice(0, at) + doc.slice(at + 1) : random(2) === 0 ? doc.slice(0, at) + alphabet[random(alphabet.length)] + doc.slice(at) : doc.slice(0, at);
    let parses = true;
    try {
      JSON.parse(mutated);
    } catch {
      parses = false;
    }
    const found = firstSyntaxError(mutated);
    assert.equal(found === undefined, parses, `${JSON.stringify(mutated)}: JSON.parse ${parses ? 'accepts' : 'refuses'} it, the scanner says ${JSON.stringify(found)}`);
    if (!parses) refused++;
  }
  assert.ok(refused > 1000, `enough mutations were not JSON (${refused})`);
});

test('deep nesting cannot overflow the scanner', () => {
  const text = `${'['.repeat(200_000)}${']'.repeat(199_999)}`;
  assert.match(refusal(text).problem, /ends early: an array/);
});
