/**
 * The public shapes of the policy engine. A PolicyDocument is the validated,
 * normalised form of an IoT or IAM policy text; compiled and bound sets are
 * opaque to callers (see compile.ts).
 */

export type PolicyDialect = 'iot' | 'iam';

/**
 * What a document is used for, which decides which elements it must have:
 * identity (IoT policies, IAM permissions policies): Resource, no Principal;
 * trust (IAM AssumeRolePolicyDocument): Principal, no Resource;
 * resource (e.g. bucket policies): both.
 */
export type PolicyKind = 'identity' | 'trust' | 'resource';

export type PolicyVersion = '2012-10-17' | '2008-10-17';

export type Effect = 'Allow' | 'Deny';

export interface PrincipalMap {
  aws?: string[];
  service?: string[];
  federated?: string[];
  canonicalUser?: string[];
}

/** `"*"` or the map form `{"AWS": …, "Service": …}`. */
export type PrincipalSpec = '*' | PrincipalMap;

export type BaseOperator =
  | 'StringEquals'
  | 'StringNotEquals'
  | 'StringEqualsIgnoreCase'
  | 'StringNotEqualsIgnoreCase'
  | 'StringLike'
  | 'StringNotLike'
  | 'ArnEquals'
  | 'ArnLike'
  | 'ArnNotEquals'
  | 'ArnNotLike'
  | 'NumericEquals'
  | 'NumericNotEquals'
  | 'NumericLessThan'
  | 'NumericLessThanEquals'
  | 'NumericGreaterThan'
  | 'NumericGreaterThanEquals'
  | 'DateEquals'
  | 'DateNotEquals'
  | 'DateLessThan'
  | 'DateLessThanEquals'
  | 'DateGreaterThan'
  | 'DateGreaterThanEquals'
  | 'Bool'
  | 'BinaryEquals'
  | 'IpAddress'
  | 'NotIpAddress'
  | 'Null';

export type SetQualifier = 'ForAnyValue' | 'ForAllValues';

/** One `operator: { key: values }` pair of a Condition block. */
export interface ConditionClause {
  /** The canonical operator as written, e.g. `ForAnyValue:StringLikeIfExists`. */
  operator: string;
  base: BaseOperator;
  set?: SetQualifier;
  ifExists: boolean;
  key: string;
  /** Values as strings (JSON numbers and booleans are turned into their text). */
  values: string[];
}

export interface PolicyStatement {
  sid?: string;
  effect: Effect;
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  principal?: PrincipalSpec;
  notPrincipal?: PrincipalSpec;
  conditions: ConditionClause[];
}

export interface PolicyDocument {
  dialect: PolicyDialect;
  kind: PolicyKind;
  /** IAM's default when Version is absent is 2008-10-17, where `${…}` is plain text. */
  version: PolicyVersion;
  id?: string;
  statements: PolicyStatement[];
}

/** Variable values keyed by name without `${}`, e.g. `iot:Connection.Thing.ThingName`. */
export type PolicyVariables = Record<string, string | undefined>;

export type ContextScalar = string | number | boolean | Date;
export type ConditionValue = ContextScalar | string[] | undefined;
/** Request context keys; looked up case-insensitively, as IAM does. */
export type ConditionContext = Record<string, ConditionValue>;

export interface RequestPrincipal {
  /** A service principal, e.g. `iot.amazonaws.com`. */
  service?: string;
  /** An AWS principal ARN, e.g. `arn:aws:iam::123456789012:role/R`. */
  aws?: string;
}

export interface AuthorizationRequest {
  action: string;
  resource: string;
  context?: ConditionContext;
  /** Only statements with Principal/NotPrincipal look at it; they never match without it. */
  principal?: RequestPrincipal;
}

export interface StatementRef {
  readonly policyIndex: number;
  readonly statementIndex: number;
  readonly sid?: string;
}

export type DecisionEffect = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

export interface Decision {
  readonly effect: DecisionEffect;
  /** The deciding statement: the first matching Deny, else the first matching Allow. */
  readonly matched?: StatementRef;
}

/** Every statement that applied, for TestAuthorization-style answers. */
export interface Explanation extends Decision {
  readonly allowedBy: readonly StatementRef[];
  readonly deniedBy: readonly StatementRef[];
}
