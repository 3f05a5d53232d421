import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matches, parseQuery } from '../../src/fleet/query/index.js';
import type { ThingDocument } from '../../src/fleet/document.js';
import { wildcardWork } from '../../src/policy/wildcard.js';

const thing = (thingName: string, attributes: Record<string, string> = {}): ThingDocument => ({
  thingName,
  thingId: 'id-1',
  thingGroupNames: [],
  attributes,
  connectivity: { connected: false },
});

const stepsOf = (run: () => void): number => {
  const before = wildcardWork.steps;
  run();
  return wildcardWork.steps - before;
};

// Issue 24's audit: fleet queries come from the caller (SearchIndex, dynamic groups) and were compiled into a
// backtracking RegExp, where `*a` repeated takes time exponential in the repeats on a subject of `a`s.
test('a query of many wildcards is matched in steps bounded by its length times the value length', () => {
  const hostile = parseQuery(`thingName:${'*a'.repeat(30)}b`);
  const name = 'a'.repeat(128);
  const steps = stepsOf(() => assert.equal(matches(hostile, thing(name)), false));
  // 128 characters × ⌈62 states / 32⌉ words, plus the fixed ends: far below anything that could hold the event loop.
  assert.ok(steps > 0 && steps <= 128 * 2 + 64, `took ${steps} steps`);
  assert.equal(matches(hostile, thing(`${name}b`)), true);
});

test('query terms keep their meaning: case-insensitive, `*` and `?`, escapes and quotes literal', () => {
  const doc = thing('Lobby-Sensor-7', { fw: 'v1.2*' });
  const yes = ['thingName:lobby*', 'thingName:LOBBY-SENSOR-?', 'thingName:*sensor*', 'attributes.fw:v1.2\\*', 'attributes.fw:"v1.2*"'];
  const no = ['thingName:lobby', 'thingName:lobby-sensor-??', 'attributes.fw:v1.2\\*x', 'attributes.fw:"v1.*"', 'thingName:"lobby*"'];
  for (const q of yes) assert.equal(matches(parseQuery(q), doc), true, q);
  for (const q of no) assert.equal(matches(parseQuery(q), doc), false, q);
});
