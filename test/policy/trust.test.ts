import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bindVariables,
  compilePolicies,
  evaluate,
  evaluateTrust,
  explain,
  parsePolicyDocument,
  type ConditionContext,
  type Decision,
  type RequestPrincipal,
} from '../../src/policy/index.js';

const trust = (statements: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const assume = (principal: object, extra: object = {}): object => ({ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', ...extra });

const IOT_TRUST = trust([assume({ Service: 'iot.amazonaws.com' })]);
const ROLE = 'arn:aws:iam::123456789012:role/caller';

interface TrustCase {
  name: string;
  doc: string;
  principal: RequestPrincipal;
  action?: string;
  context?: ConditionContext;
  expect: Decision['effect'];
}

const cases: TrustCase[] = [
  { name: 'trusts iot.amazonaws.com', doc: IOT_TRUST, principal: { service: 'iot.amazonaws.com' }, expect: 'Allow' },
  { name: 'does not trust credentials.iot.amazonaws.com', doc: IOT_TRUST, principal: { service: 'credentials.iot.amazonaws.com' }, expect: 'ImplicitDeny' },
  { name: 'service names compare case-insensitively', doc: IOT_TRUST, principal: { service: 'IoT.AmazonAWS.com' }, expect: 'Allow' },
  { name: 'only for the named action', doc: IOT_TRUST, principal: { service: 'iot.amazonaws.com' }, action: 'sts:TagSession', expect: 'ImplicitDeny' },
  { name: 'action names are case-insensitive', doc: IOT_TRUST, principal: { service: 'iot.amazonaws.com' }, action: 'STS:assumerole', expect: 'Allow' },
  { name: 'a service list', doc: trust([assume({ Service: ['iot.amazonaws.com', 'credentials.iot.amazonaws.com'] })]), principal: { service: 'credentials.iot.amazonaws.com' }, expect: 'Allow' },
  { name: 'an AWS principal is not a service', doc: IOT_TRUST, principal: { aws: ROLE }, expect: 'ImplicitDeny' },
  { name: 'account root trusts principals of that account', doc: trust([assume({ AWS: 'arn:aws:iam::123456789012:root' })]), principal: { aws: ROLE }, expect: 'Allow' },
  { name: 'account id trusts principals of that account', doc: trust([assume({ AWS: '123456789012' })]), principal: { aws: ROLE }, expect: 'Allow' },
  { name: 'account root does not trust another account', doc: trust([assume({ AWS: 'arn:aws:iam::123456789012:root' })]), principal: { aws: 'arn:aws:iam::999999999999:role/caller' }, expect: 'ImplicitDeny' },
  { name: 'exact role ARN', doc: trust([assume({ AWS: ROLE })]), principal: { aws: ROLE }, expect: 'Allow' },
  { name: 'exact role ARN, other role', doc: trust([assume({ AWS: ROLE })]), principal: { aws: 'arn:aws:iam::123456789012:role/other' }, expect: 'ImplicitDeny' },
  { name: 'Principal "*" trusts anyone', doc: trust([assume('*' as unknown as object)]), principal: { service: 'anything.amazonaws.com' }, expect: 'Allow' },
  { name: 'AWS "*" trusts anyone', doc: trust([assume({ AWS: '*' })]), principal: { aws: ROLE }, expect: 'Allow' },
  { name: 'Federated principals never match', doc: trust([assume({ Federated: 'cognito-identity.amazonaws.com' })]), principal: { service: 'cognito-identity.amazonaws.com' }, expect: 'ImplicitDeny' },
  {
    name: 'a Deny statement wins',
    doc: trust([assume({ Service: 'iot.amazonaws.com' }), { Effect: 'Deny', Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:*' }]),
    principal: { service: 'iot.amazonaws.com' },
    expect: 'ExplicitDeny',
  },
  {
    name: 'NotPrincipal denies everyone else',
    doc: trust([assume('*' as unknown as object), { Effect: 'Deny', NotPrincipal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole' }]),
    principal: { service: 'ec2.amazonaws.com' },
    expect: 'ExplicitDeny',
  },
  {
    name: 'NotPrincipal spares the named principal',
    doc: trust([assume('*' as unknown as object), { Effect: 'Deny', NotPrincipal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole' }]),
    principal: { service: 'iot.amazonaws.com' },
    expect: 'Allow',
  },
  {
    name: 'a condition on the source account holds',
    doc: trust([assume({ Service: 'iot.amazonaws.com' }, { Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } })]),
    principal: { service: 'iot.amazonaws.com' },
    context: { 'aws:SourceAccount': '123456789012' },
    expect: 'Allow',
  },
  {
    name: 'a condition on the source account fails without context',
    doc: trust([assume({ Service: 'iot.amazonaws.com' }, { Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } })]),
    principal: { service: 'iot.amazonaws.com' },
    expect: 'ImplicitDeny',
  },
];

for (const c of cases) {
  test(`trust: ${c.name}`, () => {
    const doc = parsePolicyDocument(c.doc, 'iam', { kind: 'trust' });
    assert.equal(evaluateTrust(doc, c.principal, c.action ?? 'sts:AssumeRole', c.context).effect, c.expect);
  });
}

test('trust: statements without a Principal never grant trust', () => {
  const identity = parsePolicyDocument(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }), 'iam');
  assert.equal(evaluateTrust(identity, { service: 'iot.amazonaws.com' }, 'sts:AssumeRole').effect, 'ImplicitDeny');
});

test('resource policy: evaluate() checks Principal when the request names one', () => {
  const bucketPolicy = parsePolicyDocument(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'Jobs role reads', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }],
    }),
    'iam',
    { kind: 'resource' },
  );
  const bound = bindVariables(compilePolicies([bucketPolicy]), {});
  const request = { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' };
  assert.equal(evaluate(bound, { ...request, principal: { aws: ROLE } }).effect, 'Allow');
  assert.equal(evaluate(bound, { ...request, principal: { aws: 'arn:aws:iam::123456789012:role/x' } }).effect, 'ImplicitDeny');
  assert.equal(evaluate(bound, request).effect, 'ImplicitDeny');
  assert.equal(explain(bound, { ...request, principal: { aws: ROLE } }).matched?.sid, 'Jobs role reads');
});

test('explain lists every applying statement across documents', () => {
  const docs = [
    parsePolicyDocument(JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'All', Effect: 'Allow', Action: 'iot:*', Resource: '*' }] }), 'iot'),
    parsePolicyDocument(
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: '*' }, { Sid: 'NoSecrets', Effect: 'Deny', Action: 'iot:Publish', Resource: '*/secret' }] }),
      'iot',
    ),
  ];
  const bound = bindVariables(compilePolicies(docs), {});
  const e = explain(bound, { action: 'iot:Publish', resource: 'topic/secret' });
  assert.equal(e.effect, 'ExplicitDeny');
  assert.deepEqual(e.matched, { policyIndex: 1, statementIndex: 1, sid: 'NoSecrets' });
  assert.deepEqual(e.allowedBy, [{ policyIndex: 0, statementIndex: 0, sid: 'All' }, { policyIndex: 1, statementIndex: 0 }]);
  assert.deepEqual(e.deniedBy, [{ policyIndex: 1, statementIndex: 1, sid: 'NoSecrets' }]);
  assert.equal(explain(bound, { action: 'iot:Connect', resource: 'x' }).effect, 'Allow');
  assert.equal(explain(bindVariables(compilePolicies([]), {}), { action: 'iot:Connect', resource: 'x' }).effect, 'ImplicitDeny');
});
