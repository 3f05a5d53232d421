/**
 * `ferry policy test` explains a refusal by the Allow statements whose Action
 * covers the tested action. A policy's Action is somebody's input: it is
 * matched by the policy engine's bounded wildcard matcher (issue 24), never
 * compiled into a backtracking RegExp.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowStatementResources } from '../../src/cli/ops/policies.js';

const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

test('Allow statements covering an action: * and ? wildcards, case-insensitive, NotAction; regex characters are literal', () => {
  const document = policy(
    { Effect: 'Allow', Action: 'iot:Pub*', Resource: 'topic/a' },
    { Effect: 'Allow', Action: ['iot:?ubscribe', 'IOT:RECEIVE'], Resource: ['topicfilter/b', 'topic/b'] },
    { Effect: 'Deny', Action: 'iot:*', Resource: 'topic/denied' },
    { Effect: 'Allow', NotAction: 'iot:Connect', Resource: 'topic/c' },
    { Effect: 'Allow', Action: 'iot:Pub.+', Resource: 'topic/regex' },
  );
  assert.deepEqual(allowStatementResources(document, 'iot:Publish'), ['topic/a', 'topic/c']);
  assert.deepEqual(allowStatementResources(document, 'iot:subscribe'), ['topicfilter/b', 'topic/b', 'topic/c']);
  assert.deepEqual(allowStatementResources(document, 'iot:Receive'), ['topicfilter/b', 'topic/b', 'topic/c']);
  assert.deepEqual(allowStatementResources(document, 'iot:Connect'), []);
  assert.deepEqual(allowStatementResources(document, 'iot:Pub.+'), ['topic/a', 'topic/c', 'topic/regex']);
  assert.deepEqual(allowStatementResources('not json', 'iot:Publish'), []);
});

test('the pattern of issue 24 (`*a` thirty times then b) against a long action answers, matching and refusing as a wildcard should', () => {
  // As a backtracking RegExp (`^.*a.*a…b$`) this subject takes minutes; the automaton is linear in it.
  const hostile = policy({ Effect: 'Allow', Action: `${'*a'.repeat(30)}b`, Resource: 'topic/x' });
  assert.deepEqual(allowStatementResources(hostile, `iot:${'a'.repeat(250)}`), []);
  assert.deepEqual(allowStatementResources(hostile, `iot:${'a'.repeat(250)}b`), ['topic/x']);
});
