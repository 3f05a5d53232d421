import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IOT, allow, decide, deny, doc, when, type Case } from './helpers.js';

const T = (t: string): string => `${IOT}:topic/${t}`;
const F = (t: string): string => `${IOT}:topicfilter/${t}`;
const S3 = 'arn:aws:s3:::firmware-bucket';

const basics: Case[] = [
  { name: 'exact action and resource allow', docs: [doc(allow('iot:Publish', T('a')))], resource: T('a'), expect: 'Allow', matched: [0, 0] },
  { name: 'other action is implicitly denied', docs: [doc(allow('iot:Publish', T('a')))], action: 'iot:Subscribe', resource: T('a'), expect: 'ImplicitDeny' },
  { name: 'other resource is implicitly denied', docs: [doc(allow('iot:Publish', T('a')))], resource: T('b'), expect: 'ImplicitDeny' },
  { name: 'no policies: implicit deny', docs: [], expect: 'ImplicitDeny' },
  { name: 'deny beats allow in one document', docs: [doc(allow('iot:*', '*'), deny('iot:Publish', T('a')))], resource: T('a'), expect: 'ExplicitDeny', matched: [0, 1] },
  { name: 'deny in a second document beats allow in the first', docs: [doc(allow('iot:Publish', T('a'))), doc(deny('iot:Publish', T('*')))], resource: T('a'), expect: 'ExplicitDeny', matched: [1, 0] },
  { name: 'deny on another resource leaves the allow', docs: [doc(allow('iot:Publish', T('*'))), doc(deny('iot:Publish', T('secret')))], resource: T('a'), expect: 'Allow', matched: [0, 0] },
  { name: 'allow found in the second document', docs: [doc(allow('iot:Connect', '*')), doc(allow('iot:Publish', T('a')))], resource: T('a'), expect: 'Allow', matched: [1, 0] },
  { name: 'first matching allow is reported', docs: [doc(allow('iot:Connect', '*'), allow('iot:Publish', '*'), allow('iot:*', '*'))], expect: 'Allow', matched: [0, 1] },
  { name: 'deny with a condition that fails does not deny', docs: [doc(allow('iot:*', '*'), deny('iot:*', '*', { Condition: { StringEquals: { 'iot:ClientId': 'bad' } } }))], vars: { 'iot:ClientId': 'good' }, expect: 'Allow' },
];

const actions: Case[] = [
  { name: 'iot:* matches iot:Publish', docs: [doc(allow('iot:*', '*'))], expect: 'Allow' },
  { name: '* matches any action', docs: [doc(allow('*', '*'))], action: 's3:GetObject', expect: 'Allow' },
  { name: 'iot:Pub* matches iot:Publish', docs: [doc(allow('iot:Pub*', '*'))], expect: 'Allow' },
  { name: 'iot:Pub* does not match iot:Subscribe', docs: [doc(allow('iot:Pub*', '*'))], action: 'iot:Subscribe', expect: 'ImplicitDeny' },
  { name: '? matches one character in an action', docs: [doc(allow('iot:?onnect', '*'))], action: 'iot:Connect', expect: 'Allow' },
  { name: '? does not match two characters', docs: [doc(allow('iot:?onnect', '*'))], action: 'iot:Disconnect', expect: 'ImplicitDeny' },
  { name: 'policy action upper case, request lower case', docs: [doc(allow('IOT:PUBLISH', '*'))], action: 'iot:publish', expect: 'Allow' },
  { name: 'policy action lower case, request mixed case', docs: [doc(allow('iot:publish', '*'))], action: 'IoT:Publish', expect: 'Allow' },
  { name: 's3:*Object matches s3:GetObject', docs: [doc(allow('s3:*Object', `${S3}/*`))], dialect: 'iam', action: 's3:GetObject', resource: `${S3}/f`, expect: 'Allow' },
  { name: 's3:*Object does not match s3:ListBucket', docs: [doc(allow('s3:*Object', '*'))], dialect: 'iam', action: 's3:ListBucket', resource: S3, expect: 'ImplicitDeny' },
  { name: 'second entry of an action list matches', docs: [doc(allow(['iot:Connect', 'iot:Receive'], '*'))], action: 'iot:Receive', expect: 'Allow' },
  { name: 'action prefix is not a match', docs: [doc(allow('iot:Publish', '*'))], action: 'iot:PublishX', expect: 'ImplicitDeny' },
];

const resources: Case[] = [
  { name: 'resources are case-sensitive', docs: [doc(allow('iot:Publish', T('Foo')))], resource: T('foo'), expect: 'ImplicitDeny' },
  { name: 'resource * matches anything', docs: [doc(allow('iot:Publish', '*'))], resource: 'anything at all', expect: 'Allow' },
  { name: '* crosses topic levels', docs: [doc(allow('iot:Publish', T('a/*')))], resource: T('a/b/c/d'), expect: 'Allow' },
  { name: 'a/* does not match a', docs: [doc(allow('iot:Publish', T('a/*')))], resource: T('a'), expect: 'ImplicitDeny' },
  { name: '? matches one topic character', docs: [doc(allow('iot:Publish', T('a/?')))], resource: T('a/b'), expect: 'Allow' },
  { name: '? does not match two characters', docs: [doc(allow('iot:Publish', T('a/?')))], resource: T('a/bc'), expect: 'ImplicitDeny' },
  { name: '? matches a slash', docs: [doc(allow('iot:Publish', T('a?b')))], resource: T('a/b'), expect: 'Allow' },
  { name: '+ in a policy is literal: matches the + filter', docs: [doc(allow('iot:Subscribe', F('a/+/c')))], action: 'iot:Subscribe', resource: F('a/+/c'), expect: 'Allow' },
  { name: '+ in a policy is literal: does not match a level', docs: [doc(allow('iot:Subscribe', F('a/+/c')))], action: 'iot:Subscribe', resource: F('a/b/c'), expect: 'ImplicitDeny' },
  { name: '# in a policy is literal: matches the # filter', docs: [doc(allow('iot:Subscribe', F('a/#')))], action: 'iot:Subscribe', resource: F('a/#'), expect: 'Allow' },
  { name: '# in a policy is literal: does not match sub-levels', docs: [doc(allow('iot:Subscribe', F('a/#')))], action: 'iot:Subscribe', resource: F('a/b'), expect: 'ImplicitDeny' },
  { name: '* matches a literal # filter', docs: [doc(allow('iot:Subscribe', F('a/*')))], action: 'iot:Subscribe', resource: F('a/#'), expect: 'Allow' },
  { name: 'deny on topicfilter/a/restricted/* does not stop a/# (§7)', docs: [doc(allow('iot:Subscribe', F('*')), deny('iot:Subscribe', F('a/restricted/*')))], action: 'iot:Subscribe', resource: F('a/#'), expect: 'Allow' },
  { name: 'deny on topicfilter/a/restricted/* stops a/restricted/x', docs: [doc(allow('iot:Subscribe', F('*')), deny('iot:Subscribe', F('a/restricted/*')))], action: 'iot:Subscribe', resource: F('a/restricted/x'), expect: 'ExplicitDeny' },
  { name: 'topic and topicfilter are different resources', docs: [doc(allow('iot:Subscribe', T('a')))], action: 'iot:Subscribe', resource: F('a'), expect: 'ImplicitDeny' },
  { name: '* in the region part matches a region', docs: [doc(allow('iot:Publish', 'arn:aws:iot:*:123456789012:topic/x'))], resource: 'arn:aws:iot:eu-west-1:123456789012:topic/x', expect: 'Allow' },
  { name: '* in an ARN part does not span a colon', docs: [doc(allow('iot:Publish', 'arn:aws:iot:*:123456789012:topic/x'))], resource: 'arn:aws:iot:eu:west:123456789012:topic/x', expect: 'ImplicitDeny' },
  { name: 'the resource part may contain colons', docs: [doc(allow('iot:Publish', T('*')))], resource: T('a:b:c'), expect: 'Allow' },
  { name: '? in the region part', docs: [doc(allow('iot:Publish', 'arn:aws:iot:us-east-?:123456789012:topic/x'))], resource: T('x'), expect: 'Allow' },
  { name: 'second entry of a resource list matches', docs: [doc(allow('iot:Publish', [T('a'), T('b')]))], resource: T('b'), expect: 'Allow' },
  { name: 'S3 bucket/* matches an object', docs: [doc(allow('s3:GetObject', `${S3}/*`))], dialect: 'iam', action: 's3:GetObject', resource: `${S3}/firmware/miso-1.0.0.bin`, expect: 'Allow' },
  { name: 'S3 bucket/* does not match the bucket', docs: [doc(allow('s3:ListBucket', `${S3}/*`))], dialect: 'iam', action: 's3:ListBucket', resource: S3, expect: 'ImplicitDeny' },
  { name: 'a dot is not a regex wildcard', docs: [doc(allow('iot:Publish', T('a.b')))], resource: T('aXb'), expect: 'ImplicitDeny' },
  { name: '$ and parentheses are literal', docs: [doc(allow('iot:Publish', T('$aws/(x)/[y]/*')))], resource: T('$aws/(x)/[y]/z'), expect: 'Allow' },
  { name: 'a wildcard in the middle', docs: [doc(allow('iot:Publish', T('a/*/c')))], resource: T('a/b/b/c'), expect: 'Allow' },
  { name: 'a wildcard in the middle needs the suffix', docs: [doc(allow('iot:Publish', T('a/*/c')))], resource: T('a/b/d'), expect: 'ImplicitDeny' },
];

const negations: Case[] = [
  { name: 'NotAction allows other actions', docs: [doc({ Effect: 'Allow', NotAction: 'iot:Publish', Resource: '*' })], action: 'iot:Subscribe', expect: 'Allow' },
  { name: 'NotAction does not allow the listed action', docs: [doc({ Effect: 'Allow', NotAction: 'iot:Publish', Resource: '*' })], expect: 'ImplicitDeny' },
  { name: 'NotAction with a wildcard excludes matching actions', docs: [doc({ Effect: 'Allow', NotAction: 'iot:Re*', Resource: '*' })], action: 'iot:Receive', expect: 'ImplicitDeny' },
  { name: 'NotAction with a wildcard keeps other actions', docs: [doc({ Effect: 'Allow', NotAction: 'iot:Re*', Resource: '*' })], action: 'iot:Connect', expect: 'Allow' },
  { name: 'Deny NotResource denies outside the safe set', docs: [doc(allow('iot:*', '*'), { Effect: 'Deny', Action: 'iot:Publish', NotResource: T('safe/*') })], resource: T('other'), expect: 'ExplicitDeny', matched: [0, 1] },
  { name: 'Deny NotResource leaves the safe set', docs: [doc(allow('iot:*', '*'), { Effect: 'Deny', Action: 'iot:Publish', NotResource: T('safe/*') })], resource: T('safe/x'), expect: 'Allow' },
  { name: 'Allow NotResource allows other resources', docs: [doc({ Effect: 'Allow', Action: 'iot:Publish', NotResource: [T('a'), T('b')] })], resource: T('c'), expect: 'Allow' },
  { name: 'Allow NotResource does not allow a listed resource', docs: [doc({ Effect: 'Allow', Action: 'iot:Publish', NotResource: [T('a'), T('b')] })], resource: T('b'), expect: 'ImplicitDeny' },
];

const CERT_FIELDS = [
  'iot:Certificate.Subject.CommonName',
  'iot:Certificate.Subject.Organization',
  'iot:Certificate.Subject.OrganizationalUnit',
  'iot:Certificate.Subject.Country',
  'iot:Certificate.Subject.SerialNumber',
  'iot:Certificate.Subject.Organization.1',
  'iot:Certificate.Issuer.CommonName',
  'iot:Certificate.Issuer.Organization',
  'iot:Certificate.Subject.AlternativeName.DNSName',
  'iot:Certificate.Subject.AlternativeName.RFC822Name',
  'iot:Certificate.SerialNumber',
  'iot:Certificate.AvailableKeys',
];
const IOT_VARS = [
  'iot:ClientId',
  'iot:Connection.Thing.ThingName',
  'iot:Connection.Thing.ThingTypeName',
  'iot:Connection.Thing.Attributes[color]',
  'iot:Thing.ThingName',
  ...CERT_FIELDS,
];

const variableCases: Case[] = IOT_VARS.flatMap((name): Case[] => [
  { name: `\${${name}} resolved`, docs: [doc(allow('iot:Publish', T(`v/\${${name}}/x`)))], vars: { [name]: 'val-1' }, resource: T('v/val-1/x'), expect: 'Allow' },
  { name: `\${${name}} with another value`, docs: [doc(allow('iot:Publish', T(`v/\${${name}}/x`)))], vars: { [name]: 'val-2' }, resource: T('v/val-1/x'), expect: 'ImplicitDeny' },
  { name: `\${${name}} unresolved`, docs: [doc(allow('iot:Publish', T(`v/\${${name}}/x`)))], vars: {}, resource: T('v/val-1/x'), expect: 'ImplicitDeny' },
]);

const iamVariableCases: Case[] = ['aws:username', 'aws:userid', 'aws:PrincipalTag/team', 'credentials-iot:ThingName', 'credentials-iot:ThingTypeName', 'credentials-iot:AwsCertificateId'].flatMap(
  (name): Case[] => [
    { name: `IAM \${${name}} resolved`, docs: [doc(allow('s3:GetObject', `${S3}/home/\${${name}}/*`))], dialect: 'iam', vars: { [name]: 'u1' }, action: 's3:GetObject', resource: `${S3}/home/u1/f`, expect: 'Allow' },
    { name: `IAM \${${name}} unresolved`, docs: [doc(allow('s3:GetObject', `${S3}/home/\${${name}}/*`))], dialect: 'iam', action: 's3:GetObject', resource: `${S3}/home/u1/f`, expect: 'ImplicitDeny' },
  ],
);

const variableRules: Case[] = [
  { name: 'IsAttached as a Bool condition key, true', docs: [when({ Bool: { 'iot:Connection.Thing.IsAttached': 'true' } })], vars: { 'iot:Connection.Thing.IsAttached': 'true' }, expect: 'Allow' },
  { name: 'IsAttached as a Bool condition key, false', docs: [when({ Bool: { 'iot:Connection.Thing.IsAttached': 'true' } })], vars: { 'iot:Connection.Thing.IsAttached': 'false' }, expect: 'ImplicitDeny' },
  { name: 'IsAttached missing', docs: [when({ Bool: { 'iot:Connection.Thing.IsAttached': 'true' } })], expect: 'ImplicitDeny' },
  { name: 'variable names are case-insensitive', docs: [doc(allow('iot:Publish', T('${iot:clientid}')))], vars: { 'iot:ClientId': 'c1' }, resource: T('c1'), expect: 'Allow' },
  { name: 'attribute names keep their case', docs: [doc(allow('iot:Publish', T('${iot:Connection.Thing.Attributes[Color]}')))], vars: { 'iot:Connection.Thing.Attributes[color]': 'red' }, resource: T('red'), expect: 'ImplicitDeny' },
  { name: 'two variables in one resource', docs: [doc(allow('iot:Publish', T('${iot:Connection.Thing.ThingTypeName}/${iot:ClientId}')))], vars: { 'iot:ClientId': 'c1', 'iot:Connection.Thing.ThingTypeName': 'sensor' }, resource: T('sensor/c1'), expect: 'Allow' },
  { name: 'two variables, one unresolved', docs: [doc(allow('iot:Publish', T('${iot:Connection.Thing.ThingTypeName}/${iot:ClientId}')))], vars: { 'iot:ClientId': 'c1' }, resource: T('/c1'), expect: 'ImplicitDeny' },
  { name: 'an unresolved entry does not spoil the other entries', docs: [doc(allow('iot:Publish', [T('${iot:ClientId}'), T('public')]))], resource: T('public'), expect: 'Allow' },
  { name: 'an unresolved variable text never matches literally', docs: [doc(allow('iot:Publish', T('${iot:ClientId}')))], resource: T('${iot:ClientId}'), expect: 'ImplicitDeny' },
  { name: 'unresolved variable in a Deny resource: the deny does not apply', docs: [doc(allow('iot:Publish', '*'), deny('iot:Publish', T('${iot:ClientId}')))], resource: T('x'), expect: 'Allow' },
  { name: 'certificate value with + is not substituted (§7)', docs: [doc(allow('iot:Publish', T('${iot:Certificate.Subject.CommonName}')))], vars: { 'iot:Certificate.Subject.CommonName': 'a+b' }, resource: T('a+b'), expect: 'ImplicitDeny' },
  { name: 'certificate value with # is not substituted', docs: [doc(allow('iot:Publish', T('${iot:Certificate.Subject.CommonName}')))], vars: { 'iot:Certificate.Subject.CommonName': 'a#' }, resource: T('a#'), expect: 'ImplicitDeny' },
  { name: 'certificate value over 1024 characters is not substituted', docs: [doc(allow('iot:Publish', T('${iot:Certificate.Subject.CommonName}')))], vars: { 'iot:Certificate.Subject.CommonName': 'x'.repeat(1025) }, resource: T('x'.repeat(1025)), expect: 'ImplicitDeny' },
  { name: 'certificate value of 1024 characters is substituted', docs: [doc(allow('iot:Publish', T('${iot:Certificate.Subject.CommonName}')))], vars: { 'iot:Certificate.Subject.CommonName': 'x'.repeat(1024) }, resource: T('x'.repeat(1024)), expect: 'Allow' },
  { name: 'a client id of + is substituted and matches my/+/topic (§7)', docs: [doc(allow('iot:Subscribe', F('my/${iot:ClientId}/topic')))], vars: { 'iot:ClientId': '+' }, action: 'iot:Subscribe', resource: F('my/+/topic'), expect: 'Allow' },
  { name: 'a substituted * is literal, not a wildcard', docs: [doc(allow('iot:Publish', T('${iot:ClientId}')))], vars: { 'iot:ClientId': '*' }, resource: T('anything'), expect: 'ImplicitDeny' },
  { name: 'a substituted * matches itself', docs: [doc(allow('iot:Publish', T('${iot:ClientId}')))], vars: { 'iot:ClientId': '*' }, resource: T('*'), expect: 'Allow' },
  { name: 'Version 2008-10-17 keeps ${…} as text', docs: [{ Version: '2008-10-17', Statement: [allow('iot:Publish', T('${iot:ClientId}'))] }], vars: { 'iot:ClientId': 'c1' }, resource: T('c1'), expect: 'ImplicitDeny' },
  { name: 'Version 2008-10-17 matches the text literally', docs: [{ Version: '2008-10-17', Statement: [allow('iot:Publish', T('${iot:ClientId}'))] }], vars: { 'iot:ClientId': 'c1' }, resource: T('${iot:ClientId}'), expect: 'Allow' },
  { name: 'default value used when unresolved', docs: [doc(allow('s3:GetObject', `${S3}/\${aws:username, 'anonymous'}/*`))], dialect: 'iam', action: 's3:GetObject', resource: `${S3}/anonymous/f`, expect: 'Allow' },
  { name: 'default value ignored when resolved', docs: [doc(allow('s3:GetObject', `${S3}/\${aws:username, 'anonymous'}/*`))], dialect: 'iam', vars: { 'aws:username': 'bob' }, action: 's3:GetObject', resource: `${S3}/anonymous/f`, expect: 'ImplicitDeny' },
];

const escapes: Case[] = [
  { name: '${*} is a literal star', docs: [doc(allow('iot:Publish', T('a${*}')))], resource: T('a*'), expect: 'Allow' },
  { name: '${*} is not a wildcard', docs: [doc(allow('iot:Publish', T('a${*}')))], resource: T('ab'), expect: 'ImplicitDeny' },
  { name: '${?} is a literal question mark', docs: [doc(allow('iot:Publish', T('a${?}')))], resource: T('a?'), expect: 'Allow' },
  { name: '${?} is not a wildcard', docs: [doc(allow('iot:Publish', T('a${?}')))], resource: T('ab'), expect: 'ImplicitDeny' },
  { name: '${$} is a literal dollar', docs: [doc(allow('iot:Publish', T('${$}{iot:ClientId}')))], vars: { 'iot:ClientId': 'c1' }, resource: T('${iot:ClientId}'), expect: 'Allow' },
  { name: 'escape in a StringLike value', docs: [when({ StringLike: { 'iot:ClientId': 'dev${*}*' } })], vars: { 'iot:ClientId': 'dev*42' }, expect: 'Allow' },
  { name: 'escape in a StringLike value, no literal star', docs: [when({ StringLike: { 'iot:ClientId': 'dev${*}*' } })], vars: { 'iot:ClientId': 'dev42' }, expect: 'ImplicitDeny' },
];

const strings: Case[] = [
  { name: 'StringEquals match', docs: [when({ StringEquals: { 'aws:username': 'alice' } })], context: { 'aws:username': 'alice' }, expect: 'Allow' },
  { name: 'StringEquals mismatch', docs: [when({ StringEquals: { 'aws:username': 'alice' } })], context: { 'aws:username': 'bob' }, expect: 'ImplicitDeny' },
  { name: 'StringEquals missing key is false', docs: [when({ StringEquals: { 'aws:username': 'alice' } })], expect: 'ImplicitDeny' },
  { name: 'StringEquals is case-sensitive', docs: [when({ StringEquals: { 'aws:username': 'ALICE' } })], context: { 'aws:username': 'alice' }, expect: 'ImplicitDeny' },
  { name: 'StringEquals does not expand *', docs: [when({ StringEquals: { 'aws:username': 'a*' } })], context: { 'aws:username': 'alice' }, expect: 'ImplicitDeny' },
  { name: 'StringEquals, any of several values', docs: [when({ StringEquals: { 'aws:username': ['bob', 'alice'] } })], context: { 'aws:username': 'alice' }, expect: 'Allow' },
  { name: 'StringNotEquals differing value', docs: [when({ StringNotEquals: { 'aws:username': 'alice' } })], context: { 'aws:username': 'bob' }, expect: 'Allow' },
  { name: 'StringNotEquals same value', docs: [when({ StringNotEquals: { 'aws:username': 'alice' } })], context: { 'aws:username': 'alice' }, expect: 'ImplicitDeny' },
  { name: 'StringNotEquals missing key is true', docs: [when({ StringNotEquals: { 'aws:username': 'alice' } })], expect: 'Allow' },
  { name: 'StringNotEquals NORs several values', docs: [when({ StringNotEquals: { 'aws:username': ['alice', 'bob'] } })], context: { 'aws:username': 'bob' }, expect: 'ImplicitDeny' },
  { name: 'StringEqualsIgnoreCase', docs: [when({ StringEqualsIgnoreCase: { 'aws:username': 'ALICE' } })], context: { 'aws:username': 'alice' }, expect: 'Allow' },
  { name: 'StringNotEqualsIgnoreCase same value other case', docs: [when({ StringNotEqualsIgnoreCase: { 'aws:username': 'ALICE' } })], context: { 'aws:username': 'Alice' }, expect: 'ImplicitDeny' },
  { name: 'StringNotEqualsIgnoreCase other value', docs: [when({ StringNotEqualsIgnoreCase: { 'aws:username': 'ALICE' } })], context: { 'aws:username': 'bob' }, expect: 'Allow' },
  { name: 'StringLike with *', docs: [when({ StringLike: { 's3:prefix': 'home/*' } })], context: { 's3:prefix': 'home/x/y' }, expect: 'Allow' },
  { name: 'StringLike mismatch', docs: [when({ StringLike: { 's3:prefix': 'home/*' } })], context: { 's3:prefix': 'other/' }, expect: 'ImplicitDeny' },
  { name: 'StringLike with ?', docs: [when({ StringLike: { 's3:prefix': 'v?' } })], context: { 's3:prefix': 'v1' }, expect: 'Allow' },
  { name: 'StringNotLike mismatch is true', docs: [when({ StringNotLike: { 's3:prefix': 'home/*' } })], context: { 's3:prefix': 'other/' }, expect: 'Allow' },
  { name: 'StringNotLike match is false', docs: [when({ StringNotLike: { 's3:prefix': 'home/*' } })], context: { 's3:prefix': 'home/a' }, expect: 'ImplicitDeny' },
  { name: 'StringNotLike missing key is true', docs: [when({ StringNotLike: { 's3:prefix': 'home/*' } })], expect: 'Allow' },
  { name: 'condition key names are case-insensitive', docs: [when({ StringEquals: { 'AWS:UserName': 'alice' } })], context: { 'aws:username': 'alice' }, expect: 'Allow' },
  { name: 'condition key from bound variables (iot:ClientId)', docs: [when({ StringEquals: { 'iot:ClientId': 'c1' } })], vars: { 'iot:ClientId': 'c1' }, expect: 'Allow' },
  { name: 'request context wins over bound variables', docs: [when({ StringEquals: { 'iot:ClientId': 'c1' } })], vars: { 'iot:ClientId': 'c1' }, context: { 'iot:ClientId': 'c2' }, expect: 'ImplicitDeny' },
  { name: 'number context value compared as text', docs: [when({ StringEquals: { 'x:n': '42' } })], context: { 'x:n': 42 }, expect: 'Allow' },
  { name: 'unqualified operator on a list: any value', docs: [when({ StringEquals: { 'aws:TagKeys': 'a' } })], context: { 'aws:TagKeys': ['x', 'a'] }, expect: 'Allow' },
  { name: 'variable in a condition value, resolved', docs: [when({ StringEquals: { 's3:prefix': 'home/${aws:username}/' } })], vars: { 'aws:username': 'bob' }, context: { 's3:prefix': 'home/bob/' }, expect: 'Allow' },
  { name: 'variable in a condition value, other principal', docs: [when({ StringEquals: { 's3:prefix': 'home/${aws:username}/' } })], vars: { 'aws:username': 'eve' }, context: { 's3:prefix': 'home/bob/' }, expect: 'ImplicitDeny' },
  { name: 'variable in a condition value, unresolved: no equal value', docs: [when({ StringEquals: { 's3:prefix': 'home/${aws:username}/' } })], context: { 's3:prefix': 'home//' }, expect: 'ImplicitDeny' },
  { name: 'variable in a StringNotEquals value, unresolved: not equal', docs: [when({ StringNotEquals: { 's3:prefix': 'home/${aws:username}/' } })], context: { 's3:prefix': 'home//' }, expect: 'Allow' },
  { name: 'variable in a StringLike value', docs: [when({ StringLike: { 's3:prefix': '${aws:username}/*' } })], vars: { 'aws:username': 'bob' }, context: { 's3:prefix': 'bob/docs' }, expect: 'Allow' },
];

const ROLE = 'arn:aws:iam::123456789012:role/jobs-role';
const arns: Case[] = [
  { name: 'ArnLike with a wildcard', docs: [when({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/*' } })], context: { 'aws:PrincipalArn': ROLE }, expect: 'Allow' },
  { name: 'ArnEquals takes wildcards too', docs: [when({ ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/jobs-role' } })], context: { 'aws:PrincipalArn': ROLE }, expect: 'Allow' },
  { name: 'ArnLike part wildcard does not span colons', docs: [when({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:*:role/jobs-role' } })], context: { 'aws:PrincipalArn': 'arn:aws:iam:x:y:role/jobs-role:z' }, expect: 'ImplicitDeny' },
  { name: 'ArnLike on a value that is not an ARN', docs: [when({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/*' } })], context: { 'aws:PrincipalArn': 'jobs-role' }, expect: 'ImplicitDeny' },
  { name: 'ArnNotLike on a matching ARN', docs: [when({ ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/*' } })], context: { 'aws:PrincipalArn': ROLE }, expect: 'ImplicitDeny' },
  { name: 'ArnNotEquals on another ARN', docs: [when({ ArnNotEquals: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/other' } })], context: { 'aws:PrincipalArn': ROLE }, expect: 'Allow' },
  { name: 'ArnNotEquals missing key is true', docs: [when({ ArnNotEquals: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/other' } })], expect: 'Allow' },
  { name: 'ArnEquals is case-sensitive', docs: [when({ ArnEquals: { 'aws:PrincipalArn': ROLE.toUpperCase() } })], context: { 'aws:PrincipalArn': ROLE }, expect: 'ImplicitDeny' },
];

const typed: Case[] = [
  { name: 'Bool true with a boolean', docs: [when({ Bool: { 'aws:SecureTransport': 'true' } })], context: { 'aws:SecureTransport': true }, expect: 'Allow' },
  { name: 'Bool true with "false"', docs: [when({ Bool: { 'aws:SecureTransport': 'true' } })], context: { 'aws:SecureTransport': 'false' }, expect: 'ImplicitDeny' },
  { name: 'Bool true with "TRUE"', docs: [when({ Bool: { 'aws:SecureTransport': true } })], context: { 'aws:SecureTransport': 'TRUE' }, expect: 'Allow' },
  { name: 'Bool false missing key', docs: [when({ Bool: { 'aws:SecureTransport': 'false' } })], expect: 'ImplicitDeny' },
  { name: 'NumericEquals with a number', docs: [when({ NumericEquals: { 'x:n': '5' } })], context: { 'x:n': 5 }, expect: 'Allow' },
  { name: 'NumericEquals with a numeric string', docs: [when({ NumericEquals: { 'x:n': 5 } })], context: { 'x:n': '5.0' }, expect: 'Allow' },
  { name: 'NumericNotEquals', docs: [when({ NumericNotEquals: { 'x:n': 5 } })], context: { 'x:n': 6 }, expect: 'Allow' },
  { name: 'NumericNotEquals equal value', docs: [when({ NumericNotEquals: { 'x:n': 5 } })], context: { 'x:n': 5 }, expect: 'ImplicitDeny' },
  { name: 'NumericLessThan true', docs: [when({ NumericLessThan: { 'x:n': 5 } })], context: { 'x:n': 3 }, expect: 'Allow' },
  { name: 'NumericLessThan equal is false', docs: [when({ NumericLessThan: { 'x:n': 5 } })], context: { 'x:n': 5 }, expect: 'ImplicitDeny' },
  { name: 'NumericLessThanEquals equal is true', docs: [when({ NumericLessThanEquals: { 'x:n': 5 } })], context: { 'x:n': 5 }, expect: 'Allow' },
  { name: 'NumericGreaterThan true', docs: [when({ NumericGreaterThan: { 'x:n': 5 } })], context: { 'x:n': 6 }, expect: 'Allow' },
  { name: 'NumericGreaterThanEquals false', docs: [when({ NumericGreaterThanEquals: { 'x:n': 5 } })], context: { 'x:n': 4 }, expect: 'ImplicitDeny' },
  { name: 'Numeric on a non-number context value', docs: [when({ NumericLessThan: { 'x:n': 5 } })], context: { 'x:n': 'abc' }, expect: 'ImplicitDeny' },
  { name: 'DateLessThan with a Date', docs: [when({ DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } })], context: { 'aws:CurrentTime': new Date('2025-06-01T00:00:00Z') }, expect: 'Allow' },
  { name: 'DateGreaterThan with an earlier Date', docs: [when({ DateGreaterThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } })], context: { 'aws:CurrentTime': new Date('2025-06-01T00:00:00Z') }, expect: 'ImplicitDeny' },
  { name: 'DateEquals with an ISO string', docs: [when({ DateEquals: { 'aws:CurrentTime': '2025-06-01T00:00:00Z' } })], context: { 'aws:CurrentTime': '2025-06-01T00:00:00.000Z' }, expect: 'Allow' },
  { name: 'DateNotEquals', docs: [when({ DateNotEquals: { 'aws:CurrentTime': '2025-06-01T00:00:00Z' } })], context: { 'aws:CurrentTime': new Date('2025-06-02T00:00:00Z') }, expect: 'Allow' },
  { name: 'DateLessThanEquals on the boundary', docs: [when({ DateLessThanEquals: { 'aws:CurrentTime': '2025-06-01T00:00:00Z' } })], context: { 'aws:CurrentTime': new Date('2025-06-01T00:00:00Z') }, expect: 'Allow' },
  { name: 'DateGreaterThanEquals on the boundary', docs: [when({ DateGreaterThanEquals: { 'aws:CurrentTime': '2025-06-01T00:00:00Z' } })], context: { 'aws:CurrentTime': new Date('2025-06-01T00:00:00Z') }, expect: 'Allow' },
  { name: 'Date policy value in epoch seconds', docs: [when({ DateLessThan: { 'aws:CurrentTime': '1900000000' } })], context: { 'aws:CurrentTime': new Date('2025-06-01T00:00:00Z') }, expect: 'Allow' },
  { name: 'Date context value as epoch seconds (aws:EpochTime)', docs: [when({ DateGreaterThan: { 'aws:EpochTime': '2025-01-01T00:00:00Z' } })], context: { 'aws:EpochTime': 1_750_000_000 }, expect: 'Allow' },
  { name: 'BinaryEquals', docs: [when({ BinaryEquals: { 'x:bin': 'QmluYXJ5' } })], context: { 'x:bin': 'QmluYXJ5' }, expect: 'Allow' },
];

const ips: Case[] = [
  { name: 'IpAddress inside an IPv4 /24', docs: [when({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } })], context: { 'aws:SourceIp': '203.0.113.5' }, expect: 'Allow' },
  { name: 'IpAddress outside an IPv4 /24', docs: [when({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } })], context: { 'aws:SourceIp': '198.51.100.1' }, expect: 'ImplicitDeny' },
  { name: 'IpAddress /23 boundary', docs: [when({ IpAddress: { 'aws:SourceIp': '10.0.2.0/23' } })], context: { 'aws:SourceIp': '10.0.3.255' }, expect: 'Allow' },
  { name: 'IpAddress bare address is a /32', docs: [when({ IpAddress: { 'aws:SourceIp': '203.0.113.7' } })], context: { 'aws:SourceIp': '203.0.113.8' }, expect: 'ImplicitDeny' },
  { name: 'IpAddress 0.0.0.0/0 matches any IPv4', docs: [when({ IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } })], context: { 'aws:SourceIp': '8.8.8.8' }, expect: 'Allow' },
  { name: 'NotIpAddress outside', docs: [when({ NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } })], context: { 'aws:SourceIp': '198.51.100.1' }, expect: 'Allow' },
  { name: 'NotIpAddress inside', docs: [when({ NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } })], context: { 'aws:SourceIp': '203.0.113.1' }, expect: 'ImplicitDeny' },
  { name: 'IpAddress inside an IPv6 /32', docs: [when({ IpAddress: { 'aws:SourceIp': '2001:db8::/32' } })], context: { 'aws:SourceIp': '2001:db8:1::1' }, expect: 'Allow' },
  { name: 'IpAddress outside an IPv6 /32', docs: [when({ IpAddress: { 'aws:SourceIp': '2001:db8::/32' } })], context: { 'aws:SourceIp': '2001:db9::1' }, expect: 'ImplicitDeny' },
  { name: 'IpAddress IPv6 /128 loopback', docs: [when({ IpAddress: { 'aws:SourceIp': '::1/128' } })], context: { 'aws:SourceIp': '0:0:0:0:0:0:0:1' }, expect: 'Allow' },
  { name: 'IpAddress IPv4-mapped IPv6 client vs IPv4 block', docs: [when({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } })], context: { 'aws:SourceIp': '::ffff:203.0.113.5' }, expect: 'Allow' },
  { name: 'IpAddress IPv6 client vs IPv4 block', docs: [when({ IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } })], context: { 'aws:SourceIp': '2001:db8::1' }, expect: 'ImplicitDeny' },
  { name: 'IpAddress any of IPv4 and IPv6 blocks', docs: [when({ IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', 'fd00::/8'] } })], context: { 'aws:SourceIp': 'fd12:3456::9' }, expect: 'Allow' },
  { name: 'IpAddress on garbage is false', docs: [when({ IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } })], context: { 'aws:SourceIp': 'not-an-ip' }, expect: 'ImplicitDeny' },
  { name: 'IpAddress missing key is false', docs: [when({ IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } })], expect: 'ImplicitDeny' },
  { name: 'Deny unless from the office network', docs: [doc(allow('iot:*', '*'), deny('iot:*', '*', { Condition: { NotIpAddress: { 'aws:SourceIp': '192.0.2.0/24' } } }))], context: { 'aws:SourceIp': '198.51.100.9' }, expect: 'ExplicitDeny', matched: [0, 1] },
];

const presence: Case[] = [
  { name: 'Null true with the key missing', docs: [when({ Null: { 'aws:TokenIssueTime': 'true' } })], expect: 'Allow' },
  { name: 'Null true with the key present', docs: [when({ Null: { 'aws:TokenIssueTime': 'true' } })], context: { 'aws:TokenIssueTime': '2025-01-01T00:00:00Z' }, expect: 'ImplicitDeny' },
  { name: 'Null false with the key present', docs: [when({ Null: { 'aws:TokenIssueTime': false } })], context: { 'aws:TokenIssueTime': '2025-01-01T00:00:00Z' }, expect: 'Allow' },
  { name: 'Null false with the key missing', docs: [when({ Null: { 'aws:TokenIssueTime': 'false' } })], expect: 'ImplicitDeny' },
  { name: 'Null sees bound variables', docs: [when({ Null: { 'iot:Connection.Thing.ThingName': 'false' } })], vars: { 'iot:Connection.Thing.ThingName': 't1' }, expect: 'Allow' },
  { name: 'StringEqualsIfExists missing key is true', docs: [when({ StringEqualsIfExists: { 'aws:username': 'alice' } })], expect: 'Allow' },
  { name: 'StringEqualsIfExists present, mismatched', docs: [when({ StringEqualsIfExists: { 'aws:username': 'alice' } })], context: { 'aws:username': 'bob' }, expect: 'ImplicitDeny' },
  { name: 'StringEqualsIfExists present, matching', docs: [when({ StringEqualsIfExists: { 'aws:username': 'alice' } })], context: { 'aws:username': 'alice' }, expect: 'Allow' },
  { name: 'NumericLessThanIfExists missing key is true', docs: [when({ NumericLessThanIfExists: { 'x:n': 5 } })], expect: 'Allow' },
  { name: 'IpAddressIfExists missing key is true', docs: [when({ IpAddressIfExists: { 'aws:SourceIp': '10.0.0.0/8' } })], expect: 'Allow' },
  { name: 'ForAnyValue:StringEquals one match', docs: [when({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a', 'b'] } })], context: { 'aws:TagKeys': ['x', 'b'] }, expect: 'Allow' },
  { name: 'ForAnyValue:StringEquals no match', docs: [when({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a', 'b'] } })], context: { 'aws:TagKeys': ['x', 'y'] }, expect: 'ImplicitDeny' },
  { name: 'ForAnyValue:StringEquals missing key is false', docs: [when({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a'] } })], expect: 'ImplicitDeny' },
  { name: 'ForAnyValue:StringEquals empty list is false', docs: [when({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a'] } })], context: { 'aws:TagKeys': [] }, expect: 'ImplicitDeny' },
  { name: 'ForAnyValue on a single value', docs: [when({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a'] } })], context: { 'aws:TagKeys': 'a' }, expect: 'Allow' },
  { name: 'ForAllValues:StringEquals all in the set', docs: [when({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b', 'c'] } })], context: { 'aws:TagKeys': ['a', 'c'] }, expect: 'Allow' },
  { name: 'ForAllValues:StringEquals one outside', docs: [when({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } })], context: { 'aws:TagKeys': ['a', 'z'] }, expect: 'ImplicitDeny' },
  { name: 'ForAllValues:StringEquals missing key is true', docs: [when({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a'] } })], expect: 'Allow' },
  { name: 'ForAnyValue:StringNotEquals one value outside', docs: [when({ 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['a'] } })], context: { 'aws:TagKeys': ['a', 'z'] }, expect: 'Allow' },
  { name: 'ForAnyValue:StringNotEquals all inside', docs: [when({ 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['a'] } })], context: { 'aws:TagKeys': ['a'] }, expect: 'ImplicitDeny' },
  { name: 'ForAllValues:StringNotEquals none inside', docs: [when({ 'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['a'] } })], context: { 'aws:TagKeys': ['x', 'y'] }, expect: 'Allow' },
  { name: 'ForAllValues:StringNotEquals one inside', docs: [when({ 'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['a'] } })], context: { 'aws:TagKeys': ['a', 'x'] }, expect: 'ImplicitDeny' },
  { name: 'ForAllValues:StringLike', docs: [when({ 'ForAllValues:StringLike': { 'aws:TagKeys': ['env-*', 'team'] } })], context: { 'aws:TagKeys': ['env-prod', 'team'] }, expect: 'Allow' },
  { name: 'ForAnyValue:StringEqualsIfExists missing key is true', docs: [when({ 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': ['a'] } })], expect: 'Allow' },
  { name: 'operator names are case-insensitive', docs: [when({ 'foranyvalue:stringequals': { 'aws:TagKeys': ['a'] } })], context: { 'aws:TagKeys': ['a'] }, expect: 'Allow' },
  { name: 'two keys in one operator are ANDed', docs: [when({ StringEquals: { 'aws:username': 'alice', 'x:team': 'red' } })], context: { 'aws:username': 'alice', 'x:team': 'blue' }, expect: 'ImplicitDeny' },
  { name: 'two operators are ANDed (both hold)', docs: [when({ StringEquals: { 'aws:username': 'alice' }, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } })], context: { 'aws:username': 'alice', 'aws:SourceIp': '10.1.2.3' }, expect: 'Allow' },
  { name: 'two operators are ANDed (one fails)', docs: [when({ StringEquals: { 'aws:username': 'alice' }, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } })], context: { 'aws:username': 'alice', 'aws:SourceIp': '11.1.2.3' }, expect: 'ImplicitDeny' },
];

const all: Case[] = [
  ...basics, ...actions, ...resources, ...negations, ...variableCases, ...iamVariableCases, ...variableRules,
  ...escapes, ...strings, ...arns, ...typed, ...ips, ...presence,
];

test('the table has at least 100 cases', () => {
  assert.ok(all.length >= 100, `only ${all.length} cases`);
});

for (const c of all) {
  test(c.name, () => {
    const d = decide(c);
    assert.equal(d.effect, c.expect);
    if (c.matched !== undefined) {
      assert.deepEqual([d.matched?.policyIndex, d.matched?.statementIndex], c.matched);
    }
    if (c.expect === 'ImplicitDeny') assert.equal(d.matched, undefined);
  });
}
