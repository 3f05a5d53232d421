import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindVariables, compilePolicies, evaluate, explain, parsePolicyDocument, type PolicyVariables } from '../../src/policy/index.js';

// The device policy of DESIGN.md step 2, with R = us-east-1 and A = 123456789012.
const R = 'us-east-1';
const A = '123456789012';
const STORY_POLICY = `{ "Version": "2012-10-17", "Statement": [
  { "Effect": "Allow", "Action": "iot:AssumeRoleWithCertificate", "Resource": "arn:aws:iot:R:A:rolealias/miso-role-alias" },
  { "Effect": "Allow", "Action": "iot:Connect",   "Resource": "arn:aws:iot:R:A:client/miso*" },
  { "Effect": "Allow", "Action": "iot:Publish",   "Resource": "arn:aws:iot:R:A:topic/$aws/things/\${iot:Connection.Thing.ThingName}/jobs/*" },
  { "Effect": "Allow", "Action": "iot:Subscribe", "Resource": "arn:aws:iot:R:A:topicfilter/$aws/things/\${iot:Connection.Thing.ThingName}/jobs/*" },
  { "Effect": "Allow", "Action": "iot:Receive",   "Resource": "arn:aws:iot:R:A:topic/$aws/things/\${iot:Connection.Thing.ThingName}/jobs/*" } ] }`
  .replaceAll(':R:A:', `:${R}:${A}:`);

const ARN = `arn:aws:iot:${R}:${A}`;
const compiled = compilePolicies([parsePolicyDocument(STORY_POLICY, 'iot')]);

/**
 * What the broker binds: thing variables only when the client id is the name
 * of a thing attached to the certificate (aws-wire-protocols.md §7).
 */
function connection(clientId: string, thing = 'miso_things_1'): ReturnType<typeof bindVariables> {
  const vars: PolicyVariables = { 'iot:ClientId': clientId };
  if (clientId === thing) {
    vars['iot:Connection.Thing.ThingName'] = thing;
    vars['iot:Connection.Thing.IsAttached'] = 'true';
  }
  return bindVariables(compiled, vars);
}

const device = connection('miso_things_1');
const other = connection('other');

const cases: Array<[string, ReturnType<typeof bindVariables>, string, string, 'Allow' | 'ImplicitDeny']> = [
  ['connects with its own client id', device, 'iot:Connect', `${ARN}:client/miso_things_1`, 'Allow'],
  ['client id "other" may not connect', other, 'iot:Connect', `${ARN}:client/other`, 'ImplicitDeny'],
  ['publishes start-next', device, 'iot:Publish', `${ARN}:topic/$aws/things/miso_things_1/jobs/start-next`, 'Allow'],
  ['publishes a job update', device, 'iot:Publish', `${ARN}:topic/$aws/things/miso_things_1/jobs/job-1/update`, 'Allow'],
  ['publishes $next/get', device, 'iot:Publish', `${ARN}:topic/$aws/things/miso_things_1/jobs/$next/get`, 'Allow'],
  ['subscribes to notify-next', device, 'iot:Subscribe', `${ARN}:topicfilter/$aws/things/miso_things_1/jobs/notify-next`, 'Allow'],
  ['subscribes to get/+ (SDK v2 filter, literal +)', device, 'iot:Subscribe', `${ARN}:topicfilter/$aws/things/miso_things_1/jobs/get/+`, 'Allow'],
  ['subscribes to */update/accepted', device, 'iot:Subscribe', `${ARN}:topicfilter/$aws/things/miso_things_1/jobs/+/update/accepted`, 'Allow'],
  ['receives its notifications', device, 'iot:Receive', `${ARN}:topic/$aws/things/miso_things_1/jobs/notify-next`, 'Allow'],
  ['receives an accepted reply', device, 'iot:Receive', `${ARN}:topic/$aws/things/miso_things_1/jobs/job-1/update/accepted`, 'Allow'],
  ['may not publish to another thing', device, 'iot:Publish', `${ARN}:topic/$aws/things/miso_things_2/jobs/start-next`, 'ImplicitDeny'],
  ['may not subscribe to another thing', device, 'iot:Subscribe', `${ARN}:topicfilter/$aws/things/miso_things_2/jobs/notify-next`, 'ImplicitDeny'],
  ['may not receive another thing', device, 'iot:Receive', `${ARN}:topic/$aws/things/miso_things_2/jobs/notify-next`, 'ImplicitDeny'],
  ['may not use its shadow (not granted)', device, 'iot:Publish', `${ARN}:topic/$aws/things/miso_things_1/shadow/update`, 'ImplicitDeny'],
  ['may not subscribe to $aws/things/+/jobs/*', device, 'iot:Subscribe', `${ARN}:topicfilter/$aws/things/+/jobs/notify-next`, 'ImplicitDeny'],
  ['may not subscribe to #', device, 'iot:Subscribe', `${ARN}:topicfilter/#`, 'ImplicitDeny'],
  ['the jobs prefix alone is not under jobs/*', device, 'iot:Publish', `${ARN}:topic/$aws/things/miso_things_1/jobs`, 'ImplicitDeny'],
  ['a thing named like a prefix gets nothing more', device, 'iot:Publish', `${ARN}:topic/$aws/things/miso_things_10/jobs/start-next`, 'ImplicitDeny'],
  ['assumes the role through its alias', device, 'iot:AssumeRoleWithCertificate', `${ARN}:rolealias/miso-role-alias`, 'Allow'],
  ['may not assume another alias', device, 'iot:AssumeRoleWithCertificate', `${ARN}:rolealias/admin-alias`, 'ImplicitDeny'],
  ['another region is not granted', device, 'iot:Connect', `arn:aws:iot:eu-west-1:${A}:client/miso_things_1`, 'ImplicitDeny'],
  ['under client id "other" the thing topics are not granted', other, 'iot:Publish', `${ARN}:topic/$aws/things/miso_things_1/jobs/start-next`, 'ImplicitDeny'],
  ['unresolved ${…} text is not granted literally', other, 'iot:Publish', `${ARN}:topic/$aws/things/\${iot:Connection.Thing.ThingName}/jobs/x`, 'ImplicitDeny'],
  ['under client id "other" the alias still works (no variables)', other, 'iot:AssumeRoleWithCertificate', `${ARN}:rolealias/miso-role-alias`, 'Allow'],
];

for (const [name, bound, action, resource, expected] of cases) {
  test(`story policy: ${name}`, () => {
    assert.equal(evaluate(bound, { action, resource }).effect, expected);
  });
}

test('story policy: explain names the allowing statement', () => {
  const e = explain(device, { action: 'iot:Subscribe', resource: `${ARN}:topicfilter/$aws/things/miso_things_1/jobs/notify-next` });
  assert.equal(e.effect, 'Allow');
  assert.deepEqual(e.matched, { policyIndex: 0, statementIndex: 3 });
  assert.deepEqual(e.allowedBy, [{ policyIndex: 0, statementIndex: 3 }]);
  assert.deepEqual(e.deniedBy, []);
});

test('story policy: statements without variables are shared between connections', () => {
  assert.equal(device.allows[0], other.allows[0]);
  assert.notEqual(device.allows[2], other.allows[2]);
});

test('story policy: decisions are shared frozen objects', () => {
  const request = { action: 'iot:Connect', resource: `${ARN}:client/miso_things_1` };
  const a = evaluate(device, request);
  assert.equal(a, evaluate(device, request));
  assert.ok(Object.isFrozen(a));
  assert.equal(evaluate(other, { action: 'iot:Connect', resource: `${ARN}:client/other` }), evaluate(device, { action: 'iot:Publish', resource: 'x' }));
});
