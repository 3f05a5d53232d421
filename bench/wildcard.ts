/**
 * `node --import tsx bench/wildcard.ts`: the policy wildcard matcher on the
 * worst patterns within AWS's limits, beside the backtracking RegExp Ferry
 * used before issue 24 (bench/references/regexp-glob.ts), in one run. For
 * each pattern and subject: microseconds per match and the automaton's word
 * steps. The RegExp is run only where it finishes within `--regexp-budget-ms`
 * (default 5000): on all-`a` subjects it grows exponentially with the number of
 * `*a`, so past a handful, and on the largest patterns, it is not run.
 */
import { compileGlob, wildcardWork } from '../src/policy/wildcard.js';
import { regexpGlob } from './references/regexp-glob.js';

const TOPIC = 'arn:aws:iot:us-east-1:123456789012:topic/';
const budgetArg = process.argv.indexOf('--regexp-budget-ms');
const REGEXP_BUDGET_MS = budgetArg > 0 ? Number(process.argv[budgetArg + 1]) : 5000;

interface Row {
  pattern: string;
  subject: string;
  ferryUs: number;
  steps: number;
  regexpUs: number | 'skipped';
}

/** Mean microseconds per call, in batches long enough that reading the clock costs nothing (one call if it alone takes longer than `minMs`). */
function timePerCall(f: () => unknown, minMs = 200): number {
  let batch = 1;
  for (;;) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) f();
    const elapsedNs = Number(process.hrtime.bigint() - start);
    if (elapsedNs >= minMs * 1e6 || batch >= 1 << 24) return elapsedNs / 1e3 / batch;
    batch *= elapsedNs < 1e6 ? 16 : 2;
  }
}

function measure(label: string, subjectLabel: string, pattern: string, subject: string, regexpPredictedMs: number): Row {
  const tokens = [{ text: pattern, wild: true }];
  const ours = compileGlob(tokens, { arn: true });
  const theirs = regexpGlob(tokens, { arn: true });
  const before = wildcardWork.steps;
  const decided = ours(subject);
  const steps = wildcardWork.steps - before;
  const ferryUs = timePerCall(() => ours(subject));
  let regexpUs: number | 'skipped' = 'skipped';
  if (regexpPredictedMs <= REGEXP_BUDGET_MS) {
    regexpUs = timePerCall(() => theirs(subject), regexpPredictedMs < 10 ? 200 : 0);
    if (theirs(subject) !== decided) throw new Error(`the matchers disagree on ${label}`);
  }
  return { pattern: label, subject: subjectLabel, ferryUs, steps, regexpUs };
}

const rows: Row[] = [];
const aaa = `${TOPIC}${'a'.repeat(250)}`;
const ccc = (n: number) => `${TOPIC}${'c'.repeat(n - 2)}ab`;
// Each further `*a` multiplies the RegExp's time on 250 × "a" by about 40 (measured: 0.5 ms, 72 ms, 2.7 s, 146 s for 2–5).
let predicted = 0.01;
for (const k of [1, 2, 3, 4, 5, 10, 30]) {
  const pattern = `${TOPIC}${'*a'.repeat(k)}b`;
  rows.push(measure(`topic/ + "*a" × ${k} + "b"`, '250 × "a" (the RegExp\'s worst)', pattern, aaa, predicted));
  const last = rows[rows.length - 1]!;
  predicted = typeof last.regexpUs === 'number' ? (last.regexpUs / 1000) * 45 : Infinity;
  rows.push(measure(`topic/ + "*a" × ${k} + "b"`, '248 × "c" + "ab" (the automaton\'s worst)', pattern, ccc(250), 1));
}
// The worst within AWS's limits: as many wildcards as a subject of the maximum length can still match.
rows.push(measure('topic/ + "*a" × 127 + "b"', '256-byte topic, 254 × "c" + "ab"', `${TOPIC}${'*a'.repeat(127)}b`, ccc(256), Infinity));
rows.push(measure('topic/ + "*????" × 51 + "b"', '256-byte topic, 255 × "c" + ":"', `${TOPIC}${'*????'.repeat(51)}b`, `${TOPIC}${'c'.repeat(255)}:`, Infinity));
rows.push(measure('wildcards in every ARN part + "*a?" × 660 + "b"', '2,048-char resource, "c"… + "ab"', `arn:*?*:i*?*t:*?*-*?*:1*?*2:topic/${'*a?'.repeat(660)}b`, ccc(2048 - TOPIC.length), Infinity));
rows.push(measure('topic/ + "*a" × 1000 + "b"', '2,048-char resource, "c"… + "ab"', `${TOPIC}${'*a'.repeat(1000)}b`, ccc(2048 - TOPIC.length), Infinity));
// Everyday patterns, where the RegExp was quick.
rows.push(measure('the story policy: topic/$aws/things/miso/jobs/*', 'a Jobs topic', `${TOPIC}$aws/things/miso/jobs/*`, `${TOPIC}$aws/things/miso/jobs/start-next`, 0));
rows.push(measure('topic/a/*/c (one inner wildcard)', 'a/b/b/c', `${TOPIC}a/*/c`, `${TOPIC}a/b/b/c`, 0));
rows.push(measure('arn:aws:iot:*:123456789012:topic/x', 'a topic ARN', 'arn:aws:iot:*:123456789012:topic/x', 'arn:aws:iot:eu-west-1:123456789012:topic/x', 0));
rows.push(measure('topic/sensors/*/temp-??/*', 'sensors/kitchen/temp-01/now', `${TOPIC}sensors/*/temp-??/*`, `${TOPIC}sensors/kitchen/temp-01/now`, 0));

const fmt = (us: number | 'skipped') => (us === 'skipped' ? 'not run (backtracks)' : us < 1000 ? `${us.toFixed(2)} µs` : `${(us / 1000).toFixed(1)} ms`);
console.log(`| pattern | subject | Ferry (automaton) | word steps | RegExp before issue 24 |`);
console.log(`| --- | --- | --- | --- | --- |`);
for (const r of rows) console.log(`| ${r.pattern} | ${r.subject} | ${fmt(r.ferryUs)} | ${r.steps} | ${fmt(r.regexpUs)} |`);
console.log(`\nNode ${process.version}; RegExp budget ${REGEXP_BUDGET_MS} ms per call.`);
