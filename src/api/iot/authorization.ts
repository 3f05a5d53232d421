import type { FastifyInstance } from 'fastify';
import { invalidInput } from '../../errors.js';
import { jsonBody, queryString } from '../../protocols/rest-json.js';
import type { AuthInfo, AuthResult } from '../../registry/index.js';
import { optionalString, stringList } from '../../registry/validate.js';
import type { AppContext } from '../../server/context.js';
import { iotOperation } from './route.js';

// AWS's TestAuthorization limits (IoT API Reference, TestAuthorization and AuthInfo). With them, and the
// policy quotas, one call evaluates a bounded number of bounded subjects (issue 24).
const MAX_AUTH_INFOS = 10;
const MAX_RESOURCE_CHARS = 2048;
const MAX_RESOURCES = 100;

function authInfosIn(value: unknown): AuthInfo[] {
  if (!Array.isArray(value) || value.length === 0) throw invalidInput('authInfos must be a list of {actionType, resources}.');
  if (value.length > MAX_AUTH_INFOS) throw invalidInput(`authInfos has ${value.length} entries; at most ${MAX_AUTH_INFOS} are allowed.`);
  return value.map((v: unknown) => {
    const info = v as { actionType?: unknown; resources?: unknown } | null;
    if (!info || typeof info.actionType !== 'string') throw invalidInput('Every authInfo needs an actionType (PUBLISH, SUBSCRIBE, RECEIVE, CONNECT, or a Jobs HTTPS action such as UPDATE_JOB_EXECUTION).');
    const resources = stringList(info.resources, 'resources');
    if (resources.length > MAX_RESOURCES) throw invalidInput(`An authInfo has ${resources.length} resources; Ferry evaluates at most ${MAX_RESOURCES} per authInfo.`);
    const long = resources.find((r) => r.length > MAX_RESOURCE_CHARS);
    if (long !== undefined) throw invalidInput(`A resource has ${long.length} characters; at most ${MAX_RESOURCE_CHARS} are allowed.`);
    return { actionType: info.actionType, resources };
  });
}

const refs = (list: Array<{ name: string; arn: string }>) => ({ policies: list.map((p) => ({ policyName: p.name, policyArn: p.arn })) });

function authResultOut(r: AuthResult) {
  return {
    authInfo: r.authInfo,
    allowed: refs(r.allowedBy),
    denied: { implicitDeny: refs(r.implicitlyDeniedBy), explicitDeny: refs(r.explicitlyDeniedBy) },
    authDecision: r.decision,
    missingContextValues: r.missingContextValues,
  };
}

/** GetEffectivePolicies and TestAuthorization. */
export function registerAuthorizationRoutes(app: FastifyInstance, ctx: AppContext): void {
  const authorization = () => ctx.services.registry.authorization;

  iotOperation(app, ctx, 'POST', '/effective-policies', async (request) => {
    const body = jsonBody(request);
    if (body.cognitoIdentityPoolId !== undefined) throw invalidInput('Ferry has no Cognito identities.');
    const documents = await authorization().effectivePolicies({
      principal: optionalString(body.principal, 'principal', 2048),
      thingName: queryString(request, 'thingName'),
    });
    return { effectivePolicies: documents.map((d) => ({ policyName: d.policyName, policyArn: d.policyArn, policyDocument: d.document })) };
  });

  iotOperation(app, ctx, 'POST', '/test-authorization', async (request) => {
    const body = jsonBody(request);
    if (body.cognitoIdentityPoolId !== undefined) throw invalidInput('Ferry has no Cognito identities.');
    const results = await authorization().test({
      principal: optionalString(body.principal, 'principal', 2048),
      clientId: queryString(request, 'clientId'),
      authInfos: authInfosIn(body.authInfos),
      policyNamesToAdd: stringList(body.policyNamesToAdd, 'policyNamesToAdd'),
      policyNamesToSkip: stringList(body.policyNamesToSkip, 'policyNamesToSkip'),
    });
    return { authResults: results.map(authResultOut) };
  });
}
