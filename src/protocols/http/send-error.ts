import type { FastifyReply, FastifyRequest } from 'fastify';
import { FerryError, invalidInput, isFerryError, tooLarge, unavailable } from '../../errors.js';
import { isDatabaseUnavailable } from '../../store/availability.js';
import { toAwsError, type AwsService } from '../errors/registry.js';
import { awsQueryError, restJsonError, restXmlError, STS_XMLNS, type ErrorReply } from '../errors/shapes.js';
import { drainUnreadBody } from './drain.js';
import type { WireProtocol } from './types.js';

export interface ProtocolDefaults {
  protocol: WireProtocol;
  service: AwsService;
}

/** Fastify's own errors (body too large, bad content length…) as domain errors. */
function fromFramework(error: unknown): FerryError {
  if (isFerryError(error)) return error;
  if (isDatabaseUnavailable(error)) return unavailable('The service cannot reach its database just now; retry the request.', { cause: error });
  const status = (error as { statusCode?: number }).statusCode;
  const message = (error as { message?: string }).message ?? 'Bad request';
  if (status === 413) return tooLarge('The request body is larger than this operation accepts.');
  if (status !== undefined && status >= 400 && status < 500) return invalidInput(message, 'malformed-body');
  return new FerryError('Internal', 'Internal error', {}, { cause: error });
}

export function renderError(protocol: WireProtocol, service: AwsService, error: unknown, requestId: string, method: string): ErrorReply {
  const aws = toAwsError(service, fromFramework(error));
  if (protocol === 'rest-xml') return restXmlError(aws, requestId, method !== 'HEAD');
  if (protocol === 'aws-query') return awsQueryError(aws, requestId, service === 'sts' ? STS_XMLNS : undefined);
  return restJsonError(aws, requestId);
}

/** The one place where an error becomes a reply, in the route's protocol. */
export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown, defaults: ProtocolDefaults): void {
  const config = request.routeOptions.config;
  const protocol = config?.protocol ?? defaults.protocol;
  const service = config?.serviceFor?.(request) ?? config?.service ?? defaults.service;
  const out = renderError(protocol, service, error, String(request.id), request.method);
  const aws = toAwsError(service, fromFramework(error));
  request.awsError = { code: aws.code, message: aws.message };
  if (out.status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: out.headers['x-amzn-errortype'] ?? out.status, err: (error as Error)?.message }, 'request refused');
  if (reply.sent || reply.raw.headersSent) {
    reply.raw.destroy();
    return;
  }
  drainUnreadBody(request.raw);
  void reply.code(out.status).headers(out.headers).send(out.body);
}
