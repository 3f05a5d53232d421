import type { FastifyInstance } from 'fastify';
import { unauthenticated } from '../../errors.js';
import { verifySigV4 } from '../../protocols/http/authenticate.js';
import { UNSIGNED_PAYLOAD } from '../../protocols/sigv4/index.js';
import { buildXmlDocument } from '../../protocols/xml/build.js';
import type { AppContext } from '../../server/context.js';

const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/**
 * The S3 API. Every request is authenticated first (header or presigned
 * query SigV4, canonical URI the S3 way); the object store (issue 3) adds
 * the operations.
 */
export function registerS3Api(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('preHandler', async (request) => {
    const result = await verifySigV4(
      request,
      { services: ['s3'], regionFor: () => ctx.region },
      { credentials: ctx.accessKeys, clock: ctx.clock },
      {
        canonicalUri: 's3',
        payloadHash: (parsed) => {
          if (parsed.mode === 'query') return UNSIGNED_PAYLOAD;
          if (!parsed.contentSha256) throw unauthenticated('Missing required header for this request: x-amz-content-sha256', 'malformed-authorization');
          return parsed.contentSha256;
        },
      },
    );
    request.principal = result.principal;
  });
  app.get('/', async (_request, reply) =>
    reply
      .header('content-type', 'application/xml')
      .send(buildXmlDocument('ListAllMyBucketsResult', { Buckets: '', Owner: { ID: ctx.accountId, DisplayName: 'ferry' } }, S3_XMLNS)),
  );
}
