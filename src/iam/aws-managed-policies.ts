import { createHash } from 'node:crypto';

/**
 * The AWS-managed policies users attach first, under
 * `arn:aws:iam::aws:policy/…`: the documents AWS publishes, trimmed to the
 * services Ferry serves (IoT, the Jobs data plane, IAM, STS, S3). They live
 * in code, not in the database: they are the same in every Ferry and never
 * change under a user. Their ids are Ferry's (ANPA + a digest of the name).
 */
export interface AwsManagedPolicy {
  policyName: string;
  arn: string;
  policyId: string;
  description: string;
  document: string;
}

const doc = (statements: Array<{ Action: string | string[]; Resource?: string }>): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements.map((s) => ({ Effect: 'Allow', Action: s.Action, Resource: s.Resource ?? '*' })) });

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const idOf = (name: string): string => 'ANPA' + [...createHash('sha256').update(`aws-managed:${name}`).digest().subarray(0, 17)].map((b) => ID_ALPHABET[b % 32]).join('');

const DEFINITIONS: Array<[string, string, string]> = [
  ['AdministratorAccess', 'Provides full access to AWS services and resources.', doc([{ Action: '*' }])],
  [
    'ReadOnlyAccess',
    'Provides read-only access to AWS services and resources.',
    doc([{ Action: ['iam:Get*', 'iam:List*', 'iam:GenerateServiceLastAccessedDetails', 'iot:Describe*', 'iot:Get*', 'iot:List*', 'iotjobsdata:Describe*', 'iotjobsdata:Get*', 's3:Get*', 's3:List*', 's3:Describe*', 'sts:GetCallerIdentity'] }]),
  ],
  ['IAMFullAccess', 'Provides full access to IAM via the AWS Management Console.', doc([{ Action: 'iam:*' }])],
  ['AmazonS3FullAccess', 'Provides full access to all buckets via the AWS Management Console.', doc([{ Action: ['s3:*', 's3-object-lambda:*'] }])],
  ['AmazonS3ReadOnlyAccess', 'Provides read only access to all buckets via the AWS Management Console.', doc([{ Action: ['s3:Get*', 's3:List*', 's3:Describe*'] }])],
  ['AWSIoTFullAccess', 'This policy gives full access to the AWS IoT configuration and messaging operations', doc([{ Action: ['iot:*', 'iotjobsdata:*'] }])],
  [
    'AWSIoTConfigReadOnlyAccess',
    'This policy gives read only access to the AWS IoT configuration',
    doc([{ Action: ['iot:Describe*', 'iot:Get*', 'iot:List*', 'iot:TestAuthorization', 'iot:SearchIndex', 'iot:GetIndexingConfiguration'] }]),
  ],
];

export const AWS_MANAGED_POLICIES: readonly AwsManagedPolicy[] = DEFINITIONS.map(([policyName, description, document]) => ({
  policyName,
  arn: `arn:aws:iam::aws:policy/${policyName}`,
  policyId: idOf(policyName),
  description,
  document,
}));

const BY_ARN = new Map(AWS_MANAGED_POLICIES.map((p) => [p.arn, p]));

export const awsManagedPolicy = (arn: string): AwsManagedPolicy | undefined => BY_ARN.get(arn);

/** `AdministratorAccess` or a full ARN → the policy's ARN, if AWS-managed. */
export const awsManagedPolicyArn = (nameOrArn: string): string | undefined =>
  BY_ARN.has(nameOrArn) ? nameOrArn : BY_ARN.has(`arn:aws:iam::aws:policy/${nameOrArn}`) ? `arn:aws:iam::aws:policy/${nameOrArn}` : undefined;
