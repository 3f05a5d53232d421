import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { invalidInput, unauthenticated } from '../../errors.js';
import { formParams, sendQueryResult } from '../../protocols/aws-query.js';
import { IAM_XMLNS, STS_XMLNS } from '../../protocols/errors/shapes.js';
import { parseSignature } from '../../protocols/sigv4/index.js';
import { incomingSignedRequest } from '../../protocols/http/signed-request.js';
import type { XmlObject } from '../../protocols/xml/build.js';
import { dictionary } from '../../records.js';
import type { AppContext } from '../../server/context.js';
import { iamActions } from '../iam/index.js';
import { refuseSessionTokenCredentials, stsActions } from '../sts/index.js';

/** An aws-query action: takes the form parameters, returns the `<ActionResult>` content. */
export type QueryHandler = (params: Record<string, string>, request: FastifyRequest) => Promise<XmlObject | undefined>;

type QueryService = 'iam' | 'sts';
const XMLNS: Record<QueryService, string> = { iam: IAM_XMLNS, sts: STS_XMLNS };
/** The one API version each query service speaks; AWS refuses a request naming another (issue 24). */
const API_VERSIONS: Record<QueryService, string> = { iam: '2010-05-08', sts: '2011-06-15' };

/** The signing service decides which of the two query services a `POST /` is for. */
function serviceOf(request: FastifyRequest): QueryService {
  const parsed = parseSignature(incomingSignedRequest(request));
  if (!parsed) throw unauthenticated('Request is missing Authentication Token', 'missing-authentication');
  return parsed.scope.service === 'sts' ? 'sts' : 'iam';
}

/**
 * IAM and STS share `POST /` on the api listener. IAM is global and signs for
 * us-east-1 whatever the server's region (aws-wire-protocols.md §6); STS signs
 * for the server's region. SDKs and the AWS CLI given an endpoint URL sign
 * IAM for their configured region, so IAM also accepts the server's own.
 */
export function registerQueryApi(app: FastifyInstance, ctx: AppContext): void {
  const iamRegions = [...new Set(['us-east-1', ctx.region])];
  // Looked up by the request's Action: no prototype, so Action=constructor names no operation.
  const actions: Record<QueryService, Record<string, QueryHandler>> = { iam: dictionary(iamActions(ctx)), sts: dictionary(stsActions(ctx)) };
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const service = serviceOf(request);
    const params = formParams(request);
    const action = params.Action ?? '';
    const run = actions[service][action];
    if (!run) throw invalidInput(`Could not find operation ${action || '(none)'} for ${service.toUpperCase()}.`, 'unknown-operation');
    request.operation = `${service}:${action}`;
    const version = params.Version;
    if (version !== API_VERSIONS[service]) {
      const given = version === undefined ? 'no Version' : `version ${version}`;
      throw invalidInput(`Could not find operation ${action} for ${given}: ${service.toUpperCase()} speaks Version=${API_VERSIONS[service]}.`, 'unknown-operation');
    }
    refuseSessionTokenCredentials(service, action, request.principal);
    const result = await run(params, request);
    return sendQueryResult(reply, action, result, String(request.id), XMLNS[service]);
  };
  for (const method of ['POST', 'GET'] as const) {
    app.route({
      method,
      url: '/',
      config: {
        protocol: 'aws-query',
        service: 'iam',
        // STS's errors carry STS's XML namespace, IAM's IAM's: the service is the one the request was signed for.
        serviceFor: (request) => parseSignature(incomingSignedRequest(request))?.scope.service === 'sts' ? 'sts' : 'iam',
        auth: { mode: 'sigv4', services: ['iam', 'sts'], regionFor: (s) => (s === 'iam' ? iamRegions : ctx.region) },
      },
      handler,
    });
  }
}
