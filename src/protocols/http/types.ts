import type { AwsService } from '../errors/registry.js';

export type WireProtocol = 'rest-json' | 'rest-xml' | 'aws-query';

/** How a request was authenticated; the request log line names it. */
export type AuthScheme = 'sigv4-header' | 'sigv4-query' | 'sigv2-header' | 'sigv2-query' | 'certificate';

/**
 * How a route authenticates. 'sigv4': a signature scoped to one of `services`
 * (region from `regionFor`); 'certificate-or-sigv4': a client certificate, or
 * else a signature; 'certificate': a client certificate only; 'none'.
 */
export type AuthSpec =
  | { mode: 'sigv4'; services: string[]; regionFor: (service: string) => string | readonly string[] }
  | { mode: 'certificate-or-sigv4'; services: string[]; regionFor: (service: string) => string | readonly string[] }
  | { mode: 'certificate' }
  | { mode: 'none' };

declare module 'fastify' {
  interface FastifyContextConfig {
    protocol?: WireProtocol;
    service?: AwsService;
    /** When one route serves several services (IAM and STS share `POST /`): the request's own, for its errors. */
    serviceFor?: (request: FastifyRequest) => AwsService;
    auth?: AuthSpec;
  }
  interface FastifyRequest {
    /** The raw request body (JSON and query protocols; S3 streams instead). */
    rawBody?: Buffer;
    /** The operation's name when one route serves several (aws-query's Action), for metrics. */
    operation?: string;
    /** The AWS error the request was answered with, if any (the audit log's errorCode/errorMessage). */
    awsError?: { code: string; message: string };
  }
}
