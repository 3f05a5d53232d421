import type { FastifyInstance } from 'fastify';
import { invalidInput } from '../../errors.js';
import { jsonBody, queryString } from '../../protocols/rest-json.js';
import type { AuthInfo, AuthResult } from '../../registry/index.js';
import { optionalString, stringList } from '../../registry/validate.js';
import type { AppContext } from '../../server/context.js';
import { iotOperation } from './route.js';

function authInfosIn(value: unknown): AuthInfo[] {
  if (!Array.isArray(value) || value.length === 0) throw invalidInput('authInfos must be a list of {actionType, resources}.');
  return value.map((v: unknown) => {
    const info = v as { actionType?: unknown; resources?: unknown } | null;
    if (!info || typeof info.actionType !== 'string') {
      throw invalidInput('Every authInfo needs an actionType (PUBLISH, SUBSCRIBE, RECEIVE, CONNECT, or a Jobs HTTPS action such as UPDATE_JOB_EXECUTION).');
    }
    return { actionType: info.actionType, resources: stringList(info.resources, 'resources') };
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
