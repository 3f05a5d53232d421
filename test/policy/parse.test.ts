import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFerryError, type ErrorKind } from '../../src/errors.js';
import { parsePolicyDocument, type ParseOptions, type PolicyDialect } from '../../src/policy/index.js';

const v = (statement: unknown): string => JSON.stringify({ Version: '2012-10-17', Statement: statement });
const ok = { Effect: 'Allow', Action: 'iot:Publish', Resource: '*' };
const okIam = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' };
const withCondition = (condition: unknown): string => v([{ ...ok, Condition: condition }]);
/** A valid document of exactly `n` non-blank characters (JSON.stringify adds no white space). */
function sized(n: number, dialect: PolicyDialect): string {
  const [st, prefix] = dialect === 'iot' ? [ok, ''] : [okIam, 'arn:aws:s3:::'];
  const base = v([{ ...st, Resource: prefix }]).length;
  return v([{ ...st, Resource: prefix + 'x'.repeat(n - base) }]);
}

interface Bad {
  text: string;
  fragment: string;
  dialect?: PolicyDialect;
  options?: ParseOptions;
  kind?: ErrorKind;
}

const malformed: Bad[] = [
  { text: 'not json', fragment: 'not valid JSON' },
  { text: '{"Version": "2012-10-17", "Statement": [', fragment: 'not valid JSON' },
  { text: '{\n  "Version": "2012-10-17"\n  "Statement": []\n}', fragment: "not valid JSON: line 3, column 3: expected ',' or '}' after a property value" },
  { text: '', fragment: 'Policy document is empty' },
  { text: '   \n\t ', fragment: 'Policy document is empty' },
  { text: '[]', fragment: 'must be a JSON object' },
  { text: '"policy"', fragment: 'must be a JSON object' },
  { text: 'null', fragment: 'must be a JSON object' },
  { text: JSON.stringify({ Version: '2012-10-17', Statement: [ok], Foo: 1 }), fragment: 'Unknown top-level key "Foo"' },
  { text: JSON.stringify({ version: '2012-10-17', Statement: [ok] }), fragment: 'Unknown top-level key "version"' },
  { text: JSON.stringify({ Version: '2020-01-01', Statement: [ok] }), fragment: 'Version must be "2012-10-17" or "2008-10-17"' },
  { text: JSON.stringify({ Version: 2012, Statement: [ok] }), fragment: 'Version must be' },
  { text: JSON.stringify({ Version: '2012-10-17', Id: 5, Statement: [ok] }), fragment: 'Id must be a string' },
  { text: JSON.stringify({ Version: '2012-10-17' }), fragment: 'must contain Statement' },
  { text: v([]), fragment: 'Statement must not be empty' },
  { text: v('Allow everything'), fragment: 'Statement must be an object' },
  { text: v([ok, 'x']), fragment: 'Statement[1] must be an object' },
  { text: v([{ ...ok, Effect: 'allow' }]), fragment: 'Statement[0].Effect must be "Allow" or "Deny"' },
  { text: v([ok, ok, { ...ok, Effect: 'Permit' }]), fragment: 'Statement[2].Effect must be "Allow" or "Deny"' },
  { text: v({ ...ok, Effect: true }), fragment: 'Statement.Effect must be "Allow" or "Deny"' },
  { text: v([{ Action: 'iot:Publish', Resource: '*' }]), fragment: 'Statement[0] must contain Effect' },
  { text: v([{ Effect: 'Allow', Resource: '*' }]), fragment: 'Statement[0] must contain Action or NotAction' },
  { text: v([{ ...ok, NotAction: 'iot:Connect' }]), fragment: 'must not contain both Action and NotAction' },
  { text: v([{ ...ok, Action: 5 }]), fragment: 'Statement[0].Action must be a string or an array of strings' },
  { text: v([{ ...ok, Action: [] }]), fragment: 'Statement[0].Action must not be empty' },
  { text: v([{ ...ok, Action: ['iot:Publish', 7] }]), fragment: 'Statement[0].Action must be a string or an array of strings' },
  { text: v([{ ...ok, Action: ['iot:Publish', ''] }]), fragment: 'Statement[0].Action[1] must not be empty' },
  { text: v([{ ...ok, Action: 'publish' }]), fragment: '"publish" is not a valid action' },
  { text: v([{ ...ok, Action: 'iot:Pub lish' }]), fragment: 'is not a valid action' },
  { text: v([{ Effect: 'Allow', Action: 'iot:Publish' }]), fragment: 'Statement[0] must contain Resource or NotResource' },
  { text: v([{ ...ok, NotResource: 'x' }]), fragment: 'must not contain both Resource and NotResource' },
  { text: v([{ ...ok, Resource: { arn: 'x' } }]), fragment: 'Statement[0].Resource must be a string or an array of strings' },
  { text: v([{ ...ok, Resource: '' }]), fragment: 'Statement[0].Resource must not be empty' },
  { text: v([{ Effect: 'Allow', Action: 'iot:Publish', NotResource: [] }]), fragment: 'Statement[0].NotResource must not be empty' },
  { text: v([{ ...ok, Foo: 'bar' }]), fragment: 'Statement[0] has unknown key "Foo"' },
  { text: v([{ ...ok, effect: 'Allow' }]), fragment: 'Statement[0] has unknown key "effect"' },
  { text: v([{ ...ok, Sid: 1 }]), fragment: 'Statement[0].Sid must be a string' },
  { text: withCondition('x'), fragment: 'Statement[0].Condition must be an object of condition operators' },
  { text: withCondition([]), fragment: 'Statement[0].Condition must be an object' },
  { text: withCondition({ StringEqualz: { 'aws:username': 'a' } }), fragment: 'unknown condition operator "StringEqualz"' },
  { text: withCondition({ 'ForSomeValues:StringEquals': { 'aws:username': 'a' } }), fragment: 'unknown condition operator "ForSomeValues:StringEquals"' },
  { text: withCondition({ StringEqualsIfExistsIfExists: { 'aws:username': 'a' } }), fragment: 'unknown condition operator' },
  { text: withCondition({ StringEquals: 'aws:username' }), fragment: 'Statement[0].Condition.StringEquals must be an object of condition keys' },
  { text: withCondition({ StringEquals: { 'aws:username': null } }), fragment: 'Condition.StringEquals["aws:username"] values must be strings, numbers or booleans' },
  { text: withCondition({ StringEquals: { 'aws:username': { a: 1 } } }), fragment: 'values must be strings, numbers or booleans' },
  { text: withCondition({ StringEquals: { 'aws:username': [] } }), fragment: 'StringEquals["aws:username"] must have at least one value' },
  { text: withCondition({ StringEquals: { username: 'a' } }), fragment: 'condition key must be prefixed with a service' },
  { text: withCondition({ NumericLessThan: { 'x:n': 'abc' } }), fragment: 'value "abc" is not a number' },
  { text: withCondition({ NumericLessThan: { 'x:n': '' } }), fragment: 'is not a number' },
  { text: withCondition({ DateLessThan: { 'aws:CurrentTime': 'yesterday' } }), fragment: 'value "yesterday" is not a date' },
  { text: withCondition({ Bool: { 'aws:SecureTransport': 'yes' } }), fragment: 'value "yes" is not "true" or "false"' },
  { text: withCondition({ Null: { 'aws:TokenIssueTime': 'maybe' } }), fragment: 'is not "true" or "false"' },
  { text: withCondition({ IpAddress: { 'aws:SourceIp': '300.1.1.1' } }), fragment: 'is not an IPv4 or IPv6 address or CIDR block' },
  { text: withCondition({ IpAddress: { 'aws:SourceIp': '10.0.0.0/33' } }), fragment: 'value "10.0.0.0/33" is not an IPv4 or IPv6' },
  { text: withCondition({ IpAddress: { 'aws:SourceIp': '2001:db8::/129' } }), fragment: 'is not an IPv4 or IPv6' },
  { text: withCondition({ NotIpAddress: { 'aws:SourceIp': '1:2:3:4:5:6:7:8:9' } }), fragment: 'is not an IPv4 or IPv6' },
  { text: withCondition({ IpAddress: { 'aws:SourceIp': '2001:db8::1::2' } }), fragment: 'is not an IPv4 or IPv6' },
  { text: withCondition({ NullIfExists: { 'aws:TokenIssueTime': 'true' } }), fragment: 'Null takes no IfExists or set qualifier' },
  { text: withCondition({ 'ForAnyValue:Null': { 'aws:TagKeys': 'true' } }), fragment: 'Null takes no IfExists or set qualifier' },
  { text: v([{ ...ok, Principal: '*' }]), fragment: 'Statement[0]: Principal is not supported in IoT policies' },
  { text: v([{ ...okIam, Principal: '*' }]), dialect: 'iam', fragment: 'Statement[0]: Principal is not allowed in an identity policy' },
  { text: v([{ Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole', Resource: '*' }]), dialect: 'iam', options: { kind: 'trust' }, fragment: 'Resource is not allowed in a trust policy' },
  { text: v([{ Effect: 'Allow', Action: 'sts:AssumeRole' }]), dialect: 'iam', options: { kind: 'trust' }, fragment: 'Statement[0] must contain Principal or NotPrincipal' },
  { text: v([{ Effect: 'Allow', Principal: '*', NotPrincipal: '*', Action: 'sts:AssumeRole' }]), dialect: 'iam', options: { kind: 'trust' }, fragment: 'must not contain both Principal and NotPrincipal' },
  { text: v([{ Effect: 'Allow', Principal: 'iot.amazonaws.com', Action: 'sts:AssumeRole' }]), dialect: 'iam', options: { kind: 'trust' }, fragment: 'Statement[0].Principal must be "*" or an object' },
  { text: v([{ Effect: 'Allow', Principal: { User: 'bob' }, Action: 'sts:AssumeRole' }]), dialect: 'iam', options: { kind: 'trust' }, fragment: 'unknown principal type "User"' },
  { text: v([{ Effect: 'Allow', Principal: { Service: [] }, Action: 'sts:AssumeRole' }]), dialect: 'iam', options: { kind: 'trust' }, fragment: 'Statement[0].Principal.Service must not be empty' },
  { text: v([{ Effect: 'Allow', Principal: { Service: 5 }, Action: 'sts:AssumeRole' }]), dialect: 'iam', options: { kind: 'trust' }, fragment: 'Principal.Service must be a non-empty string' },
  { text: v([{ Effect: 'Allow', Principal: {}, Action: 'sts:AssumeRole' }]), dialect: 'iam', options: { kind: 'trust' }, fragment: 'must name at least one principal' },
  { text: v([{ ...okIam, Resource: 'my-bucket' }]), dialect: 'iam', fragment: '"my-bucket" must be in ARN format or "*"' },
  { text: v([{ ...okIam, Sid: 'read objects' }]), dialect: 'iam', fragment: 'Statement[0].Sid must be alphanumeric' },
  { text: v([{ ...okIam, Sid: 'A' }, { ...okIam, Sid: 'A' }]), dialect: 'iam', fragment: 'Statement[1].Sid "A" repeats Statement[0].Sid; statement IDs must be unique' },
  { text: v([{ ...okIam, Resource: 'arn:aws:s3:::café-ü' }]).replace('é', '\u4e2d'), dialect: 'iam', fragment: 'character IAM does not accept (U+4E2D)' },
  { text: sized(2049, 'iot'), fragment: 'has 2049 characters (not counting white space); at most 2048' },
  { text: sized(6145, 'iam'), dialect: 'iam', kind: 'LimitExceeded', fragment: 'Cannot exceed quota for PolicySize: 6144' },
  {
    text: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'x'.repeat(2100) }, Action: 'sts:AssumeRole' }] }),
    dialect: 'iam',
    options: { kind: 'trust' },
    kind: 'LimitExceeded',
    fragment: 'Cannot exceed quota for ACLSizePerRole: 2048',
  },
  { text: sized(200, 'iot'), options: { maxChars: 100 }, fragment: 'at most 100 are allowed' },
];

for (const [i, c] of malformed.entries()) {
  test(`malformed #${i}: ${c.fragment}`, () => {
    assert.throws(
      () => parsePolicyDocument(c.text, c.dialect ?? 'iot', c.options),
      (e: unknown) => {
        assert.ok(isFerryError(e), `not a FerryError: ${String(e)}`);
        assert.equal(e.kind, c.kind ?? 'MalformedPolicy');
        assert.ok(e.message.includes(c.fragment), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(c.fragment)}`);
        return true;
      },
    );
  });
}

test('parse: a non-string document is malformed', () => {
  assert.throws(() => parsePolicyDocument(42 as unknown as string, 'iot'), /must be a string/);
});

test('parse: size limits count characters without white space', () => {
  assert.equal(sized(2048, 'iot').replace(/\s/g, '').length, 2048);
  parsePolicyDocument(sized(2048, 'iot'), 'iot');
  const padded = sized(2048, 'iot').replace('{', `{${' \n\t'.repeat(3000)}`);
  parsePolicyDocument(padded, 'iot');
  parsePolicyDocument(sized(6144, 'iam'), 'iam');
  parsePolicyDocument(sized(8000, 'iam'), 'iam', { maxChars: 10240 });
});

test('parse: normalises a single statement, single strings and JSON scalars', () => {
  const doc = parsePolicyDocument(
    JSON.stringify({
      Version: '2012-10-17',
      Id: 'p1',
      Statement: { Sid: 's1', Effect: 'Allow', Action: 'iot:Publish', Resource: 'topic/a', Condition: { numericlessthan: { 'x:n': 5 }, Bool: { 'aws:SecureTransport': true } } },
    }),
    'iot',
  );
  assert.deepEqual(doc, {
    dialect: 'iot',
    kind: 'identity',
    version: '2012-10-17',
    id: 'p1',
    statements: [
      {
        sid: 's1',
        effect: 'Allow',
        action: ['iot:Publish'],
        resource: ['topic/a'],
        conditions: [
          { operator: 'NumericLessThan', base: 'NumericLessThan', ifExists: false, key: 'x:n', values: ['5'] },
          { operator: 'Bool', base: 'Bool', ifExists: false, key: 'aws:SecureTransport', values: ['true'] },
        ],
      },
    ],
  });
});

test('parse: qualifiers and IfExists are canonicalised', () => {
  const doc = parsePolicyDocument(withCondition({ 'forallvalues:stringlikeifexists': { 'aws:TagKeys': ['a', 'b'] } }), 'iot');
  assert.deepEqual(doc.statements[0]?.conditions, [
    { operator: 'ForAllValues:StringLikeIfExists', base: 'StringLike', set: 'ForAllValues', ifExists: true, key: 'aws:TagKeys', values: ['a', 'b'] },
  ]);
});

test('parse: Version defaults to 2008-10-17, NotAction/NotResource and principals are kept', () => {
  const doc = parsePolicyDocument(JSON.stringify({ Statement: [{ Effect: 'Deny', NotAction: ['iot:Connect'], NotResource: 'x' }] }), 'iot');
  assert.equal(doc.version, '2008-10-17');
  assert.deepEqual(doc.statements[0], { effect: 'Deny', notAction: ['iot:Connect'], notResource: ['x'], conditions: [] });
  const t = parsePolicyDocument(
    v([{ Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com', AWS: ['123456789012'] }, Action: 'sts:AssumeRole' }]),
    'iam',
    { kind: 'trust' },
  );
  assert.equal(t.kind, 'trust');
  assert.deepEqual(t.statements[0]?.principal, { service: ['iot.amazonaws.com'], aws: ['123456789012'] });
  const r = parsePolicyDocument(v([{ Sid: 'Public read', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }]), 'iam', { kind: 'resource' });
  assert.equal(r.statements[0]?.principal, '*');
});

test('parse: IoT documents accept non-ARN resources and any Sid', () => {
  parsePolicyDocument(v([{ ...ok, Sid: 'any sid, with spaces', Resource: 'topic/whatever' }, { ...ok, Sid: 'any sid, with spaces' }]), 'iot');
});

test('parse: IAM accepts Latin-1 characters', () => {
  parsePolicyDocument(v([{ ...okIam, Resource: 'arn:aws:s3:::b/café' }]), 'iam');
});
