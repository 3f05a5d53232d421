/**
 * Ferry's policy engine for IoT and IAM policy documents: parse and validate,
 * compile once, bind variables once per principal, evaluate synchronously.
 *
 *   const set = compilePolicies([parsePolicyDocument(text, 'iot')]);
 *   const bound = bindVariables(set, { 'iot:ClientId': clientId, 'iot:Connection.Thing.ThingName': thing });
 *   evaluate(bound, { action: 'iot:Publish', resource: topicArn }).effect === 'Allow';
 */
export { parsePolicyDocument, type ParseOptions } from './parse.js';
export { compilePolicies, bindVariables, dependencies, type CompiledPolicySet, type BoundPolicySet } from './compile.js';
export { evaluate, explain, evaluateTrust } from './evaluate.js';
export { normalizeName } from './variables.js';
export { IOT_MAX_CHARS, IAM_MAX_CHARS, IAM_TRUST_MAX_CHARS, nonBlankLength } from './limits.js';
export type {
  AuthorizationRequest,
  BaseOperator,
  ConditionClause,
  ConditionContext,
  ConditionValue,
  ContextScalar,
  Decision,
  DecisionEffect,
  Effect,
  Explanation,
  PolicyDialect,
  PolicyDocument,
  PolicyKind,
  PolicyStatement,
  PolicyVariables,
  PolicyVersion,
  PrincipalMap,
  PrincipalSpec,
  RequestPrincipal,
  SetQualifier,
  StatementRef,
} from './types.js';
